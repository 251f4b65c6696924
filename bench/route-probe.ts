/**
 * Prototypes, for measurement only, of the two route query designs docs/performance.md recommends. They
 * use the same store port and the same domain rules as the service (lib/app), and change only which
 * requests are sent when.
 */
import { performance } from "node:perf_hooks";
import { TopicNotExistError } from "../lib/domain/errors";
import { livenessClock, type SweeperState } from "../lib/domain/liveness";
import type { BrokerGroup, TopicRouteData } from "../lib/domain/model";
import { assembleRoute } from "../lib/domain/route";
import type { RegistryStore } from "../lib/store/registry-store";

/**
 * The topic's Query and the BatchGet of its groups in parallel, the group names taken from what this
 * process saw for the topic last time. The groups are still read fresh on every query, at the same
 * moment as the topic, so nothing is served from a cache: the hint only decides WHICH group items to
 * fetch. When the hint misses a group (a group joined the topic), a third request fetches it.
 */
export class SpeculativeRouteReader {
  /** topic → group names seen last time (bounded: the oldest hint goes first). */
  private readonly hints = new Map<string, string[]>();

  constructor(
    private readonly store: RegistryStore,
    private readonly now: () => number,
    private readonly maxHints = 10_000,
  ) {}

  async getRouteInfoByTopic(topic: string): Promise<TopicRouteData> {
    const hint = this.hints.get(topic);
    const [topicItems, hinted] = await Promise.all([
      this.store.getTopic(topic),
      hint === undefined ? undefined : this.store.getGroups(hint),
    ]);
    const names = [...new Set(topicItems.queueDatas.map((qd) => qd.brokerName))];
    if (names.length === 0) {
      this.hints.delete(topic);
      throw new TopicNotExistError(topic);
    }
    let groups = hinted?.groups;
    let sweeper = hinted?.sweeper;
    const known = new Set(hint ?? []);
    const missing = names.filter((name) => !known.has(name));
    if (groups === undefined || sweeper === undefined || missing.length > 0) {
      const fetched = await this.store.getGroups(
        missing.length > 0 && hinted !== undefined ? missing : names,
      );
      groups = new Map([...(groups ?? []), ...fetched.groups]);
      sweeper = fetched.sweeper;
    }
    this.remember(topic, names);
    const route = assembleRoute({
      queueDatas: topicItems.queueDatas,
      groups,
      at: livenessClock(this.now(), sweeper),
      ...(topicItems.orderTopicConf !== undefined ? { orderTopicConf: topicItems.orderTopicConf } : {}),
    });
    if (route === undefined) throw new TopicNotExistError(topic);
    return route;
  }

  private remember(topic: string, names: string[]): void {
    this.hints.delete(topic);
    this.hints.set(topic, names);
    if (this.hints.size > this.maxHints) {
      const oldest = this.hints.keys().next().value;
      if (oldest !== undefined) this.hints.delete(oldest);
    }
  }
}

/**
 * A prototype, for measurement only, of the other recommendation: each Lambda instance keeps the group
 * items it read for at most `maxAgeMs` (the documented staleness bound) and reads only the topic's
 * queue data (one Query) when every group is cached. Safety, as docs/performance.md states it:
 *
 * - liveness is judged at serve time, with the current clock, from the cached heartbeat time; a cached
 *   heartbeat is never newer than the stored one, so an instance the cache shows live is not dead by
 *   expiry: no dead broker is ever served;
 * - what the bound delays is only what a read cannot infer from time: an unregister, a promotion or an
 *   address change made in the last `maxAgeMs`;
 * - a queue data item whose epoch differs from the cached group's (a new incarnation) is a miss;
 * - the sweeper state is cached only while self-preservation is off (it would make reads lenient).
 */
export class CachedGroupsRouteReader {
  private readonly cache = new Map<string, { group: BrokerGroup; at: number }>();
  private sweeper: { state: SweeperState; at: number } | undefined;

  constructor(
    private readonly store: RegistryStore,
    private readonly now: () => number,
    private readonly maxAgeMs = 1_000,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  async getRouteInfoByTopic(topic: string): Promise<TopicRouteData> {
    const topicItems = await this.store.getTopic(topic);
    if (topicItems.queueDatas.length === 0) throw new TopicNotExistError(topic);
    const t = this.monotonic();
    const fresh = (at: number) => t - at <= this.maxAgeMs;
    const groups = new Map<string, BrokerGroup>();
    const missing: string[] = [];
    for (const qd of topicItems.queueDatas) {
      const cached = this.cache.get(qd.brokerName);
      if (cached !== undefined && fresh(cached.at) && cached.group.epoch === qd.epoch)
        groups.set(qd.brokerName, cached.group);
      else missing.push(qd.brokerName);
    }
    let sweeper = this.sweeper !== undefined && fresh(this.sweeper.at) ? this.sweeper.state : undefined;
    if (missing.length > 0 || sweeper === undefined) {
      const fetched = await this.store.getGroups(missing);
      for (const [name, group] of fetched.groups) {
        groups.set(name, group);
        this.cache.set(name, { group, at: t });
      }
      sweeper = fetched.sweeper;
      this.sweeper = sweeper.selfPreservation ? undefined : { state: sweeper, at: t };
    }
    const route = assembleRoute({
      queueDatas: topicItems.queueDatas,
      groups,
      at: livenessClock(this.now(), sweeper),
      ...(topicItems.orderTopicConf !== undefined ? { orderTopicConf: topicItems.orderTopicConf } : {}),
    });
    if (route === undefined) throw new TopicNotExistError(topic);
    return route;
  }
}
