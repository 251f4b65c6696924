/**
 * The NameServer's settings (RocketMQ's NamesrvConfig, GET_NAMESRV_CONFIG / UPDATE_NAMESRV_CONFIG):
 * read fresh on GET /config, cached per instance for the rules that consult them.
 */
import { mapLimit } from "../concurrency";
import { configView, parseConfigUpdate } from "../domain/config";
import { isTombstone } from "../domain/registration";
import { UseCases } from "./use-case-context";

export class NamesrvConfigUseCases extends UseCases {
  async getConfig(): Promise<Record<string, string>> {
    return configView(await this.config.reload(), this.deployment);
  }

  async updateConfig(settings: Record<string, unknown>): Promise<void> {
    const update = parseConfigUpdate(settings);
    const before = await this.config.reload();
    await this.store.putConfig(update);
    this.config.invalidate();
    const previous = before as unknown as Record<string, unknown>;
    await this.history.record(
      "config.updated",
      {},
      Object.entries(update).map(([field, after]) => ({ field, before: previous[field], after })),
    );
    if (update.deleteTopicWithBrokerRegistration === true && !before.deleteTopicWithBrokerRegistration) {
      // A steady heartbeat writes no topic: make every member's next heartbeat a full registration,
      // so the switch removes unlisted topics within one heartbeat period, as RocketMQ's does.
      const { groups } = await this.store.listGroups();
      await mapLimit(
        groups.filter((g) => !isTombstone(g)),
        this.concurrency,
        (g) => this.store.bumpTopology(g.brokerName),
      );
    }
  }
}
