/**
 * What the status page shows, read from the registry through the typed client: clusters and broker
 * groups with each member's role and heartbeat times (GET /brokers), topics with their routes, KV
 * namespaces, and self-preservation (GET /health). Each part fails on its own, so an error in one
 * (a namespace, a topic) never blanks the others.
 *
 * Cost: brokers and health are read at every page refresh (2 requests); the topic list, the routes
 * (POST /routes, 1,000 topics a request, with the ETags held: unchanged routes come back without a
 * body; one GET per topic on an API without it) and the KV namespaces only every `slowRefreshMillis`,
 * the routes in the background. However many tabs poll, one snapshot is computed per `minIntervalMillis`;
 * with no page open, nothing is read.
 */

import type { NameServerClient } from "../client/name-server-client";
import { NameServerRequestError } from "../client/transport";
import { mapLimit } from "../concurrency";
import type { BrokerLiveInfo, TopicRouteData } from "../domain/model";

export type MemberRole = "master" | "slave" | "acting master";

export interface MemberView {
  brokerId: number;
  role: MemberRole;
  brokerAddr: string;
  haServerAddr?: string;
  /** Absent when the API has no GET /brokers (then only addresses are known). */
  lastUpdateTimestamp?: number;
  heartbeatTimeoutMillis?: number;
  preserved: boolean;
}

export interface GroupView {
  brokerName: string;
  zoneName?: string;
  enableActingMaster: boolean;
  members: MemberView[];
}

export interface ClusterView {
  clusterName: string;
  groups: GroupView[];
}

export type TopicKind = "normal" | "retry" | "dlq" | "system";

export interface TopicView {
  topic: string;
  kind: TopicKind;
  route?: TopicRouteData;
  /** Why the route could not be read (a topic listed but without a live route any more, ...). */
  error?: string;
}

export interface NamespaceView {
  namespace: string;
  /** Empty when the namespace has no item. */
  table: Record<string, string>;
}

export interface PartError {
  part: "health" | "brokers" | "topics" | "kv";
  message: string;
}

export interface Snapshot {
  apiUrl: string;
  /** The registry's clock when it answered GET /brokers (the dashboard's clock without it). */
  registryNow: number;
  /** Whether heartbeat times are known (the API has GET /brokers). */
  heartbeats: boolean;
  health?: { status: string; selfPreservation?: { active: boolean; since?: number } };
  clusters?: ClusterView[];
  topics?: TopicView[];
  kv?: NamespaceView[];
  errors: PartError[];
  /** How often the page should poll. */
  pollIntervalMillis: number;
}

export interface SnapshotSourceOptions {
  client: NameServerClient;
  pollIntervalMillis: number;
  /** Topic list, routes and KV are read at most this often. */
  slowRefreshMillis: number;
  /** Snapshots are shared by every request within this interval. */
  minIntervalMillis: number;
  /** How long a snapshot waits for a topic refresh before answering with the topics it has. */
  topicWaitMillis?: number;
  /** Concurrent route requests. */
  concurrency?: number;
  now?: () => number;
}

/** POST /routes takes at most 1,000 topics. */
const ROUTES_PER_BATCH = 1000;

/** Topics RocketMQ creates for itself (TopicValidator's system topics). */
const SYSTEM_TOPICS = new Set([
  "TBW102",
  "SCHEDULE_TOPIC_XXXX",
  "BenchmarkTest",
  "OFFSET_MOVED_EVENT",
  "SELF_TEST_TOPIC",
  "TRANS_CHECK_MAX_TIME_TOPIC",
  "RMQ_SYS_TRANS_HALF_TOPIC",
  "RMQ_SYS_TRACE_TOPIC",
  "RMQ_SYS_TRANS_OP_HALF_TOPIC",
]);

/** rocketmq-dashboard's topic filter: NORMAL, RETRY, DLQ, SYSTEM (cluster and broker names too). */
export function topicKind(topic: string, clusterAndBrokerNames: ReadonlySet<string>): TopicKind {
  if (topic.startsWith("%RETRY%")) return "retry";
  if (topic.startsWith("%DLQ%")) return "dlq";
  if (
    SYSTEM_TOPICS.has(topic) ||
    topic.startsWith("rmq_sys_") ||
    topic.startsWith("RMQ_SYS_") ||
    clusterAndBrokerNames.has(topic)
  )
    return "system";
  return "normal";
}

/**
 * Role of each live member: brokerId 0 is the master, others are slaves; in an acting-master group
 * without a live master, the slave with the smallest id acts as master (RocketMQ 5's route does the same).
 */
export function groupsOf(brokers: readonly BrokerLiveInfo[]): ClusterView[] {
  const clusters = new Map<string, Map<string, GroupView>>();
  for (const b of brokers) {
    const groups = clusters.get(b.clusterName) ?? new Map<string, GroupView>();
    clusters.set(b.clusterName, groups);
    let group = groups.get(b.brokerName);
    if (group === undefined) {
      group = { brokerName: b.brokerName, enableActingMaster: b.enableActingMaster, members: [] };
      groups.set(b.brokerName, group);
    }
    if (group.zoneName === undefined && b.zoneName !== undefined) group.zoneName = b.zoneName;
    const member: MemberView = {
      brokerId: b.brokerId,
      role: b.brokerId === 0 ? "master" : "slave",
      brokerAddr: b.brokerAddr,
      lastUpdateTimestamp: b.lastUpdateTimestamp,
      heartbeatTimeoutMillis: b.heartbeatTimeoutMillis,
      preserved: b.preserved,
    };
    if (b.haServerAddr !== undefined) member.haServerAddr = b.haServerAddr;
    group.members.push(member);
  }
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...clusters.entries()]
    .sort(([a], [b]) => byName(a, b))
    .map(([clusterName, groups]) => ({
      clusterName,
      groups: [...groups.values()]
        .sort((a, b) => byName(a.brokerName, b.brokerName))
        .map((group) => {
          group.members.sort((a, b) => a.brokerId - b.brokerId);
          const first = group.members[0];
          if (group.enableActingMaster && first !== undefined && first.brokerId !== 0)
            first.role = "acting master";
          return group;
        }),
    }));
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
const isNotFound = (error: unknown) =>
  error instanceof NameServerRequestError && (error.status === 404 || error.status === 405);

interface CachedNamespace {
  at: number;
  view?: NamespaceView;
  error?: string;
}

interface CachedRoute {
  etag?: string;
  route: TopicRouteData;
}

export class SnapshotSource {
  private readonly client: NameServerClient;
  private readonly now: () => number;
  private readonly concurrency: number;
  private readonly routes = new Map<string, CachedRoute>();
  private slow?: { at: number; topics?: TopicView[]; topicError?: string };
  private refreshing?: Promise<void>;
  /** Whether the API has POST /routes (until it answers 404). */
  private batchRoutes = true;
  private readonly namespaces = new Map<string, CachedNamespace>();
  private last?: { at: number; key: string; snapshot: Promise<Snapshot> };
  private clusterAndBrokerNames = new Set<string>();

  constructor(private readonly options: SnapshotSourceOptions) {
    this.client = options.client;
    this.now = options.now ?? Date.now;
    this.concurrency = options.concurrency ?? 8;
  }

  /** The snapshot for these KV namespaces, shared with every request of the last `minIntervalMillis`. */
  /** After an action from the page: the next snapshot reads everything again. */
  invalidate(): void {
    this.last = undefined;
    this.slow = undefined;
    this.routes.clear();
    this.namespaces.clear();
  }

  get(namespaces: readonly string[]): Promise<Snapshot> {
    const key = namespaces.join("\n");
    const now = this.now();
    if (
      this.last !== undefined &&
      this.last.key === key &&
      now - this.last.at < this.options.minIntervalMillis
    )
      return this.last.snapshot;
    const snapshot = this.read(namespaces);
    this.last = { at: now, key, snapshot };
    return snapshot;
  }

  private async read(namespaces: readonly string[]): Promise<Snapshot> {
    const errors: PartError[] = [];
    const snapshot: Snapshot = {
      apiUrl: this.client.url,
      registryNow: this.now(),
      heartbeats: true,
      errors,
      pollIntervalMillis: this.options.pollIntervalMillis,
    };
    const [health, brokers] = await Promise.all([
      this.client.health().catch((error: unknown) => {
        errors.push({ part: "health", message: messageOf(error) });
        return undefined;
      }),
      this.readBrokers(snapshot).catch((error: unknown) => {
        errors.push({ part: "brokers", message: messageOf(error) });
        return undefined;
      }),
    ]);
    if (health !== undefined) snapshot.health = health;
    if (brokers !== undefined) {
      snapshot.clusters = brokers;
      this.clusterAndBrokerNames = new Set(
        brokers.flatMap((c) => [c.clusterName, ...c.groups.map((g) => g.brokerName)]),
      );
    }
    const [topics, kv] = await Promise.all([this.readTopics(), this.readKv(namespaces)]);
    if (topics.topics !== undefined) snapshot.topics = topics.topics;
    if (topics.error !== undefined) errors.push({ part: "topics", message: topics.error });
    snapshot.kv = kv.views;
    for (const message of kv.errors) errors.push({ part: "kv", message });
    return snapshot;
  }

  private async readBrokers(snapshot: Snapshot): Promise<ClusterView[]> {
    try {
      const table = await this.client.listBrokers();
      snapshot.registryNow = table.now;
      return groupsOf(table.brokers);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // An API without GET /brokers: addresses from GET /clusters, no heartbeat times.
    snapshot.heartbeats = false;
    const info = await this.client.getBrokerClusterInfo();
    const brokers: BrokerLiveInfo[] = Object.values(info.brokerAddrTable).flatMap((bd) =>
      Object.entries(bd.brokerAddrs).map(([id, addr]) => ({
        clusterName: bd.cluster,
        brokerName: bd.brokerName,
        ...(bd.zoneName === undefined ? {} : { zoneName: bd.zoneName }),
        enableActingMaster: bd.enableActingMaster,
        brokerId: Number(id),
        brokerAddr: addr,
        lastUpdateTimestamp: Number.NaN,
        heartbeatTimeoutMillis: Number.NaN,
        dataVersion: { stateVersion: 0, timestamp: 0, counter: 0 },
        preserved: false,
      })),
    );
    return groupsOf(brokers).map((cluster) => ({
      ...cluster,
      groups: cluster.groups.map((group) => ({
        ...group,
        members: group.members.map(({ lastUpdateTimestamp: _t, heartbeatTimeoutMillis: _h, ...m }) => m),
      })),
    }));
  }

  /**
   * The topics as last read. A stale list is refreshed in the background (one route request per
   * topic takes a while on a big registry): a snapshot waits for it at most `topicWaitMillis`, so
   * brokers and health stay as fresh as the polling.
   */
  private async readTopics(): Promise<{ topics?: TopicView[]; error?: string }> {
    const now = this.now();
    const stale = this.slow === undefined || now - this.slow.at >= this.options.slowRefreshMillis;
    if (stale && this.refreshing === undefined) {
      this.refreshing = this.refreshTopics(now).finally(() => {
        this.refreshing = undefined;
      });
    }
    if (this.refreshing !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.refreshing,
        new Promise((resolve) => {
          timer = setTimeout(resolve, this.options.topicWaitMillis ?? 1000);
        }),
      ]);
      clearTimeout(timer);
    }
    return {
      ...(this.slow?.topics === undefined ? {} : { topics: this.slow.topics }),
      ...(this.slow?.topicError === undefined ? {} : { error: this.slow.topicError }),
    };
  }

  private async refreshTopics(now: number): Promise<void> {
    let names: string[];
    try {
      names = await this.client.getAllTopicList();
    } catch (error) {
      // Keeps the last topics it had and says why they are not fresh; tries again at the next refresh.
      this.slow = {
        at: this.slow?.at ?? Number.NEGATIVE_INFINITY,
        ...(this.slow?.topics === undefined ? {} : { topics: this.slow.topics }),
        topicError: messageOf(error),
      };
      return;
    }
    const listed = new Set(names);
    for (const topic of this.routes.keys()) if (!listed.has(topic)) this.routes.delete(topic);
    let topics: TopicView[] | undefined;
    if (this.batchRoutes) {
      try {
        topics = await this.readRoutesInBatches(names);
      } catch (error) {
        if (!isNotFound(error)) {
          this.slow = {
            at: this.slow?.at ?? Number.NEGATIVE_INFINITY,
            ...(this.slow?.topics === undefined ? {} : { topics: this.slow.topics }),
            topicError: messageOf(error),
          };
          return;
        }
        // An API without POST /routes: one request per topic from now on.
        this.batchRoutes = false;
      }
    }
    topics ??= await mapLimit(names, this.concurrency, (topic) => this.readRoute(topic));
    this.slow = { at: now, topics };
  }

  /** POST /routes, 1,000 topics a request, sending the ETags held so unchanged routes come back bodiless. */
  private async readRoutesInBatches(names: readonly string[]): Promise<TopicView[]> {
    const batches: string[][] = [];
    for (let i = 0; i < names.length; i += ROUTES_PER_BATCH)
      batches.push(names.slice(i, i + ROUTES_PER_BATCH));
    const answers = await mapLimit(batches, this.concurrency, async (batch) => {
      const known: Record<string, string> = {};
      for (const topic of batch) {
        const etag = this.routes.get(topic)?.etag;
        if (etag !== undefined) known[topic] = etag;
      }
      return this.client.getRoutes(batch, { known });
    });
    const views: TopicView[] = [];
    for (const answer of answers) {
      for (const [topic, route] of Object.entries(answer.routes)) {
        const etag = answer.etags[topic];
        this.routes.set(topic, { route, ...(etag === undefined ? {} : { etag }) });
      }
      for (const topic of answer.missing) this.routes.delete(topic);
    }
    for (const topic of names) {
      const view: TopicView = { topic, kind: topicKind(topic, this.clusterAndBrokerNames) };
      const cached = this.routes.get(topic);
      if (cached === undefined) view.error = `No topic route info in name server for the topic: ${topic}`;
      else view.route = cached.route;
      views.push(view);
    }
    return views;
  }

  private async readRoute(topic: string): Promise<TopicView> {
    const view: TopicView = { topic, kind: topicKind(topic, this.clusterAndBrokerNames) };
    const cached = this.routes.get(topic);
    try {
      const answer = await this.client.getRouteInfoByTopic(
        topic,
        cached?.etag === undefined ? {} : { etag: cached.etag },
      );
      if (answer.notModified) {
        if (cached !== undefined) view.route = cached.route;
        return view;
      }
      this.routes.set(topic, {
        route: answer.route,
        ...(answer.etag === undefined ? {} : { etag: answer.etag }),
      });
      view.route = answer.route;
    } catch (error) {
      this.routes.delete(topic);
      view.error = messageOf(error);
    }
    return view;
  }

  private async readKv(namespaces: readonly string[]): Promise<{ views: NamespaceView[]; errors: string[] }> {
    const now = this.now();
    const errors: string[] = [];
    for (const cached of this.namespaces.keys())
      if (!namespaces.includes(cached)) this.namespaces.delete(cached);
    const views = await mapLimit(
      namespaces,
      this.concurrency,
      async (namespace): Promise<CachedNamespace> => {
        const cached = this.namespaces.get(namespace);
        if (cached !== undefined && now - cached.at < this.options.slowRefreshMillis) return cached;
        try {
          const table = await this.client.getKvList(namespace);
          const entry: CachedNamespace = { at: now, view: { namespace, table } };
          this.namespaces.set(namespace, entry);
          return entry;
        } catch (error) {
          const entry: CachedNamespace = isNotFound(error)
            ? { at: now, view: { namespace, table: {} } }
            : { at: now, error: `${namespace}: ${messageOf(error)}`, view: cached?.view };
          this.namespaces.set(namespace, entry);
          return entry;
        }
      },
    );
    for (const v of views) if (v.error !== undefined) errors.push(v.error);
    return {
      views: views.flatMap((v) => (v.view === undefined ? [] : [v.view])),
      errors,
    };
  }
}
