/**
 * The KV configuration (RocketMQ's KVConfigManager): namespaced keys and values. A change of the
 * ORDER_TOPIC_CONFIG namespace drops this instance's cached copy, which registrations answer with.
 */
import { QueryNotFoundError } from "../domain/errors";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../domain/model";
import { UseCases } from "./use-case-context";

export class KvConfig extends UseCases {
  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    // The value before, for the history (KV writes are rare: one more read is cheap here).
    const before = await this.store.getKv(namespace, key);
    await this.store.putKv(namespace, key, value);
    await this.history.record("kv.put", { namespace, key }, [
      { field: "value", ...(before === undefined ? {} : { before }), after: value },
    ]);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) this.orderTopicTable.invalidate();
  }

  async getKvConfig(namespace: string, key: string): Promise<string> {
    const value = await this.store.getKv(namespace, key);
    if (value === undefined) throw new QueryNotFoundError(namespace, key);
    return value;
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    const before = await this.store.getKv(namespace, key);
    await this.store.deleteKv(namespace, key);
    if (before !== undefined)
      await this.history.record("kv.deleted", { namespace, key }, [{ field: "value", before }]);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) this.orderTopicTable.invalidate();
  }

  async getKvList(namespace: string): Promise<Record<string, string>> {
    const table = await this.store.listKv(namespace);
    if (Object.keys(table).length === 0) throw new QueryNotFoundError(namespace);
    return table;
  }
}
