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
 * - `HISTORY#<YYYY-MM-DD>` / `<entry id>`: the history of changes (dynamo-history.ts).
 * - `LIVENESS` / `DIGEST`: the sweeper's liveness digest, the members at risk (dynamo-settings.ts).
 *
 * Keys and item shapes are in dynamo-items.ts; the request layer (capacity, unavailable errors, the
 * one conditional-write helper, batching) in dynamo-table.ts.
 */
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import { mapLimit } from "../concurrency";
import { ServiceUnavailableError } from "../domain/errors";
import { NO_SWEEPER_STATE, type SweeperState } from "../domain/liveness";
import type { BrokerGroup, BrokerMember, StoredQueueData } from "../domain/model";
import { INVALIDATED_DIGEST } from "../domain/registration";
import type { MemberRemoval } from "../domain/removal";
import { DynamoHistoryTable } from "./dynamo-history";
import {
  decodeGroup,
  decodeQueueData,
  decodeSweeper,
  encodeDataVersion,
  encodeMember,
  expiresAt,
  GRACE_SECONDS,
  GROUPS_PK,
  groupKey,
  queueDataItem,
  queueDataKey,
  SWEEPER_SK,
  touchAttr,
} from "./dynamo-items";
import { chunk, sleep } from "./dynamo-table";
import type {
  GroupSettings,
  MemberWrite,
  RegistryStore,
  TopicItems,
  TouchExpectation,
  TouchResult,
} from "./registry-store";
import { tableDefinition } from "./table-definition";

export type { CapacityRecorder, DynamoRegistryStoreOptions } from "./dynamo-table";

export class DynamoRegistryStore extends DynamoHistoryTable implements RegistryStore {
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
    const out = await this.sendConditional<{ Attributes?: Record<string, unknown> }>(
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
    return out.ok
      ? { ok: true, group: decodeGroup(out.output.Attributes ?? {}) }
      : { ok: false, group: out.item ? decodeGroup(out.item) : undefined };
  }

  async touchAddress(
    brokerName: string,
    clusterName: string,
    brokerAddr: string,
    now: number,
  ): Promise<TouchResult> {
    const out = await this.sendConditional<{ Attributes?: Record<string, unknown> }>(
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
    return out.ok
      ? { ok: true, group: decodeGroup(out.output.Attributes ?? {}) }
      : { ok: false, group: out.item ? decodeGroup(out.item) : undefined };
  }

  async writeMember(write: MemberWrite): Promise<boolean> {
    const member = encodeMember(write.member);
    const exp = expiresAt(write.member);
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
      const created = await this.sendConditional(
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
      return created.ok;
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
    const written = await this.sendConditional(
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
    return written.ok;
  }

  async setMemberDigest(
    brokerName: string,
    member: Pick<BrokerMember, "brokerId" | "brokerAddr" | "dataVersion" | "topologyVersion">,
    epoch: string,
    digest: string,
    afterTopologyChange = false,
  ): Promise<boolean> {
    const out = await this.sendConditional(
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
    return out.ok;
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
    const out = await this.sendConditional<{ Attributes?: Record<string, unknown> }>(
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
    if (!out.ok) return "conflict";
    return out.output.Attributes ? decodeGroup(out.output.Attributes) : undefined;
  }

  async finishWriteClear(brokerName: string, epoch: string): Promise<void> {
    // Nothing pending any more (another clean-up finished it, or a new incarnation): nothing to do.
    await this.sendConditional(
      "FinishWriteClear",
      new UpdateCommand({
        TableName: this.tableName,
        Key: groupKey(brokerName),
        UpdateExpression: "REMOVE writeClearPending",
        ConditionExpression: "epoch = :epoch AND attribute_exists(writeClearPending)",
        ExpressionAttributeValues: { ":epoch": epoch },
      }),
    );
  }

  async bumpTopology(brokerName: string, clearDigestOf?: { brokerId: number }): Promise<void> {
    if (clearDigestOf !== undefined) {
      const invalidated = await this.sendConditional(
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
      if (invalidated.ok) return;
      // No such member any more (its leaving bumped the topology): a plain bump below.
    }
    // No group any more: nothing to bump.
    await this.sendConditional(
      "BumpTopology",
      new UpdateCommand({
        TableName: this.tableName,
        Key: groupKey(brokerName),
        UpdateExpression: "ADD topologyVersion :one",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
  }

  async deleteEmptyGroup(brokerName: string, epoch: string): Promise<boolean> {
    const out = await this.sendConditional(
      "DeleteEmptyGroup",
      new DeleteCommand({
        TableName: this.tableName,
        Key: groupKey(brokerName),
        ConditionExpression: "epoch = :epoch AND size(members) = :zero",
        ExpressionAttributeValues: { ":epoch": epoch, ":zero": 0 },
      }),
    );
    return out.ok;
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
      const out = await this.sendConditional(
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
      return out.ok;
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
      // Already gone, or rewritten by a newer incarnation: left alone.
      await this.sendConditional(
        "DeleteStaleQueueData",
        new DeleteCommand({
          TableName: this.tableName,
          Key: queueDataKey(qd.topic, qd.brokerName),
          ConditionExpression: "epoch = :epoch",
          ExpressionAttributeValues: { ":epoch": qd.epoch },
        }),
      );
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
      const out = await this.sendConditional(
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
      if (!out.ok) return false;
    }
    return true;
  }

  async updatePerm(item: StoredQueueData, perm: number): Promise<boolean> {
    const out = await this.sendConditional(
      "UpdatePerm",
      new UpdateCommand({
        TableName: this.tableName,
        Key: queueDataKey(item.topic, item.brokerName),
        UpdateExpression: "SET perm = :perm",
        ConditionExpression: "epoch = :epoch AND perm = :old",
        ExpressionAttributeValues: { ":perm": perm, ":epoch": item.epoch, ":old": item.perm },
      }),
    );
    return out.ok;
  }
}
