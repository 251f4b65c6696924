/**
 * What each store method does to the table, in IAM's terms: the DynamoDB actions it calls and the
 * partitions (leading keys) it touches. The adapter owns the keys (dynamo-registry-store.ts), so it
 * owns this list too; the stack turns it into each function's grant (least privilege per function,
 * README "Security"), and an integration test checks it against the requests the adapter really sends.
 */
import type { RegistryStore } from "./registry-store";

export type DynamoAction =
  | "GetItem"
  | "BatchGetItem"
  | "Query"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "BatchWriteItem"
  /** A transaction's condition on an item it does not write (TransactWriteItems has no action of its own). */
  | "ConditionCheckItem";

/** The table's partitions by key prefix (module comment of dynamo-registry-store.ts). */
export type Partition =
  /** `GROUPS`: broker groups and the sweeper's state. */
  | "groups"
  /** `TOPIC#<topic>`: queue data and the ORDER_TOPIC_CONFIG mirror. */
  | "topics"
  /** `KV#<namespace>`: KV config. */
  | "kv"
  /** `CONFIG`: the NameServer's settings (GET / PUT /config). */
  | "config"
  /** `HISTORY#<day>`: the history of changes. */
  | "history"
  /** `LIVENESS`: the sweeper's liveness digest. */
  | "liveness";

/** `dynamodb:LeadingKeys` value pattern of each partition. */
export const leadingKeyPattern: Record<Partition, string> = {
  groups: "GROUPS",
  topics: "TOPIC#*",
  kv: "KV#*",
  config: "CONFIG",
  history: "HISTORY#*",
  liveness: "LIVENESS",
};

/**
 * `dynamodb:LeadingKeys` value pattern of the group index: its partition key (`gsi1pk`) is
 * `QD#<brokerName>`, set on queue data items only, so a query bound to it reaches queue data and
 * nothing else (no KV, no CONFIG, no broker group).
 */
export const groupIndexKeyPattern = "QD#*";

export type TableAccess =
  | { readonly actions: readonly DynamoAction[]; readonly partitions: readonly Partition[] }
  /** A Query on the group index (gsi1: queue data by broker group), which holds queue data only. */
  | { readonly actions: readonly ["Query"]; readonly groupIndex: true };

const groups = (...actions: DynamoAction[]): TableAccess => ({ actions, partitions: ["groups"] });
const topics = (...actions: DynamoAction[]): TableAccess => ({ actions, partitions: ["topics"] });
const groupIndex: TableAccess = { actions: ["Query"], groupIndex: true };

export const storeMethodAccess: { readonly [M in keyof RegistryStore]: readonly TableAccess[] } = {
  getGroup: [groups("GetItem")],
  listGroups: [groups("Query")],
  getGroups: [groups("BatchGetItem")],
  getSweeperState: [groups("GetItem")],
  putSweeperState: [groups("PutItem")],
  putLivenessDigest: [{ actions: ["PutItem"], partitions: ["liveness"] }],
  getLivenessDigest: [{ actions: ["GetItem"], partitions: ["liveness"] }],
  touchMember: [groups("UpdateItem")],
  touchAddress: [groups("UpdateItem")],
  // A new incarnation is a conditional Put, an existing group a conditional Update.
  writeMember: [groups("PutItem", "UpdateItem")],
  setMemberDigest: [groups("UpdateItem")],
  removeMembers: [groups("UpdateItem")],
  finishWriteClear: [groups("UpdateItem")],
  bumpTopology: [groups("UpdateItem")],
  deleteEmptyGroup: [groups("DeleteItem")],
  getTopic: [topics("Query")],
  getGroupQueueData: [groupIndex],
  // Batches, or for a prime slave transactions that check the group has no master.
  putQueueData: [topics("BatchWriteItem", "PutItem"), groups("ConditionCheckItem")],
  deleteQueueData: [topics("BatchWriteItem")],
  deleteStaleQueueData: [topics("DeleteItem")],
  deleteQueueDataOfEmptyGroup: [topics("DeleteItem"), groups("ConditionCheckItem")],
  updatePerm: [topics("UpdateItem")],
  // ORDER_TOPIC_CONFIG is mirrored into the topic's partition (TOPIC#<topic> / ORDER).
  putKv: [{ actions: ["PutItem"], partitions: ["kv", "topics"] }],
  getKv: [{ actions: ["GetItem"], partitions: ["kv"] }],
  deleteKv: [{ actions: ["DeleteItem"], partitions: ["kv", "topics"] }],
  listKv: [{ actions: ["Query"], partitions: ["kv"] }],
  getConfig: [{ actions: ["GetItem"], partitions: ["config"] }],
  putConfig: [{ actions: ["UpdateItem"], partitions: ["config"] }],
  appendHistory: [{ actions: ["PutItem"], partitions: ["history"] }],
  queryHistoryDay: [{ actions: ["Query"], partitions: ["history"] }],
  deleteHistoryBefore: [{ actions: ["Query", "BatchWriteItem"], partitions: ["history"] }],
};
