/**
 * The DynamoDB adapter of the store port. It owns the keys and item shapes of the single table
 * (README "Data model"), parses what it reads back, and turns SDK errors into domain outcomes.
 *
 * Items (pk / sk):
 * - `GROUPS` / `GROUP#<brokerName>`: a broker group with its members (live info inline, compact
 *   attribute names so that a group of three stays under 1 KB and a heartbeat costs 1 WCU).
 * - `GROUPS` / `SWEEPER`: the sweeper's state (self-preservation).
 * - `TOPIC#<topic>` / `QD#<brokerName>`: one group's queue data for one topic; gsi1 (`QD#<brokerName>`,
 *   `<topic>`) lists a group's queue data across topics.
 * - `TOPIC#<topic>` / `ORDER`: mirror of KV `ORDER_TOPIC_CONFIG/<topic>`, so a route is one Query.
 * - `KV#<namespace>` / `KEY#<key>`: KV config.
 * - `CONFIG` / `NAMESRV`: the NameServer's settings (PUT /config), one attribute per setting.
 * - `HISTORY#<YYYY-MM-DD>` / `<entry id>`: the history of changes of that UTC day (the entry as JSON
 *   text in `e`), with `expiresAt` for DynamoDB's TTL; the sweeper deletes what TTL has not yet.
 */
import {
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod";
import { mapLimit } from "../concurrency";
import { ServiceUnavailableError } from "../domain/errors";
import { type HistoryEntry, historyDay } from "../domain/history";
import { NO_SWEEPER_STATE, type SweeperState } from "../domain/liveness";
import {
  type BrokerGroup,
  type BrokerMember,
  type DataVersion,
  ORDER_TOPIC_CONFIG_NAMESPACE,
  type StoredQueueData,
} from "../domain/model";
import { INVALIDATED_DIGEST } from "../domain/registration";
import type { MemberRemoval } from "../domain/removal";
import type {
  GroupSettings,
  MemberWrite,
  RegistryStore,
  TopicItems,
  TouchExpectation,
  TouchResult,
} from "./registry-store";
import { tableDefinition } from "./table-definition";

/** Called after every DynamoDB request with what it consumed (benchmarks and capacity tests). */
export type CapacityRecorder = (operation: string, consumed: ConsumedCapacity[]) => void;

export interface DynamoRegistryStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  recorder?: CapacityRecorder;
  /** Parallel batch requests of one large registration or cascade. */
  writeConcurrency?: number;
}

const GROUPS_PK = "GROUPS";
const SWEEPER_SK = "SWEEPER";
const groupKey = (brokerName: string) => ({ pk: GROUPS_PK, sk: `GROUP#${brokerName}` });
const queueDataKey = (topic: string, brokerName: string) => ({
  pk: `TOPIC#${topic}`,
  sk: `QD#${brokerName}`,
});
const orderKey = (topic: string) => ({ pk: `TOPIC#${topic}`, sk: "ORDER" });
const kvKey = (namespace: string, key: string) => ({ pk: `KV#${namespace}`, sk: `KEY#${key}` });
const GRACE_SECONDS = 24 * 3600;
/** The NameServer's settings (GET/PUT /config): one item, one attribute per setting. */
const CONFIG_KEY = { pk: "CONFIG", sk: "NAMESRV" };

// Stored member: compact names keep a group item small (see the module comment).
const storedMemberSchema = z.object({
  id: z.number().int(),
  a: z.string(),
  ha: z.string().optional(),
  hb: z.number(),
  to: z.number(),
  /** dataVersion as `stateVersion.timestamp.counter`: a string compares in one condition. */
  dv: z.string().regex(/^\d+\.\d+\.\d+$/),
  fs: z.array(z.string()).optional(),
  dg: z.string().optional(),
  tv: z.number(),
  ta: z.boolean(),
});
type StoredMember = z.infer<typeof storedMemberSchema>;

const groupItemSchema = z.object({
  brokerName: z.string(),
  clusterName: z.string(),
  zoneName: z.string().optional(),
  enableActingMaster: z.boolean(),
  epoch: z.string(),
  topologyVersion: z.number(),
  members: z.record(z.string(), storedMemberSchema),
  writeClearPending: z.boolean().optional(),
});

const queueDataItemSchema = z.object({
  topic: z.string(),
  brokerName: z.string(),
  epoch: z.string(),
  readQueueNums: z.number(),
  writeQueueNums: z.number(),
  perm: z.number(),
  topicSysFlag: z.number(),
  /** Static topic: TopicQueueMappingInfo as JSON text (kept exactly as the broker sent it). */
  mapping: z.string().optional(),
});

const historyItemSchema = z.object({ sk: z.string(), e: z.string() });

const sweeperItemSchema = z.object({
  selfPreservation: z.boolean(),
  since: z.number().optional(),
  enteredAt: z.number().optional(),
  protectUntil: z.number().optional(),
  renewedBaseline: z.number().optional(),
  recoveringSince: z.number().optional(),
  lastHealthySweepAt: z.number().optional(),
  lastSweepAt: z.number().optional(),
  groupCount: z.number().optional(),
});

const kvItemSchema = z.object({ key: z.string(), value: z.string() });

const encodeDataVersion = (dv: DataVersion) => `${dv.stateVersion}.${dv.timestamp}.${dv.counter}`;
function decodeDataVersion(encoded: string): DataVersion {
  const [stateVersion = 0, timestamp = 0, counter = 0] = encoded.split(".").map(Number);
  return { stateVersion, timestamp, counter };
}

function encodeMember(m: BrokerMember): StoredMember {
  const stored: StoredMember = {
    id: m.brokerId,
    a: m.brokerAddr,
    hb: m.lastUpdateTimestamp,
    to: m.heartbeatTimeoutMillis,
    dv: encodeDataVersion(m.dataVersion),
    tv: m.topologyVersion,
    ta: m.topicAuthority,
  };
  if (m.haServerAddr !== undefined) stored.ha = m.haServerAddr;
  if (m.filterServerList.length > 0) stored.fs = m.filterServerList;
  if (m.digest !== undefined) stored.dg = m.digest;
  return stored;
}

function decodeMember(s: StoredMember): BrokerMember {
  const member: BrokerMember = {
    brokerId: s.id,
    brokerAddr: s.a,
    lastUpdateTimestamp: s.hb,
    heartbeatTimeoutMillis: s.to,
    dataVersion: decodeDataVersion(s.dv),
    filterServerList: s.fs ?? [],
    topologyVersion: s.tv,
    topicAuthority: s.ta,
  };
  if (s.ha !== undefined) member.haServerAddr = s.ha;
  if (s.dg !== undefined) member.digest = s.dg;
  return member;
}

/**
 * BROKER_HEARTBEAT names a member by its address only, and an update expression cannot look a member
 * up by address: so a touch writes `t:<brokerAddr>` at the top of the group item (checked against the
 * `addrs` set of member addresses), and a member's last heartbeat is the later of the two.
 */
const touchAttr = (brokerAddr: string) => `t:${brokerAddr}`;

function decodeGroup(item: Record<string, unknown>): BrokerGroup {
  const g = groupItemSchema.parse(item);
  const members: Record<string, BrokerMember> = {};
  for (const [id, stored] of Object.entries(g.members)) {
    const member = decodeMember(stored);
    const touched = item[touchAttr(member.brokerAddr)];
    if (typeof touched === "number" && touched > member.lastUpdateTimestamp)
      member.lastUpdateTimestamp = touched;
    members[id] = member;
  }
  const group: BrokerGroup = {
    brokerName: g.brokerName,
    clusterName: g.clusterName,
    enableActingMaster: g.enableActingMaster,
    epoch: g.epoch,
    topologyVersion: g.topologyVersion,
    members,
  };
  if (g.zoneName !== undefined) group.zoneName = g.zoneName;
  if (g.writeClearPending === true) group.writeClearPending = true;
  return group;
}

function decodeSweeper(item: Record<string, unknown> | undefined): SweeperState {
  if (item === undefined) return NO_SWEEPER_STATE;
  const s = sweeperItemSchema.parse(item);
  const state: SweeperState = { selfPreservation: s.selfPreservation };
  for (const field of [
    "since",
    "enteredAt",
    "protectUntil",
    "renewedBaseline",
    "recoveringSince",
    "lastHealthySweepAt",
    "lastSweepAt",
    "groupCount",
  ] as const) {
    const value = s[field];
    if (value !== undefined) state[field] = value;
  }
  return state;
}

function decodeQueueData(item: Record<string, unknown>): StoredQueueData {
  const { mapping, ...qd } = queueDataItemSchema.parse(item);
  return mapping === undefined ? qd : { ...qd, mapping: mappingInfoSchema.parse(JSON.parse(mapping)) };
}
const mappingInfoSchema = z.record(z.string(), z.unknown());

function queueDataItem(qd: StoredQueueData): Record<string, unknown> {
  return {
    ...queueDataKey(qd.topic, qd.brokerName),
    gsi1pk: `QD#${qd.brokerName}`,
    gsi1sk: qd.topic,
    type: "queueData",
    topic: qd.topic,
    brokerName: qd.brokerName,
    epoch: qd.epoch,
    readQueueNums: qd.readQueueNums,
    writeQueueNums: qd.writeQueueNums,
    perm: qd.perm,
    topicSysFlag: qd.topicSysFlag,
    ...(qd.mapping !== undefined ? { mapping: JSON.stringify(qd.mapping) } : {}),
  };
}

const expiresAt = (member: BrokerMember) =>
  Math.ceil((member.lastUpdateTimestamp + member.heartbeatTimeoutMillis) / 1000) + GRACE_SECONDS;

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const UNAVAILABLE_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "ResourceNotFoundException",
  "TimeoutError",
  "RequestTimeout",
  "TransactionInProgressException",
  // A write that met a transaction in flight on the same item: contention, worth a retry (503).
  "TransactionConflictException",
]);

/** Why a transaction is cancelled when it is contention or throttling rather than a failed condition. */
const RETRYABLE_CANCELLATIONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TransactionCanceledException) {
    // Another request held one of its items (or throttling), and no condition failed: contention is
    // a 503 with Retry-After, never a 500. (Real DynamoDB does this under load; DynamoDB Local not.)
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? "None");
    const contended = codes.some((code) => RETRYABLE_CANCELLATIONS.has(code));
    return contended && !codes.includes("ConditionalCheckFailed");
  }
  const code = (error as { code?: string }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    UNAVAILABLE_ERRORS.has(error.name) ||
    (code !== undefined &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(code)) ||
    (status !== undefined && status >= 500) ||
    error.name === "AbortError" ||
    /socket hang up|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT/.test(error.message)
  );
}

/** A transaction cancelled because one of its conditions failed (not a conflict with another one). */
function conditionFailedInTransaction(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed")
  );
}

export class DynamoRegistryStore implements RegistryStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly recorder: CapacityRecorder | undefined;
  private readonly writeConcurrency: number;

  constructor(options: DynamoRegistryStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.recorder = options.recorder;
    this.writeConcurrency = options.writeConcurrency ?? 8;
  }

  /** Every request goes through here: capacity recording and SDK error → domain error. */
  private async send<O = Record<string, unknown>>(
    operation: string,
    // biome-ignore lint/suspicious/noExplicitAny: the document client's command union is not worth spelling out
    command: any,
  ): Promise<O> {
    if (this.recorder) command.input.ReturnConsumedCapacity = "TOTAL";
    try {
      const output = (await this.client.send(command)) as {
        ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
      };
      this.record(operation, output.ConsumedCapacity);
      return output as O;
    } catch (error) {
      const consumed = (error as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      this.record(operation, consumed);
      if (isUnavailable(error)) throw new ServiceUnavailableError();
      throw error;
    }
  }

  private record(operation: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!this.recorder) return;
    this.recorder(operation, consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]);
  }

  private async queryAll(operation: string, input: Omit<QueryCommandInput, "TableName">) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(operation, new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  async getGroup(brokerName: string): Promise<BrokerGroup | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      "GetGroup",
      new GetCommand({ TableName: this.tableName, Key: groupKey(brokerName), ConsistentRead: true }),
    );
    return out.Item ? decodeGroup(out.Item) : undefined;
  }

  async listGroups(): Promise<{ groups: BrokerGroup[]; sweeper: SweeperState }> {
    const items = await this.queryAll("ListGroups", {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": GROUPS_PK },
      ConsistentRead: true,
    });
    const groups: BrokerGroup[] = [];
    let sweeper = NO_SWEEPER_STATE;
    for (const item of items) {
      if (item.sk === SWEEPER_SK) sweeper = decodeSweeper(item);
      else groups.push(decodeGroup(item));
    }
    return { groups, sweeper };
  }

  async getGroups(
    brokerNames: readonly string[],
  ): Promise<{ groups: Map<string, BrokerGroup>; sweeper: SweeperState }> {
    const groups = new Map<string, BrokerGroup>();
    let sweeper = NO_SWEEPER_STATE;
    const keys = [{ pk: GROUPS_PK, sk: SWEEPER_SK }, ...[...new Set(brokerNames)].map(groupKey)];
    // 100 keys per BatchGet: a topic on up to 99 groups is answered by one request.
    for (const batch of chunk(keys, 100)) {
      let pending: Record<string, unknown>[] | undefined = batch;
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(50 * 2 ** attempt, 1000));
        if (attempt > 8) throw new ServiceUnavailableError();
        const out: {
          Responses?: Record<string, Record<string, unknown>[]>;
          UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>;
        } = await this.send(
          "GetGroups",
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of out.Responses?.[this.tableName] ?? []) {
          if (item.sk === SWEEPER_SK) sweeper = decodeSweeper(item);
          else {
            const group = decodeGroup(item);
            groups.set(group.brokerName, group);
          }
        }
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
    return { groups, sweeper };
  }

  async getSweeperState(): Promise<SweeperState> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      "GetSweeperState",
      new GetCommand({ TableName: this.tableName, Key: { pk: GROUPS_PK, sk: SWEEPER_SK } }),
    );
    return decodeSweeper(out.Item);
  }

  async putSweeperState(state: SweeperState): Promise<void> {
    await this.send(
      "PutSweeperState",
      new PutCommand({
        TableName: this.tableName,
        Item: { pk: GROUPS_PK, sk: SWEEPER_SK, type: "sweeper", ...state },
      }),
    );
  }

  async touchMember(
    brokerName: string,
    brokerId: number,
    brokerAddr: string,
    expectation: TouchExpectation,
    now: number,
    settings?: GroupSettings,
  ): Promise<TouchResult> {
    const values: Record<string, unknown> = {
      ":now": now,
      ":addr": brokerAddr,
      ":exp": Math.ceil(now / 1000) + GRACE_SECONDS,
    };
    let operation: string;
    let condition: string;
    if ("digest" in expectation) {
      operation = "SteadyHeartbeat";
      condition = "members.#id.a = :addr AND members.#id.dg = :dg AND members.#id.tv = topologyVersion";
      values[":dg"] = expectation.digest;
    } else if ("dataVersion" in expectation) {
      operation = "LightHeartbeat";
      condition = "members.#id.a = :addr AND members.#id.dv = :dv";
      values[":dv"] = encodeDataVersion(expectation.dataVersion);
    } else {
      operation = "DataVersionHeartbeat";
      condition = "members.#id.a = :addr AND clusterName = :c";
      values[":c"] = expectation.clusterName;
    }
    // The group's settings ride along: same item, same write, same capacity (RocketMQ overwrites them
    // with every registration, so two members that disagree never leave a stale one in place).
    let update = "SET members.#id.hb = :now, expiresAt = :exp";
    if (operation === "DataVersionHeartbeat") {
      // Also heals a group item written before `addrs` existed, so touches by address find the member.
      update = `ADD addrs :addrSet ${update}`;
      values[":addrSet"] = new Set([brokerAddr]);
    }
    if (settings !== undefined) {
      update += ", clusterName = :cluster, enableActingMaster = :eam";
      values[":cluster"] = settings.clusterName;
      values[":eam"] = settings.enableActingMaster;
      if (settings.zoneName !== undefined) {
        update += ", zoneName = :zone";
        values[":zone"] = settings.zoneName;
      } else update += " REMOVE zoneName";
    }
    try {
      const out = await this.send<{ Attributes?: Record<string, unknown> }>(
        operation,
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          UpdateExpression: update,
          ConditionExpression: condition,
          ExpressionAttributeNames: { "#id": String(brokerId) },
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
          // On a failed condition the item comes back with the error: the slow path needs no extra read.
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { ok: true, group: decodeGroup(out.Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { ok: false, group: error.Item ? decodeGroup(unmarshall(error.Item)) : undefined };
      }
      throw error;
    }
  }

  async touchAddress(
    brokerName: string,
    clusterName: string,
    brokerAddr: string,
    now: number,
  ): Promise<TouchResult> {
    try {
      const out = await this.send<{ Attributes?: Record<string, unknown> }>(
        "BrokerHeartbeat",
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          UpdateExpression: "SET #t = :now, expiresAt = :exp",
          ConditionExpression: "contains(addrs, :addr) AND clusterName = :c",
          ExpressionAttributeNames: { "#t": touchAttr(brokerAddr) },
          ExpressionAttributeValues: {
            ":now": now,
            ":addr": brokerAddr,
            ":c": clusterName,
            ":exp": Math.ceil(now / 1000) + GRACE_SECONDS,
          },
          ReturnValues: "ALL_NEW",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { ok: true, group: decodeGroup(out.Attributes ?? {}) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return { ok: false, group: error.Item ? decodeGroup(unmarshall(error.Item)) : undefined };
      }
      throw error;
    }
  }

  async writeMember(write: MemberWrite): Promise<boolean> {
    const member = encodeMember(write.member);
    const exp = expiresAt(write.member);
    try {
      if (write.newGroup) {
        const item: Record<string, unknown> = {
          ...groupKey(write.brokerName),
          type: "group",
          brokerName: write.brokerName,
          clusterName: write.clusterName,
          enableActingMaster: write.enableActingMaster,
          epoch: write.epoch,
          topologyVersion: write.topologyVersion,
          members: { [String(write.member.brokerId)]: member },
          addrs: new Set(write.memberAddrs),
          expiresAt: exp,
        };
        if (write.zoneName !== undefined) item.zoneName = write.zoneName;
        await this.send(
          "CreateGroup",
          new PutCommand({
            TableName: this.tableName,
            Item: item,
            ...(write.replacesEpoch === undefined
              ? { ConditionExpression: "attribute_not_exists(pk)" }
              : {
                  // Reviving an emptied group whose cleanup may still run: its cleanup checks the
                  // epoch and stops once the item is not its tombstone any more.
                  ConditionExpression: "attribute_not_exists(pk) OR (epoch = :old AND size(members) = :zero)",
                  ExpressionAttributeValues: { ":old": write.replacesEpoch, ":zero": 0 },
                }),
          }),
        );
        return true;
      }
      const names: Record<string, string> = { "#id": String(write.member.brokerId) };
      const sets = [
        "members.#id = :member",
        "addrs = :addrs",
        "clusterName = :cluster",
        "enableActingMaster = :eam",
        "topologyVersion = :tv",
        "expiresAt = :exp",
      ];
      const removes: string[] = [];
      const values: Record<string, unknown> = {
        ":member": member,
        ":addrs": new Set(write.memberAddrs),
        ":cluster": write.clusterName,
        ":eam": write.enableActingMaster,
        ":tv": write.topologyVersion,
        ":exp": exp,
        ":epoch": write.epoch,
        ":expectedTv": write.expectedTopologyVersion,
      };
      if (write.zoneName !== undefined) {
        sets.push("zoneName = :zone");
        values[":zone"] = write.zoneName;
      } else removes.push("zoneName");
      write.removeIds.forEach((id, i) => {
        names[`#r${i}`] = String(id);
        removes.push(`members.#r${i}`);
      });
      if (write.displacedAddr !== undefined) {
        names["#t"] = touchAttr(write.displacedAddr);
        removes.push("#t");
      }
      await this.send(
        "WriteMember",
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(write.brokerName),
          UpdateExpression: `SET ${sets.join(", ")}${removes.length ? ` REMOVE ${removes.join(", ")}` : ""}`,
          // Optimistic lock on the topology read by the plan: a concurrent join, leave, promotion or
          // expiry makes this fail, and the registration is planned again from what is there now.
          ConditionExpression: "epoch = :epoch AND topologyVersion = :expectedTv",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async setMemberDigest(
    brokerName: string,
    member: Pick<BrokerMember, "brokerId" | "brokerAddr" | "dataVersion" | "topologyVersion">,
    epoch: string,
    digest: string,
    afterTopologyChange = false,
  ): Promise<boolean> {
    try {
      await this.send(
        "SetMemberDigest",
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          UpdateExpression: "SET members.#id.dg = :dg",
          ConditionExpression: [
            "epoch = :epoch AND members.#id.a = :addr AND members.#id.dv = :dv AND members.#id.tv = :tv",
            afterTopologyChange ? "attribute_not_exists(members.#id.dg)" : "topologyVersion = :tv",
          ].join(" AND "),
          ExpressionAttributeNames: { "#id": String(member.brokerId) },
          ExpressionAttributeValues: {
            ":dg": digest,
            ":epoch": epoch,
            ":addr": member.brokerAddr,
            ":dv": encodeDataVersion(member.dataVersion),
            ":tv": member.topologyVersion,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async removeMembers(
    brokerName: string,
    epoch: string,
    removals: readonly MemberRemoval[],
    options: { markWriteClear?: boolean } = {},
  ): Promise<BrokerGroup | undefined | "conflict"> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":epoch": epoch, ":one": 1 };
    if (options.markWriteClear) values[":pending"] = true;
    const conditions = ["epoch = :epoch"];
    removals.forEach((r, i) => {
      names[`#m${i}`] = String(r.brokerId);
      names[`#t${i}`] = touchAttr(r.brokerAddr);
      values[`:a${i}`] = r.brokerAddr;
      conditions.push(`members.#m${i}.a = :a${i}`);
      if (r.lastUpdateTimestamp !== undefined) {
        // The sweeper removes only what it saw dead: a heartbeat (or a touch) since then wins
        // (RocketMQ #11043). What it saw is the later of the two times, so neither may be newer.
        values[`:hb${i}`] = r.lastUpdateTimestamp;
        conditions.push(
          `members.#m${i}.hb <= :hb${i} AND (attribute_not_exists(#t${i}) OR #t${i} <= :hb${i})`,
        );
      }
    });
    values[":gone"] = new Set(removals.map((r) => r.brokerAddr));
    try {
      const out = await this.send<{ Attributes?: Record<string, unknown> }>(
        "RemoveMembers",
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          // The marker goes in the same write as the removal, so no crash can lose the pending clearing.
          UpdateExpression:
            `${options.markWriteClear ? "SET writeClearPending = :pending " : ""}` +
            `REMOVE ${removals.map((_, i) => `members.#m${i}, #t${i}`).join(", ")} ` +
            "ADD topologyVersion :one DELETE addrs :gone",
          ConditionExpression: conditions.join(" AND "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      return out.Attributes ? decodeGroup(out.Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return "conflict";
      throw error;
    }
  }

  async finishWriteClear(brokerName: string, epoch: string): Promise<void> {
    try {
      await this.send(
        "FinishWriteClear",
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          UpdateExpression: "REMOVE writeClearPending",
          ConditionExpression: "epoch = :epoch AND attribute_exists(writeClearPending)",
          ExpressionAttributeValues: { ":epoch": epoch },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async bumpTopology(brokerName: string, clearDigestOf?: { brokerId: number }): Promise<void> {
    if (clearDigestOf !== undefined) {
      try {
        await this.send(
          "InvalidateMember",
          new UpdateCommand({
            TableName: this.tableName,
            Key: groupKey(brokerName),
            UpdateExpression: "SET members.#id.dg = :invalidated ADD topologyVersion :one",
            ConditionExpression: "attribute_exists(members.#id)",
            ExpressionAttributeNames: { "#id": String(clearDigestOf.brokerId) },
            ExpressionAttributeValues: { ":one": 1, ":invalidated": INVALIDATED_DIGEST },
          }),
        );
        return;
      } catch (error) {
        // No such member any more (its leaving bumped the topology): a plain bump below.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    try {
      await this.send(
        "BumpTopology",
        new UpdateCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          UpdateExpression: "ADD topologyVersion :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":one": 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async deleteEmptyGroup(brokerName: string, epoch: string): Promise<boolean> {
    try {
      await this.send(
        "DeleteEmptyGroup",
        new DeleteCommand({
          TableName: this.tableName,
          Key: groupKey(brokerName),
          ConditionExpression: "epoch = :epoch AND size(members) = :zero",
          ExpressionAttributeValues: { ":epoch": epoch, ":zero": 0 },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getTopic(topic: string): Promise<TopicItems> {
    const items = await this.queryAll("GetTopic", {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `TOPIC#${topic}` },
    });
    const result: TopicItems = { queueDatas: [] };
    for (const item of items) {
      if (item.sk === "ORDER") result.orderTopicConf = z.string().parse(item.value);
      else result.queueDatas.push(decodeQueueData(item));
    }
    return result;
  }

  async getGroupQueueData(brokerName: string): Promise<StoredQueueData[]> {
    const items = await this.queryAll("GetGroupQueueData", {
      IndexName: tableDefinition.groupIndex.name,
      KeyConditionExpression: "gsi1pk = :pk",
      ExpressionAttributeValues: { ":pk": `QD#${brokerName}` },
    });
    return items.map(decodeQueueData);
  }

  async putQueueData(
    items: readonly StoredQueueData[],
    primeSlaveOf?: { brokerName: string; epoch: string },
  ): Promise<boolean> {
    if (primeSlaveOf === undefined) {
      await this.batchWrite(
        "PutQueueData",
        items.map((qd) => ({ PutRequest: { Item: queueDataItem(qd) } })),
      );
      return true;
    }
    // The prime slave writes only while the group has no master: each batch is a transaction that
    // checks it, so a master joining meanwhile can never have its queue data overwritten by a slave's.
    const outcomes = await mapLimit(chunk(items, 99), this.writeConcurrency, async (batch) => {
      try {
        await this.send(
          "PutQueueDataAsPrimeSlave",
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: groupKey(primeSlaveOf.brokerName),
                  ConditionExpression: "epoch = :epoch AND attribute_not_exists(members.#master)",
                  ExpressionAttributeNames: { "#master": "0" },
                  ExpressionAttributeValues: { ":epoch": primeSlaveOf.epoch },
                },
              },
              ...batch.map((qd) => ({ Put: { TableName: this.tableName, Item: queueDataItem(qd) } })),
            ],
          }),
        );
        return true;
      } catch (error) {
        if (conditionFailedInTransaction(error)) return false;
        throw error;
      }
    });
    return outcomes.every(Boolean);
  }

  async deleteQueueData(keys: ReadonlyArray<{ topic: string; brokerName: string }>): Promise<void> {
    await this.batchWrite(
      "DeleteQueueData",
      keys.map((k) => ({ DeleteRequest: { Key: queueDataKey(k.topic, k.brokerName) } })),
    );
  }

  async deleteStaleQueueData(items: readonly StoredQueueData[]): Promise<void> {
    await mapLimit(items, this.writeConcurrency, async (qd) => {
      try {
        await this.send(
          "DeleteStaleQueueData",
          new DeleteCommand({
            TableName: this.tableName,
            Key: queueDataKey(qd.topic, qd.brokerName),
            ConditionExpression: "epoch = :epoch",
            ExpressionAttributeValues: { ":epoch": qd.epoch },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  async deleteQueueDataOfEmptyGroup(
    brokerName: string,
    epoch: string,
    keys: readonly StoredQueueData[],
  ): Promise<boolean> {
    // Each batch checks the group is still the empty tombstone of this epoch: a registration that
    // revives the group first rewrites its item, and from then on no batch may delete its queue data.
    for (const batch of chunk(keys, 99)) {
      try {
        await this.send(
          "DeleteQueueDataOfEmptyGroup",
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName: this.tableName,
                  Key: groupKey(brokerName),
                  ConditionExpression: "epoch = :epoch AND size(members) = :zero",
                  ExpressionAttributeValues: { ":epoch": epoch, ":zero": 0 },
                },
              },
              ...batch.map((qd) => ({
                Delete: { TableName: this.tableName, Key: queueDataKey(qd.topic, qd.brokerName) },
              })),
            ],
          }),
        );
      } catch (error) {
        if (conditionFailedInTransaction(error)) return false;
        throw error;
      }
    }
    return true;
  }

  async updatePerm(item: StoredQueueData, perm: number): Promise<boolean> {
    try {
      await this.send(
        "UpdatePerm",
        new UpdateCommand({
          TableName: this.tableName,
          Key: queueDataKey(item.topic, item.brokerName),
          UpdateExpression: "SET perm = :perm",
          ConditionExpression: "epoch = :epoch AND perm = :old",
          ExpressionAttributeValues: { ":perm": perm, ":epoch": item.epoch, ":old": item.perm },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async getConfig(): Promise<Record<string, unknown>> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      "GetConfig",
      new GetCommand({ TableName: this.tableName, Key: CONFIG_KEY, ConsistentRead: true }),
    );
    const { pk: _pk, sk: _sk, type: _type, ...settings } = out.Item ?? {};
    return settings;
  }

  async putConfig(settings: Readonly<Record<string, boolean>>): Promise<void> {
    const entries = Object.entries(settings);
    if (entries.length === 0) return;
    const names: Record<string, string> = { "#type": "type" };
    const values: Record<string, unknown> = { ":type": "config" };
    const sets = entries.map(([name, value], i) => {
      names[`#s${i}`] = name;
      values[`:s${i}`] = value;
      return `#s${i} = :s${i}`;
    });
    await this.send(
      "PutConfig",
      new UpdateCommand({
        TableName: this.tableName,
        Key: CONFIG_KEY,
        UpdateExpression: `SET #type = :type, ${sets.join(", ")}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    );
  }

  async putKv(namespace: string, key: string, value: string): Promise<void> {
    const item = { ...kvKey(namespace, key), type: "kv", namespace, key, value };
    if (namespace !== ORDER_TOPIC_CONFIG_NAMESPACE) {
      await this.send("PutKv", new PutCommand({ TableName: this.tableName, Item: item }));
      return;
    }
    // ORDER_TOPIC_CONFIG is mirrored into the topic's partition so that a route stays one Query.
    await this.send(
      "PutKv",
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: item } },
          { Put: { TableName: this.tableName, Item: { ...orderKey(key), type: "orderTopicConf", value } } },
        ],
      }),
    );
  }

  async getKv(namespace: string, key: string): Promise<string | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      "GetKv",
      new GetCommand({ TableName: this.tableName, Key: kvKey(namespace, key), ConsistentRead: true }),
    );
    return out.Item ? kvItemSchema.parse(out.Item).value : undefined;
  }

  async deleteKv(namespace: string, key: string): Promise<void> {
    if (namespace !== ORDER_TOPIC_CONFIG_NAMESPACE) {
      await this.send(
        "DeleteKv",
        new DeleteCommand({ TableName: this.tableName, Key: kvKey(namespace, key) }),
      );
      return;
    }
    await this.send(
      "DeleteKv",
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: this.tableName, Key: kvKey(namespace, key) } },
          { Delete: { TableName: this.tableName, Key: orderKey(key) } },
        ],
      }),
    );
  }

  async listKv(namespace: string): Promise<Record<string, string>> {
    const items = await this.queryAll("ListKv", {
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": `KV#${namespace}` },
      ConsistentRead: true,
    });
    const table: Record<string, string> = {};
    for (const item of items) {
      const kv = kvItemSchema.parse(item);
      table[kv.key] = kv.value;
    }
    return table;
  }

  async appendHistory(entry: HistoryEntry, expiresAt: number): Promise<void> {
    await this.send(
      "AppendHistory",
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: `HISTORY#${historyDay(entry.time)}`,
          sk: entry.id,
          type: "history",
          e: JSON.stringify(entry),
          [tableDefinition.ttlAttribute]: expiresAt,
        },
      }),
    );
  }

  async queryHistoryDay(
    day: string,
    range: { afterId?: string; fromId?: string; untilId?: string; limit: number },
  ): Promise<HistoryEntry[]> {
    const lower = range.afterId ?? range.fromId;
    const conditions = ["pk = :pk"];
    const values: Record<string, unknown> = { ":pk": `HISTORY#${day}` };
    if (lower !== undefined && range.untilId !== undefined) {
      conditions.push("sk BETWEEN :lo AND :hi");
      values[":lo"] = lower;
      values[":hi"] = range.untilId;
    } else if (lower !== undefined) {
      conditions.push("sk >= :lo");
      values[":lo"] = lower;
    } else if (range.untilId !== undefined) {
      conditions.push("sk <= :hi");
      values[":hi"] = range.untilId;
    }
    const entries: HistoryEntry[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.send<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(
        "QueryHistory",
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: conditions.join(" AND "),
          ExpressionAttributeValues: values,
          Limit: range.limit + 1,
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const item of out.Items ?? []) {
        const parsed = historyItemSchema.parse(item);
        if (parsed.sk === range.afterId) continue;
        entries.push(JSON.parse(parsed.e) as HistoryEntry);
      }
      start = out.LastEvaluatedKey;
    } while (start !== undefined && entries.length < range.limit);
    return entries.slice(0, range.limit);
  }

  async deleteHistoryBefore(day: string, beforeId: string, limit: number): Promise<number> {
    const out = await this.send<{ Items?: Record<string, unknown>[] }>(
      "QueryHistory",
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: "pk = :pk AND sk < :before",
        ExpressionAttributeValues: { ":pk": `HISTORY#${day}`, ":before": beforeId },
        ProjectionExpression: "pk, sk",
        Limit: limit,
      }),
    );
    const keys = (out.Items ?? []).map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
    if (keys.length > 0) await this.batchWrite("DeleteHistory", keys);
    return keys.length;
  }

  /** BatchWriteItem in chunks of 25, several in flight, UnprocessedItems retried with backoff. */
  private async batchWrite(
    operation: string,
    requests: ReadonlyArray<Record<string, unknown>>,
  ): Promise<void> {
    await mapLimit(chunk(requests, 25), this.writeConcurrency, async (batch) => {
      let pending: ReadonlyArray<Record<string, unknown>> = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(25 * 2 ** attempt, 1000) * (0.5 + Math.random() / 2));
        if (attempt > 10) throw new ServiceUnavailableError();
        const out: { UnprocessedItems?: Record<string, Record<string, unknown>[]> } = await this.send(
          operation,
          new BatchWriteCommand({ RequestItems: { [this.tableName]: [...pending] } }),
        );
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    });
  }
}
