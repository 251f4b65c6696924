/**
 * Which store methods each use case calls, and which use cases each function's handler calls: with
 * lib/store/table-access.ts this gives every function the DynamoDB grant it needs and no more
 * (README "Security"). Typed over the NameServer interface, so a new use case does not compile until
 * it says what it touches; an integration test (test/integration/table-access.test.ts) runs each use
 * case over a recording client and checks every request against the function's synthesized policy.
 */
import type { RegistryStore } from "../store/registry-store";
import type { NameServer } from "./name-server";

type StoreMethod = keyof RegistryStore;

/** The cascade after members left (unregister, expiry): empty group removal, WRITE clearing. */
const removalCascade: StoreMethod[] = [
  "removeMembers",
  "getGroupQueueData",
  "deleteQueueDataOfEmptyGroup",
  "deleteEmptyGroup",
  "getGroup",
  "updatePerm",
  "bumpTopology",
  "finishWriteClear",
];

export const useCaseStoreMethods: { readonly [U in keyof NameServer]: readonly StoreMethod[] } = {
  registerBroker: [
    // The switches (deleteTopicWithBrokerRegistration, returnOrderTopicConfigToBroker, ...) and the
    // ORDER_TOPIC_CONFIG table a master's answer carries.
    "getConfig",
    "listKv",
    "touchMember",
    "getGroup",
    "getGroupQueueData",
    "writeMember",
    "deleteStaleQueueData",
    "putQueueData",
    "setMemberDigest",
    "bumpTopology",
    "appendHistory",
  ],
  touchBroker: ["touchAddress", "touchMember"],
  queryDataVersion: ["touchMember"],
  registerTopic: ["getGroups", "getTopic", "putQueueData", "appendHistory"],
  getSystemTopicList: ["listGroups"],
  getUnitTopicList: ["getConfig", "listGroups", "getGroupQueueData"],
  getConfig: ["getConfig"],
  updateConfig: ["getConfig", "putConfig", "listGroups", "bumpTopology", "appendHistory"],
  unregisterBroker: ["getGroup", ...removalCascade, "appendHistory"],
  getBrokerMemberGroup: ["getGroups"],
  setWritePerm: ["getGroup", "getGroupQueueData", "updatePerm", "appendHistory"],
  getRouteInfoByTopic: ["getConfig", "getTopic", "getGroups"],
  getRoutes: ["getConfig", "getTopic", "getGroups"],
  getChanges: ["queryHistoryDay", "getLivenessDigest", "getGroups"],
  getBrokerClusterInfo: ["listGroups"],
  listBrokers: ["listGroups"],
  getAllTopicList: ["getConfig", "listGroups", "getGroupQueueData"],
  getTopicsByCluster: ["getConfig", "listGroups", "getGroupQueueData"],
  deleteTopic: ["getTopic", "getGroups", "deleteQueueData", "bumpTopology", "appendHistory"],
  // The value before the change, for the history.
  putKvConfig: ["getKv", "putKv", "appendHistory"],
  getKvConfig: ["getKv"],
  deleteKvConfig: ["getKv", "deleteKv", "appendHistory"],
  getKvList: ["listKv"],
  sweep: [
    "listGroups",
    "putSweeperState",
    "putLivenessDigest",
    ...removalCascade,
    "appendHistory",
    "deleteHistoryBefore",
  ],
  health: ["getSweeperState"],
  getHistory: ["queryHistoryDay"],
};

/** The use cases each handler module of functions/ calls (the sweeper included). */
export const handlerUseCases: Readonly<Record<string, readonly (keyof NameServer)[]>> = {
  "register-broker": ["registerBroker"],
  "unregister-broker": ["unregisterBroker"],
  "get-broker-member-group": ["getBrokerMemberGroup"],
  "set-write-perm": ["setWritePerm"],
  "get-route-info-by-topic": ["getRouteInfoByTopic"],
  "get-all-topic-list": ["getAllTopicList", "getSystemTopicList", "getUnitTopicList"],
  "touch-broker": ["touchBroker"],
  "query-data-version": ["queryDataVersion"],
  "register-topic": ["registerTopic"],
  "get-namesrv-config": ["getConfig"],
  "update-namesrv-config": ["updateConfig"],
  "delete-topic": ["deleteTopic"],
  "get-broker-cluster-info": ["getBrokerClusterInfo"],
  "list-brokers": ["listBrokers"],
  "get-topics-by-cluster": ["getTopicsByCluster"],
  "put-kv-config": ["putKvConfig"],
  "get-kv-config": ["getKvConfig"],
  "delete-kv-config": ["deleteKvConfig"],
  "get-kv-list": ["getKvList"],
  "get-kv": ["getKvConfig", "getKvList"],
  "get-routes": ["getRoutes", "getChanges"],
  health: ["health"],
  "get-history": ["getHistory"],
  sweeper: ["sweep"],
};

/** The store methods a handler module calls; throws for a module nobody declared. */
export function storeMethodsOfHandler(handler: string): StoreMethod[] {
  const useCases = handlerUseCases[handler];
  if (useCases === undefined) {
    throw new Error(
      `No table access declared for functions/${handler}.ts: add it to handlerUseCases in lib/app/store-use.ts`,
    );
  }
  return [...new Set(useCases.flatMap((useCase) => useCaseStoreMethods[useCase]))];
}
