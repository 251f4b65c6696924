/**
 * The gateway's route cache. RocketMQ clients ask for the route of every topic they use every 30 s,
 * one request per topic; over a pay-per-request API that is most of the bill. The cache learns
 * which topics its clients ask for and refreshes all of them with one `POST /routes` (per zone, per
 * 1,000 topics) per interval, answering clients from memory in between.
 *
 * Freshness: an entry is served only while `now - sentAt <= intervalMs + requestTimeoutMs`, where
 * `sentAt` is when the request that fetched it was sent, so a served route is never older than the
 * interval plus one request, whether or not refreshes succeed. A topic asked for the first time (or
 * whose entry is too old, or was invalidated by a write through this gateway) goes straight to the
 * registry with `GET /route?topic=`. Topics nobody asked for in `idleAfterMs` are dropped.
 *
 * Liveness: a cached route was right when fetched, but a member may reach its heartbeat timeout
 * while the route is held. The refresh batches ask `POST /routes` for `deadlines` too: for every
 * member of the routes they return (changed or unchanged), the milliseconds left before its
 * heartbeat timeout, from the same reads (no extra request). A cached route listing a member whose
 * deadline fell after the route was fetched and has passed (strictly, as the registry's
 * `now - last > timeout`) is not served from memory: it is asked for again (the registry drops the
 * member, or shows it heartbeated since), and, should the registry not answer, served without that
 * member. So the gateway never lists a broker the registry would not.
 */
import { NameServerRequestError } from "../client/transport";
import type { MemberDeadlines, TopicRouteData } from "../domain/model";
import type { RegistryApi } from "./registry-api";

export type RouteLookup = { found: true; route: TopicRouteData; entry: CachedRoute } | { found: false };

export interface CachedRoute {
  readonly topic: string;
  readonly zone: string | undefined;
  route: TopicRouteData | undefined;
  etag: string | undefined;
  /** When the request that produced this answer was sent; -Infinity once invalidated. */
  sentAt: number;
  lastAskedAt: number;
  /** Encoded bodies, per dialect, reset whenever the route changes. */
  encoded: Map<string, Buffer>;
}

export interface RouteCacheOptions {
  api: Pick<RegistryApi, "getRouteInfoByTopic" | "getRoutes">;
  /** Refresh period; RocketMQ's own poll is 30 s. 0 turns the cache off (every ask goes through). */
  intervalMs: number;
  /** The longest one registry request may take (the HTTP client's timeout). */
  requestTimeoutMs: number;
  /** Topics nobody asked for in this long are no longer refreshed; 3 intervals by default. */
  idleAfterMs?: number;
  now?: () => number;
}

/** POST /routes takes at most this many topics. */
export const MAX_TOPICS_PER_BATCH = 1000;

export interface RouteCacheStats {
  hits: number;
  /** Asks answered by a request of their own (first ask, too old, invalidated, cache off). */
  directFetches: number;
  /** POST /routes requests sent by refreshes. */
  batchRequests: number;
  failedBatches: number;
  /** Asks sent to the registry because a member of the cached route reached its deadline. */
  expiredMemberFetches: number;
}

export class RouteCache {
  private readonly entries = new Map<string, CachedRoute>();
  private readonly inflight = new Map<string, Promise<RouteLookup>>();
  private readonly now: () => number;
  private readonly idleAfterMs: number;
  private refreshing: Promise<void> | undefined;
  /** (cluster, broker address) → when its heartbeat time runs out, on this cache's clock. */
  private readonly deadlines = new Map<string, number>();
  readonly stats: RouteCacheStats = {
    hits: 0,
    directFetches: 0,
    batchRequests: 0,
    failedBatches: 0,
    expiredMemberFetches: 0,
  };

  constructor(private readonly options: RouteCacheOptions) {
    this.now = options.now ?? Date.now;
    this.idleAfterMs = options.idleAfterMs ?? 3 * options.intervalMs;
  }

  get enabled(): boolean {
    return this.options.intervalMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The route of a topic (zone-filtered when `zone` is set), from the cache when fresh enough. */
  async get(topic: string, zone?: string): Promise<RouteLookup> {
    const key = keyOf(topic, zone);
    const entry = this.entries.get(key);
    const now = this.now();
    let expired: Set<string> | undefined;
    if (entry !== undefined) {
      entry.lastAskedAt = now;
      if (this.enabled && now - entry.sentAt <= this.options.intervalMs + this.options.requestTimeoutMs) {
        expired = this.expiredSince(entry, now);
        if (expired === undefined) {
          this.stats.hits++;
          return entry.route === undefined ? { found: false } : { found: true, route: entry.route, entry };
        }
        this.stats.expiredMemberFetches++;
      }
    }
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    let fetching = this.fetch(topic, zone, key);
    if (expired !== undefined && entry?.route !== undefined) {
      // The registry cannot be asked: the held route, minus the members whose time ran out.
      const held = entry.route;
      const gone = expired;
      fetching = fetching.catch(() => {
        const route = withoutMembers(held, gone);
        return route === undefined
          ? { found: false }
          : { found: true, route, entry: detached(topic, zone, route) };
      });
    }
    fetching = fetching.finally(() => this.inflight.delete(key));
    this.inflight.set(key, fetching);
    return fetching;
  }

  /**
   * The members (cluster, address keys) of the entry's route whose deadline fell after the route was
   * fetched and has passed now; undefined when there are none. A deadline before the fetch says
   * nothing: the registry listed the member then, so it heartbeated after that deadline was learnt.
   * Expired only once `deadline < now`: the registry's liveness is strict (`now - last > timeout`).
   */
  private expiredSince(entry: CachedRoute, now: number): Set<string> | undefined {
    if (entry.route === undefined || this.deadlines.size === 0) return undefined;
    let expired: Set<string> | undefined;
    for (const broker of entry.route.brokerDatas) {
      for (const addr of Object.values(broker.brokerAddrs)) {
        const member = memberKey(broker.cluster, addr);
        const deadline = this.deadlines.get(member);
        if (deadline !== undefined && deadline >= entry.sentAt && deadline < now) {
          expired ??= new Set();
          expired.add(member);
        }
      }
    }
    return expired;
  }

  /**
   * Learns the deadlines of the route's members from a `POST /routes` answer, on this cache's clock:
   * relative to the registry's own clock (no synchronized clocks needed), placed at the moment the
   * answer arrived, so never earlier than the registry's own. A member the answer gives no time for
   * (kept by self-preservation) has none: the registry keeps serving it.
   */
  private learnDeadlines(route: TopicRouteData, deadlines: MemberDeadlines, receivedAt: number): void {
    for (const broker of route.brokerDatas) {
      for (const addr of Object.values(broker.brokerAddrs)) {
        const left = deadlines[broker.brokerName]?.[addr];
        const member = memberKey(broker.cluster, addr);
        if (left === undefined) this.deadlines.delete(member);
        else this.deadlines.set(member, receivedAt + left);
      }
    }
  }

  private async fetch(topic: string, zone: string | undefined, key: string): Promise<RouteLookup> {
    this.stats.directFetches++;
    const sentAt = this.now();
    const known = this.entries.get(key);
    let route: TopicRouteData | undefined;
    let etag: string | undefined;
    try {
      const answer = await this.options.api.getRouteInfoByTopic(topic, {
        ...(zone === undefined ? {} : { zone }),
        ...(known?.etag !== undefined && known.route !== undefined ? { etag: known.etag } : {}),
      });
      if (answer.notModified) {
        route = known?.route;
        etag = answer.etag ?? known?.etag;
      } else {
        route = answer.route;
        etag = answer.etag;
      }
    } catch (error) {
      if (
        !(error instanceof NameServerRequestError && error.status === 404 && error.code === "TOPIC_NOT_EXIST")
      ) {
        throw error;
      }
    }
    if (!this.enabled) {
      return route === undefined
        ? { found: false }
        : { found: true, route, entry: detached(topic, zone, route) };
    }
    const entry = this.store(key, topic, zone, route, etag, sentAt);
    return route === undefined ? { found: false } : { found: true, route, entry };
  }

  private store(
    key: string,
    topic: string,
    zone: string | undefined,
    route: TopicRouteData | undefined,
    etag: string | undefined,
    sentAt: number,
  ): CachedRoute {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { topic, zone, route, etag, sentAt, lastAskedAt: this.now(), encoded: new Map() };
      this.entries.set(key, entry);
      return entry;
    }
    // An answer older than the one held (a refresh overtaken by a direct fetch) changes nothing.
    if (sentAt < entry.sentAt) return entry;
    if (entry.route !== route) entry.encoded.clear();
    entry.route = route;
    entry.etag = etag;
    entry.sentAt = sentAt;
    return entry;
  }

  /** One refresh round: every topic asked for recently, in `POST /routes` batches. */
  refresh(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.refreshing ??= this.refreshAll().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshAll(): Promise<void> {
    const now = this.now();
    const byZone = new Map<string | undefined, CachedRoute[]>();
    for (const [key, entry] of this.entries) {
      if (now - entry.lastAskedAt > this.idleAfterMs) {
        this.entries.delete(key);
        continue;
      }
      const list = byZone.get(entry.zone) ?? [];
      list.push(entry);
      byZone.set(entry.zone, list);
    }
    const batches: Array<{ zone: string | undefined; entries: CachedRoute[] }> = [];
    for (const [zone, list] of byZone) {
      for (let i = 0; i < list.length; i += MAX_TOPICS_PER_BATCH) {
        batches.push({ zone, entries: list.slice(i, i + MAX_TOPICS_PER_BATCH) });
      }
    }
    // A deadline that passed before any servable entry was fetched can no longer matter.
    const horizon = now - this.options.intervalMs - this.options.requestTimeoutMs;
    for (const [member, deadline] of this.deadlines) if (deadline < horizon) this.deadlines.delete(member);
    if (batches.length === 0) return;
    await Promise.all(batches.map((batch) => this.refreshBatch(batch.zone, batch.entries)));
  }

  private async refreshBatch(zone: string | undefined, entries: CachedRoute[]): Promise<void> {
    const known: Record<string, string> = {};
    for (const entry of entries) {
      if (entry.etag !== undefined && entry.route !== undefined) known[entry.topic] = entry.etag;
    }
    const sentAt = this.now();
    this.stats.batchRequests++;
    let answer: Awaited<ReturnType<RegistryApi["getRoutes"]>>;
    try {
      answer = await this.options.api.getRoutes(
        entries.map((e) => e.topic),
        {
          ...(zone === undefined ? {} : { zone }),
          ...(Object.keys(known).length > 0 ? { known } : {}),
          deadlines: true,
        },
      );
    } catch {
      // Entries age out by themselves: the next ask of a too-old one goes straight through.
      this.stats.failedBatches++;
      return;
    }
    const receivedAt = this.now();
    const unchanged = new Set(answer.unchanged);
    const missing = new Set(answer.missing);
    for (const entry of entries) {
      const key = keyOf(entry.topic, zone);
      const route = answer.routes[entry.topic];
      // The route this answer lists for the topic (changed, or the one held if unchanged).
      const listed = route ?? (unchanged.has(entry.topic) ? entry.route : undefined);
      if (route !== undefined) this.store(key, entry.topic, zone, route, answer.etags[entry.topic], sentAt);
      else if (unchanged.has(entry.topic) && entry.route !== undefined) {
        this.store(key, entry.topic, zone, entry.route, entry.etag, sentAt);
      } else if (missing.has(entry.topic)) this.store(key, entry.topic, zone, undefined, undefined, sentAt);
      if (answer.deadlines !== undefined && listed !== undefined) {
        this.learnDeadlines(listed, answer.deadlines, receivedAt);
      }
    }
  }

  /** A write through this gateway changed the topic's route: its next ask goes to the registry. */
  invalidateTopic(topic: string): void {
    for (const entry of this.entries.values()) if (entry.topic === topic) entry.sentAt = -Infinity;
  }

  /** A write changed a broker group: every cached route that names it (or lacks a route) is refetched. */
  invalidateBroker(brokerName: string): void {
    for (const entry of this.entries.values()) {
      if (entry.route === undefined || entry.route.brokerDatas.some((b) => b.brokerName === brokerName)) {
        entry.sentAt = -Infinity;
      }
    }
  }

  invalidateAll(): void {
    for (const entry of this.entries.values()) entry.sentAt = -Infinity;
  }
}

function memberKey(cluster: string, brokerAddr: string): string {
  return `${cluster}\u0000${brokerAddr}`;
}

/**
 * The route without the given members: a group left with no address goes, with its queue data; so
 * do the filter servers of the members removed. Undefined when no group is left (TOPIC_NOT_EXIST).
 */
export function withoutMembers(
  route: TopicRouteData,
  members: ReadonlySet<string>,
): TopicRouteData | undefined {
  const emptied = new Set<string>();
  const filterServerTable = { ...route.filterServerTable };
  const brokerDatas = route.brokerDatas.flatMap((broker) => {
    const brokerAddrs: Record<string, string> = {};
    for (const [id, addr] of Object.entries(broker.brokerAddrs)) {
      if (members.has(memberKey(broker.cluster, addr))) delete filterServerTable[addr];
      else brokerAddrs[id] = addr;
    }
    if (Object.keys(brokerAddrs).length === 0) {
      emptied.add(broker.brokerName);
      return [];
    }
    return [{ ...broker, brokerAddrs }];
  });
  const queueDatas = route.queueDatas.filter((qd) => !emptied.has(qd.brokerName));
  if (queueDatas.length === 0) return undefined;
  return { ...route, queueDatas, brokerDatas, filterServerTable };
}

function keyOf(topic: string, zone: string | undefined): string {
  return zone === undefined ? `\u0000${topic}` : `${zone}\u0000${topic}`;
}

function detached(topic: string, zone: string | undefined, route: TopicRouteData): CachedRoute {
  return { topic, zone, route, etag: undefined, sentAt: 0, lastAskedAt: 0, encoded: new Map() };
}
