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
 *
 * The change feed (lib/domain/change-feed.ts): refetching every topic every round is what the bill
 * grows with. So a round first asks `POST /routes` with no topics and `changesSince` (the registry's
 * time the last answer covered, minus an overlap: a history entry is written just after its change)
 * and learns which topics and broker groups changed since, and the sweeper's liveness digest (the
 * members silent for over 30 s, with their deadlines). A restart (a member left, expired or joined,
 * no topic named) comes with its group's membership as routes list it: the cached routes listing the
 * group are patched with it (lib/domain/route.ts withGroupMembership), no refetch, except zone-filtered
 * routes and acting-master groups. The topics a change names and the cached routes that list a group
 * with any other change are refetched at once, in the same round; every other entry is confirmed as
 * of the round's request, and the digest's deadlines replace the ones held. A member the digest does
 * not list heartbeated within 30 s of its sweep, so its deadline is at least 90 s after it: with the
 * digest at most `DIGEST_MAX_AGE_MS` (45 s) old, after the entry's longest serving time.
 * Everything is refetched as before on the first round, when the feed is incomplete (a cursor over
 * 10 minutes old), when an entry's topic list was cut, when the digest is missing or too old, when the
 * registry has no feed, and every `fullRefreshEveryMs` (an hour): a history entry lost between a
 * change and its record is caught then.
 */
import { UnexpectedResponseError } from "../client/name-server-client";
import { NameServerRequestError } from "../client/transport";
import type { MemberDeadlines, TopicRouteData } from "../domain/model";
import { withGroupMembership } from "../domain/route";
import type { RegistryApi, RoutesAnswer } from "./registry-api";
import { type FeedPlan, planOf } from "./route-feed";

export type RouteLookup = { found: true; route: TopicRouteData; entry: CachedRoute } | { found: false };

export interface CachedRoute {
  readonly topic: string;
  readonly zone: string | undefined;
  route: TopicRouteData | undefined;
  etag: string | undefined;
  /**
   * When the request that produced this answer, or the latest change-feed round that confirmed it
   * unchanged, was sent; -Infinity once invalidated.
   */
  sentAt: number;
  /** When the request that fetched the route itself was sent (a feed round confirms, never fetches). */
  fetchedAt: number;
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
  /** Rounds learn what changed from the registry's change feed; false refetches every topic each round. */
  changeFeed?: boolean;
  /** With the feed: every topic is refetched at least this often (an hour by default). */
  fullRefreshEveryMs?: number;
  now?: () => number;
}

/** How far back of the last answer's `until` the next round asks (a history entry trails its change). */
export const FEED_OVERLAP_MS = 10_000;
/** A liveness digest older than this makes the round refetch everything (sweeps run every 30 s). */
export const DIGEST_MAX_AGE_MS = 45_000;
/**
 * With the feed, every topic is refetched at least this often: what catches a change whose history
 * entry was lost (written after its change, in its own request, by a process that died between the
 * two). An hour: at 100× the fleet a half-hourly round is $46 a month more (docs/performance.md).
 */
export const DEFAULT_FULL_REFRESH_EVERY_MS = 60 * 60_000;

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
  /** Rounds that refetched every topic. */
  fullRounds: number;
  /** Rounds answered by the change feed (one request, plus the refetch of what changed). */
  feedRounds: number;
  /** Topics refetched because the feed named them or a group their route lists. */
  feedRefetchedTopics: number;
  /** Cached routes patched with a group's new membership the feed gave (no refetch). */
  feedPatchedTopics: number;
}

export class RouteCache {
  private readonly entries = new Map<string, CachedRoute>();
  private readonly inflight = new Map<string, Promise<RouteLookup>>();
  private readonly now: () => number;
  private readonly idleAfterMs: number;
  private readonly fullRefreshEveryMs: number;
  private refreshing: Promise<void> | undefined;
  /** (broker group, broker address) → when its heartbeat time runs out, on this cache's clock. */
  private deadlines = new Map<string, number>();
  /** The next round's `changesSince` (registry clock); undefined until an answer carried the feed. */
  private cursor: number | undefined;
  /** When the last round that refetched every topic started (this cache's clock). */
  private lastFullAt = Number.NEGATIVE_INFINITY;
  /**
   * Set when an answer with the feed could not be read (a registry newer or older than this gateway,
   * its `changes` in a shape this one does not know): rounds refetch every topic, without asking for
   * the feed, from then on.
   */
  private feedUnreadable = false;
  /** Ids of feed entries already acted on (the overlap brings them again), with their time. */
  private readonly seen = new Map<string, number>();
  readonly stats: RouteCacheStats = {
    hits: 0,
    directFetches: 0,
    batchRequests: 0,
    failedBatches: 0,
    expiredMemberFetches: 0,
    fullRounds: 0,
    feedRounds: 0,
    feedRefetchedTopics: 0,
    feedPatchedTopics: 0,
  };

  constructor(private readonly options: RouteCacheOptions) {
    this.now = options.now ?? Date.now;
    this.idleAfterMs = options.idleAfterMs ?? 3 * options.intervalMs;
    this.fullRefreshEveryMs = options.fullRefreshEveryMs ?? DEFAULT_FULL_REFRESH_EVERY_MS;
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
   * The members (group, address keys) of the entry's route whose deadline fell after the route was
   * fetched and has passed now; undefined when there are none. A deadline before the fetch says
   * nothing: the registry listed the member then, so it heartbeated after that deadline was learnt.
   * Expired only once `deadline < now`: the registry's liveness is strict (`now - last > timeout`).
   */
  private expiredSince(entry: CachedRoute, now: number): Set<string> | undefined {
    if (entry.route === undefined || this.deadlines.size === 0) return undefined;
    let expired: Set<string> | undefined;
    for (const broker of entry.route.brokerDatas) {
      for (const addr of Object.values(broker.brokerAddrs)) {
        const member = memberKey(broker.brokerName, addr);
        const deadline = this.deadlines.get(member);
        if (deadline !== undefined && deadline >= entry.fetchedAt && deadline < now) {
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
        const member = memberKey(broker.brokerName, addr);
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
      entry = {
        topic,
        zone,
        route,
        etag,
        sentAt,
        fetchedAt: sentAt,
        lastAskedAt: this.now(),
        encoded: new Map(),
      };
      this.entries.set(key, entry);
      return entry;
    }
    // An answer older than the one held (a refresh overtaken by a direct fetch) changes nothing.
    if (sentAt < entry.sentAt) return entry;
    if (entry.route !== route) entry.encoded.clear();
    entry.route = route;
    entry.etag = etag;
    entry.sentAt = sentAt;
    entry.fetchedAt = sentAt;
    return entry;
  }

  /** One refresh round: every topic asked for recently, by the change feed or in `POST /routes` batches. */
  refresh(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    this.refreshing ??= this.refreshAll().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async refreshAll(): Promise<void> {
    const now = this.now();
    const live: CachedRoute[] = [];
    for (const [key, entry] of this.entries) {
      if (now - entry.lastAskedAt > this.idleAfterMs) this.entries.delete(key);
      else live.push(entry);
    }
    // A deadline matters to the entries fetched before it; a full round after it refetched them all
    // (entries a feed round confirms keep their fetch time, so the age of an entry does not say it).
    for (const [member, deadline] of this.deadlines) {
      if (deadline < this.lastFullAt) this.deadlines.delete(member);
    }
    if (live.length === 0) return;
    const feedUsable =
      this.options.changeFeed !== false &&
      !this.feedUnreadable &&
      this.cursor !== undefined &&
      now - this.lastFullAt < this.fullRefreshEveryMs;
    if (feedUsable && (await this.feedRound(live, this.cursor as number))) return;
    await this.fullRound(live, now);
  }

  /** Every topic, in `POST /routes` batches; the first also asks for the feed, to learn its cursor. */
  private async fullRound(entries: CachedRoute[], startedAt: number): Promise<void> {
    this.stats.fullRounds++;
    const since = this.options.changeFeed === false || this.feedUnreadable ? undefined : (this.cursor ?? 0);
    const results = await Promise.all(
      batchesOf(entries).map((batch, index) =>
        this.refreshBatch(batch.zone, batch.entries, index === 0 ? since : undefined),
      ),
    );
    if (!results.every((result) => result.ok)) return;
    this.lastFullAt = startedAt;
    // The feed continues from what this round's first answer covered (entries in it are seen again
    // next round: they may have landed after the routes were read).
    const changes = results[0]?.changes;
    if (changes !== undefined) this.cursor = changes.until - FEED_OVERLAP_MS;
  }

  /**
   * A round by the change feed: one `POST /routes` with no topics, then the refetch of what changed.
   * False when the feed cannot answer for the round (every topic is refetched then).
   */
  private async feedRound(entries: CachedRoute[], since: number): Promise<boolean> {
    const sentAt = this.now();
    this.stats.batchRequests++;
    let answer: RoutesAnswer;
    try {
      answer = await this.options.api.getRoutes([], { changesSince: since });
    } catch (error) {
      this.stats.failedBatches++;
      // An answer this gateway cannot read: full rounds without the feed from now on.
      if (error instanceof UnexpectedResponseError) {
        this.feedUnreadable = true;
        return false;
      }
      // A registry that refuses the ask (one without the feed) gets full rounds; an unreachable one
      // gets nothing: entries age out, and the next ask of a too-old one goes straight through.
      return !(error instanceof NameServerRequestError && error.status >= 400 && error.status < 500);
    }
    const receivedAt = this.now();
    const changes = answer.changes;
    if (
      changes === undefined ||
      !changes.complete ||
      changes.liveness === undefined ||
      changes.liveness.cut === true ||
      changes.liveness.sweptAgoMs > DIGEST_MAX_AGE_MS
    ) {
      return false;
    }
    const fresh = changes.entries.filter((change) => !this.seen.has(change.id));
    if (fresh.some((change) => change.allTopics === true)) return false;
    this.stats.feedRounds++;
    const refetch = this.applyChanges(entries, planOf(fresh, changes.groups ?? {}), sentAt);
    this.replaceDeadlines(changes.liveness.deadlines, receivedAt);
    for (const change of fresh) this.seen.set(change.id, change.time);
    const cursor = changes.until - FEED_OVERLAP_MS;
    this.cursor = cursor;
    for (const [id, time] of this.seen) if (time < cursor) this.seen.delete(id);

    if (refetch.length === 0) return true;
    this.stats.feedRefetchedTopics += refetch.length;
    const batches = batchesOf(refetch);
    const results = await Promise.all(batches.map((batch) => this.refreshBatch(batch.zone, batch.entries)));
    // The feed moved past these changes: a failed refetch must not be confirmed by a later round.
    for (const [index, batch] of batches.entries()) {
      if (results[index]?.ok === true) continue;
      for (const entry of batch.entries) entry.sentAt = Number.NEGATIVE_INFINITY;
    }
    return true;
  }

  /**
   * Applies a feed round's plan to the cached entries: patches the routes listing a group whose
   * membership alone changed, confirms every entry the round leaves as it was (as of `sentAt`), and
   * returns those to refetch (named topics, routes listing a group with another change, invalidated
   * entries, and patches a patch cannot replay: zone-filtered routes, acting-master groups).
   */
  private applyChanges(entries: readonly CachedRoute[], plan: FeedPlan, sentAt: number): CachedRoute[] {
    const refetch: CachedRoute[] = [];
    for (const entry of entries) {
      const route = entry.route;
      const listed = (names: ReadonlySet<string>) =>
        route?.brokerDatas.filter((broker) => names.has(broker.brokerName)) ?? [];
      const patches = listed(plan.patchGroups);
      const changed =
        entry.sentAt === Number.NEGATIVE_INFINITY ||
        plan.topics.has(entry.topic) ||
        listed(plan.refetchGroups).length > 0 ||
        (patches.length > 0 && (entry.zone !== undefined || patches.some((b) => b.enableActingMaster)));
      if (changed) {
        refetch.push(entry);
        continue;
      }
      if (route !== undefined && patches.length > 0) {
        let patched: TopicRouteData | undefined = route;
        for (const broker of patches) {
          if (patched === undefined) break;
          patched = withGroupMembership(
            patched,
            broker.brokerName,
            plan.memberships[broker.brokerName] ?? null,
          );
        }
        entry.route = patched;
        entry.etag = undefined;
        entry.encoded.clear();
        entry.fetchedAt = sentAt;
        this.stats.feedPatchedTopics++;
      }
      if (entry.sentAt < sentAt) entry.sentAt = sentAt;
    }
    return refetch;
  }

  /**
   * The digest's deadlines replace those still ahead: a member it leaves out heartbeated within 30 s
   * of its sweep (lib/domain/change-feed.ts), so at least 90 s before its timeout. Deadlines already
   * past stay: the member may be gone from the digest (expired) before the feed's entry of it lands.
   */
  private replaceDeadlines(digest: MemberDeadlines, receivedAt: number): void {
    const deadlines = new Map<string, number>();
    for (const [member, deadline] of this.deadlines) {
      if (deadline < receivedAt) deadlines.set(member, deadline);
    }
    for (const [brokerName, members] of Object.entries(digest)) {
      for (const [addr, left] of Object.entries(members)) {
        deadlines.set(memberKey(brokerName, addr), receivedAt + left);
      }
    }
    this.deadlines = deadlines;
  }

  private async refreshBatch(
    zone: string | undefined,
    entries: CachedRoute[],
    changesSince?: number,
  ): Promise<{ ok: boolean; changes?: RoutesAnswer["changes"] }> {
    const known: Record<string, string> = {};
    for (const entry of entries) {
      if (entry.etag !== undefined && entry.route !== undefined) known[entry.topic] = entry.etag;
    }
    const sentAt = this.now();
    this.stats.batchRequests++;
    let answer: RoutesAnswer;
    try {
      answer = await this.options.api.getRoutes(
        entries.map((e) => e.topic),
        {
          ...(zone === undefined ? {} : { zone }),
          ...(Object.keys(known).length > 0 ? { known } : {}),
          deadlines: true,
          ...(changesSince === undefined ? {} : { changesSince }),
        },
      );
    } catch {
      // Entries age out by themselves: the next ask of a too-old one goes straight through.
      this.stats.failedBatches++;
      return { ok: false };
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
    return answer.changes === undefined ? { ok: true } : { ok: true, changes: answer.changes };
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

function memberKey(brokerName: string, brokerAddr: string): string {
  return `${brokerName}\u0000${brokerAddr}`;
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
      if (members.has(memberKey(broker.brokerName, addr))) delete filterServerTable[addr];
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

/** Entries in `POST /routes` batches: one zone each, at most MAX_TOPICS_PER_BATCH topics. */
function batchesOf(
  entries: readonly CachedRoute[],
): Array<{ zone: string | undefined; entries: CachedRoute[] }> {
  const byZone = new Map<string | undefined, CachedRoute[]>();
  for (const entry of entries) {
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
  return batches;
}

function keyOf(topic: string, zone: string | undefined): string {
  return zone === undefined ? `\u0000${topic}` : `${zone}\u0000${topic}`;
}

function detached(topic: string, zone: string | undefined, route: TopicRouteData): CachedRoute {
  return {
    topic,
    zone,
    route,
    etag: undefined,
    sentAt: 0,
    fetchedAt: 0,
    lastAskedAt: 0,
    encoded: new Map(),
  };
}
