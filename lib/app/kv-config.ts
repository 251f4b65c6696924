/**
 * The KV configuration (RocketMQ's KVConfigManager): namespaced keys and values. A change of the
 * ORDER_TOPIC_CONFIG namespace drops this instance's cached copy, which registrations answer with.
 */
import { QueryNotFoundError } from "../domain/errors";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../domain/model";
import { UseCases } from "./use-case-context";

export class KvConfig extends UseCases {
  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.store.putKv(namespace, key, value);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) this.orderTopicTable.invalidate();
  }

  async getKvConfig(namespace: string, key: string): Promise<string> {
    const value = await this.store.getKv(namespace, key);
    if (value === undefined) throw new QueryNotFoundError(namespace, key);
    return value;
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    await this.store.deleteKv(namespace, key);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) this.orderTopicTable.invalidate();
  }

  async getKvList(namespace: string): Promise<Record<string, string>> {
    const table = await this.store.listKv(namespace);
    if (Object.keys(table).length === 0) throw new QueryNotFoundError(namespace);
    return table;
  }
}
