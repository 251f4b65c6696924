/**
 * The NameServer's use cases: what each handler calls. Requests arrive here already validated by the
 * zod schemas of lib/domain/model.ts; errors are thrown as NameServerError subclasses.
 */

import type { ChangesAnswer } from "../domain/change-feed";
import type { HistoryEntry } from "../domain/history";
import type {
  BrokerLiveTable,
  ClusterInfo,
  MemberDeadlines,
  QueryDataVersionRequest,
  QueryDataVersionResult,
  RegisterBrokerRequest,
  RegisterBrokerResult,
  RegisterTopicRequest,
  SystemTopicList,
  TopicRouteData,
  TouchBrokerRequest,
  UnitTopicKind,
  UnregisterBrokerRequest,
} from "../domain/model";
import type { SelfPreservationEvent } from "../domain/self-preservation";

/** GET /history: entries from `since` (epoch ms) in time order, optionally of one broker group or topic. */
export interface HistoryQuery {
  since?: number;
  broker?: string;
  topic?: string;
  limit: number;
  /** The `nextCursor` of the previous page: the id of its last entry. */
  cursor?: string;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Set when there may be more: pass it as `cursor`. */
  nextCursor?: string;
  /** How many days entries are kept. */
  retentionDays: number;
}

/** How a registration was handled: drives the registrations / light-heartbeat / 409 metrics. */
export type RegistrationKind =
  /** Full registration that changed something (first contact, new dataVersion, new topics, ...). */
  | "full"
  /** Full registration identical to the last one applied: liveness refreshed in one request. */
  | "steady"
  /** Heartbeat without topicConfigTable whose dataVersion matched. */
  | "light";

export interface RegisterBrokerOutcome {
  response: RegisterBrokerResult;
  kind: RegistrationKind;
}

export interface BrokerMemberGroup {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
}

export interface RoutesAnswer {
  /** In the order asked. */
  routes: Map<string, TopicRouteData>;
  missing: string[];
  /** Asked with `deadlines`: the milliseconds left of every member the routes list (lib/domain/route.ts memberDeadlines). */
  deadlines?: MemberDeadlines;
}

export interface SweepReport {
  /** Groups looked at. */
  groups: number;
  /** Instances that were live before the sweep. */
  liveInstances: number;
  /** Instances removed by this sweep (0 in self-preservation). */
  expiredInstances: number;
  /** Groups that became empty and were removed with their queue data. */
  removedGroups: number;
  /** Instances this sweep would have expired but kept because of self-preservation. */
  preservedInstances: number;
  selfPreservation: boolean;
  /** What this sweep changed about self-preservation (entered, timed out, ...), when anything. */
  selfPreservationEvent?: SelfPreservationEvent;
  durationMs: number;
}

export interface HealthReport {
  status: "ok";
  selfPreservation: {
    active: boolean;
    /** While active: the last healthy sweep; only instances live then and silent since are kept. */
    since?: number;
    /** While active: when the registry entered self-preservation (epoch ms). */
    enteredAt?: number;
    /** While active: reads keep nobody after this time, unless a sweep extends it (never past the maximum). */
    protectUntil?: number;
  };
}

export interface NameServer {
  /**
   * REGISTER_BROKER: full registration, steady heartbeat or light heartbeat (no topicConfigTable).
   * A light heartbeat whose dataVersion the registry does not hold throws FullRegistrationRequiredError.
   */
  registerBroker(request: RegisterBrokerRequest): Promise<RegisterBrokerOutcome>;
  /**
   * BROKER_HEARTBEAT: the member at that address is live again (one conditional write); throws
   * FullRegistrationRequiredError when the group has no member at that address.
   */
  touchBroker(request: TouchBrokerRequest): Promise<void>;
  /**
   * QUERY_DATA_VERSION: whether the registry holds this member with exactly this dataVersion; refreshes
   * the member's liveness whenever it holds brokerId at brokerAddr (one conditional write).
   */
  queryDataVersion(request: QueryDataVersionRequest): Promise<QueryDataVersionResult>;
  /** UNREGISTER_BROKER: idempotent, with RocketMQ's cascade. */
  unregisterBroker(request: UnregisterBrokerRequest): Promise<void>;
  /** GET_BROKER_MEMBER_GROUP: live members only; unknown group gives empty brokerAddrs. */
  getBrokerMemberGroup(clusterName: string, brokerName: string): Promise<BrokerMemberGroup>;
  /** WIPE_WRITE_PERM_OF_BROKER / ADD_WRITE_PERM_OF_BROKER. */
  setWritePerm(brokerName: string, writable: boolean): Promise<{ affectedTopicCount: number }>;
  /** GET_ROUTEINFO_BY_TOPIC; throws TopicNotExistError when no live route is left. */
  getRouteInfoByTopic(topic: string, zone?: string): Promise<TopicRouteData>;
  /**
   * Many topics' routes at one moment (POST /routes), each exactly as getRouteInfoByTopic would answer
   * it; topics without a live route are `missing`. Each topic's items and each group are read at most
   * once per call.
   */
  getRoutes(
    topics: readonly string[],
    zone?: string,
    options?: { deadlines?: boolean },
  ): Promise<RoutesAnswer>;
  /**
   * The change feed (POST /routes with `changesSince`, lib/app/change-feed.ts): the history entries
   * since `since` (epoch ms) as the routes they may have changed, and the sweeper's liveness digest.
   */
  getChanges(since: number): Promise<ChangesAnswer>;
  /** GET_BROKER_CLUSTER_INFO: live instances only. */
  getBrokerClusterInfo(): Promise<ClusterInfo>;
  /** GET /brokers: every live instance with its heartbeat time and timeout (the status page's view). */
  listBrokers(): Promise<BrokerLiveTable>;
  /** GET_ALL_TOPIC_LIST_FROM_NAMESERVER, sorted. */
  getAllTopicList(): Promise<string[]>;
  /** GET_TOPICS_BY_CLUSTER, sorted; unknown cluster gives []. */
  getTopicsByCluster(clusterName: string): Promise<string[]>;
  /** REGISTER_TOPIC_IN_NAMESRV: queue data added for groups that are registered, others ignored. */
  registerTopic(request: RegisterTopicRequest): Promise<void>;
  /** GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster and broker names of live groups, and one live address. */
  getSystemTopicList(): Promise<SystemTopicList>;
  /** GET_UNIT_TOPIC_LIST / GET_HAS_UNIT_SUB_TOPIC_LIST / GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, sorted. */
  getUnitTopicList(kind: UnitTopicKind): Promise<string[]>;
  /** GET_NAMESRV_CONFIG: every setting by name (read from the table, not from the cache). */
  getConfig(): Promise<Record<string, string>>;
  /** UPDATE_NAMESRV_CONFIG: unknown or read-only names are a 400 naming them; nothing changes then. */
  updateConfig(settings: Record<string, unknown>): Promise<void>;
  /** DELETE_TOPIC_IN_NAMESRV, whole or only the queue data of one cluster's groups; idempotent. */
  deleteTopic(topic: string, clusterName?: string): Promise<void>;
  putKvConfig(namespace: string, key: string, value: string): Promise<void>;
  /** Throws QueryNotFoundError when missing. */
  getKvConfig(namespace: string, key: string): Promise<string>;
  deleteKvConfig(namespace: string, key: string): Promise<void>;
  /** Throws QueryNotFoundError when the namespace has no item. */
  getKvList(namespace: string): Promise<Record<string, string>>;
  /** scanNotActiveBroker: one sweep. */
  sweep(): Promise<SweepReport>;
  health(): Promise<HealthReport>;
  /** The history of changes (lib/domain/history.ts), a page at a time. */
  getHistory(query: HistoryQuery): Promise<HistoryPage>;
}
