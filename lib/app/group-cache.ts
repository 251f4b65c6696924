/**
 * A per-instance cache of broker groups for route queries, bounded by `maxAgeMs`.
 *
 * Why it is safe: liveness is judged when the route is served, from the cached heartbeat time, which
 * is never newer than the stored one, so a cached group can never make a dead broker look alive.
 * Queue data is read on every query, and a group cached under another epoch than its queue data is a
 * miss. What the bound delays (by at most `maxAgeMs`) is only what changes a group without a new
 * heartbeat time: an unregister, a promotion, an address or zone change. The sweeper's state is
 * cached only while self-preservation is off, so entering it is seen at once.
 */
import { isDead, type SweeperState } from "../domain/liveness";
import type { BrokerGroup } from "../domain/model";

interface Entry<T> {
  value: T;
  readAt: number;
}

export class GroupCache {
  private readonly groups = new Map<string, Entry<BrokerGroup>>();
  private sweeper: Entry<SweeperState> | undefined;

  constructor(
    private readonly maxAgeMs: number,
    private readonly clock: () => number,
    /** Bounds memory in an instance that serves many groups. */
    private readonly maxEntries = 10_000,
  ) {}

  get enabled(): boolean {
    return this.maxAgeMs > 0;
  }

  private fresh(entry: Entry<unknown> | undefined): boolean {
    return entry !== undefined && this.clock() - entry.readAt <= this.maxAgeMs;
  }

  /** The cached groups that match the wanted epochs, and the names that must be read. */
  lookup(wanted: ReadonlyMap<string, string>): {
    hits: Map<string, BrokerGroup>;
    misses: string[];
    sweeper: SweeperState | undefined;
  } {
    const hits = new Map<string, BrokerGroup>();
    const misses: string[] = [];
    for (const [brokerName, epoch] of wanted) {
      const entry = this.groups.get(brokerName);
      const now = this.clock();
      // A member that looks dead in the cache may have heartbeated since: read it again rather than
      // leave a live broker out of the route.
      const usable =
        this.fresh(entry) &&
        entry?.value.epoch === epoch &&
        !Object.values(entry.value.members).some((member) => isDead(member, now));
      if (usable && entry !== undefined) hits.set(brokerName, entry.value);
      else misses.push(brokerName);
    }
    const sweeper = this.fresh(this.sweeper) ? this.sweeper?.value : undefined;
    return { hits, misses, sweeper };
  }

  store(groups: Iterable<BrokerGroup>, sweeper: SweeperState): void {
    const readAt = this.clock();
    if (this.groups.size > this.maxEntries) this.groups.clear();
    for (const group of groups) this.groups.set(group.brokerName, { value: group, readAt });
    this.sweeper = sweeper.selfPreservation ? undefined : { value: sweeper, readAt };
  }
}
