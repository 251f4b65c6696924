/**
 * The registry's small items: the sweeper's state (self-preservation) and liveness digest, the
 * NameServer's settings and the KV configuration (with ORDER_TOPIC_CONFIG mirrored into its topic's partition).
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { LivenessDigest } from "../domain/change-feed";
import type { SweeperState } from "../domain/liveness";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../domain/model";
import {
  CONFIG_KEY,
  decodeSweeper,
  GROUPS_PK,
  kvItemSchema,
  kvKey,
  LIVENESS_KEY,
  livenessItemSchema,
  orderKey,
  SWEEPER_SK,
} from "./dynamo-items";
import { DynamoTable } from "./dynamo-table";

export abstract class DynamoSettingsTable extends DynamoTable {
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

  async putLivenessDigest(digest: LivenessDigest): Promise<void> {
    await this.send(
      "PutLivenessDigest",
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...LIVENESS_KEY,
          type: "liveness",
          sweptAt: digest.sweptAt,
          m: digest.members.map((m) => ({ b: m.brokerName, a: m.brokerAddr, d: m.deadline })),
          ...(digest.cut === true ? { cut: true } : {}),
        },
      }),
    );
  }

  async getLivenessDigest(): Promise<LivenessDigest | undefined> {
    const out = await this.send<{ Item?: Record<string, unknown> }>(
      "GetLivenessDigest",
      new GetCommand({ TableName: this.tableName, Key: LIVENESS_KEY }),
    );
    if (out.Item === undefined) return undefined;
    const item = livenessItemSchema.parse(out.Item);
    return {
      sweptAt: item.sweptAt,
      members: item.m.map((m) => ({ brokerName: m.b, brokerAddr: m.a, deadline: m.d })),
      ...(item.cut === true ? { cut: true as const } : {}),
    };
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
}
