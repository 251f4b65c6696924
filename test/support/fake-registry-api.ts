/**
 * A scripted stand-in for the registry's typed HTTP client, for tests of the remoting translation:
 * every call is recorded (method and arguments), and each method answers what the test sets in
 * `answers`, or a plain default. Errors are the typed client's own (NameServerRequestError).
 */
import { NameServerRequestError } from "../../lib/client/transport";
import type { TopicRouteData } from "../../lib/domain/model";
import type { RegistryApi } from "../../lib/gateway/registry-api";

export type Call = { method: keyof RegistryApi; args: unknown[] };

type Api = Required<RegistryApi>;
type Answers = { [K in keyof Api]?: (...args: Parameters<Api[K]>) => unknown };

export const URL_OF_FAKE = "http://registry.test";

export function requestError(status: number, code: string, message = code): NameServerRequestError {
  return new NameServerRequestError(URL_OF_FAKE, status, code, message);
}

export function routeOf(brokerName = "broker-a", addrs: Record<string, string> = { "0": "10.0.0.1:10911" }) {
  const route: TopicRouteData = {
    queueDatas: [{ brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
    brokerDatas: [{ cluster: "DefaultCluster", brokerName, brokerAddrs: addrs, enableActingMaster: false }],
    filterServerTable: {},
  };
  return route;
}

const defaults: Required<Answers> = {
  registerBroker: () => ({ topicConfigApplied: true }),
  unregisterBroker: () => undefined,
  touchBroker: () => ({}),
  queryDataVersion: () => ({ changed: true, dataVersion: null }),
  getBrokerMemberGroup: (cluster, brokerName) => ({ cluster, brokerName, brokerAddrs: {} }),
  setWritePerm: () => ({ affectedTopicCount: 0 }),
  getRouteInfoByTopic: () => {
    throw requestError(404, "TOPIC_NOT_EXIST");
  },
  getRoutes: (topics) => ({ routes: {}, etags: {}, unchanged: [], missing: [...topics] }),
  getBrokerClusterInfo: () => ({ brokerAddrTable: {}, clusterAddrTable: {} }),
  getAllTopicList: () => [],
  getTopicsByCluster: () => [],
  deleteTopic: () => undefined,
  registerTopic: () => ({}),
  getSystemTopicList: () => ({ topicList: [] }),
  getUnitTopicList: () => [],
  putKvConfig: () => undefined,
  getKvConfig: () => {
    throw requestError(404, "QUERY_NOT_FOUND");
  },
  deleteKvConfig: () => undefined,
  getKvList: () => {
    throw requestError(404, "QUERY_NOT_FOUND");
  },
  getConfig: () => ({}),
  updateConfig: () => ({}),
};

export function fakeRegistryApi(answers: Answers = {}): RegistryApi & { calls: Call[]; answers: Answers } {
  const calls: Call[] = [];
  const api = { calls, answers } as unknown as RegistryApi & { calls: Call[]; answers: Answers };
  const methods = new Set([...Object.keys(defaults), ...Object.keys(answers)]) as Set<keyof Api>;
  for (const method of methods) {
    (api as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      calls.push({ method, args });
      const answer = (api.answers[method] ?? defaults[method as keyof typeof defaults]) as (
        ...a: unknown[]
      ) => unknown;
      return answer(...args);
    };
  }
  return api;
}
