/**
 * What every use case of the NameServer shares: the store port, the clock, the limits of an
 * optimistic write, and the caches of one instance (broker groups, NameServer settings, the
 * ORDER_TOPIC_CONFIG table). `UseCases` hands them to each concern's class (route info, KV config,
 * NameServer config, sweep) as the fields its code reads.
 */
import { randomUUID } from "node:crypto";
import { configFromStored, type DeploymentSettings, type NamesrvConfig } from "../domain/config";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../domain/model";
import { DEFAULT_SELF_PRESERVATION, type SelfPreservationConfig } from "../domain/self-preservation";
import type { RegistryStore } from "../store/registry-store";
import { GroupCache } from "./group-cache";
import { HistoryLog } from "./history-log";
import { TtlCache } from "./ttl-cache";

export interface NameServerDependencies {
  store: RegistryStore;
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
  newEpoch?: () => string;
  selfPreservation?: SelfPreservationConfig;
  /** Attempts of an optimistic read-plan-write before answering 503. */
  maxAttempts?: number;
  /** Parallel requests when one operation touches many groups or items. */
  concurrency?: number;
  /**
   * How long a route query may reuse a broker group it read (see GroupCache for why this never
   * serves a dead broker); 0 reads every group on every query.
   * @default 0
   */
  routeGroupCacheMs?: number;
  /**
   * How long an instance reuses the NameServer settings (PUT /config) and the ORDER_TOPIC_CONFIG table
   * it read: a change is in force everywhere within this time.
   * @default 3000
   */
  configCacheMs?: number;
  /**
   * How long the history of changes is kept (HISTORY_RETENTION_DAYS): DynamoDB's TTL deletes older
   * entries on AWS, and the sweeper deletes what TTL has not yet (DynamoDB Local never expires).
   * @default 30
   */
  historyRetentionDays?: number;
}

export const DEFAULT_CONFIG_CACHE_MS = 3000;

export interface UseCaseContext {
  readonly store: RegistryStore;
  readonly now: () => number;
  readonly newEpoch: () => string;
  readonly selfPreservation: SelfPreservationConfig;
  readonly maxAttempts: number;
  readonly concurrency: number;
  readonly batchConcurrency: number;
  readonly groupCache: GroupCache;
  readonly config: TtlCache<NamesrvConfig>;
  readonly orderTopicTable: TtlCache<Record<string, string>>;
  readonly deployment: DeploymentSettings;
  readonly history: HistoryLog;
}

export function createUseCaseContext(deps: NameServerDependencies): UseCaseContext {
  const store = deps.store;
  const now = deps.now ?? Date.now;
  const selfPreservation = deps.selfPreservation ?? DEFAULT_SELF_PRESERVATION;
  const concurrency = deps.concurrency ?? 8;
  const configCacheMs = deps.configCacheMs ?? DEFAULT_CONFIG_CACHE_MS;
  return {
    store,
    now,
    newEpoch: deps.newEpoch ?? (() => randomUUID()),
    selfPreservation,
    maxAttempts: deps.maxAttempts ?? 8,
    concurrency,
    // Reads of one POST /routes call: short Queries, so more in flight shortens the (billed) call.
    batchConcurrency: Math.max(concurrency, 32),
    groupCache: new GroupCache(deps.routeGroupCacheMs ?? 0, now),
    config: new TtlCache(configCacheMs, now, async () => configFromStored(await store.getConfig())),
    orderTopicTable: new TtlCache(configCacheMs, now, () => store.listKv(ORDER_TOPIC_CONFIG_NAMESPACE)),
    deployment: { selfPreservation, routeGroupCacheMs: deps.routeGroupCacheMs ?? 0, configCacheMs },
    history: new HistoryLog(store, now, deps.historyRetentionDays),
  };
}

/** The base of each concern's use cases: the shared context as fields. */
export abstract class UseCases {
  protected readonly store: RegistryStore;
  protected readonly now: () => number;
  protected readonly newEpoch: () => string;
  protected readonly selfPreservation: SelfPreservationConfig;
  protected readonly maxAttempts: number;
  protected readonly concurrency: number;
  protected readonly batchConcurrency: number;
  protected readonly groupCache: GroupCache;
  protected readonly config: TtlCache<NamesrvConfig>;
  protected readonly orderTopicTable: TtlCache<Record<string, string>>;
  protected readonly deployment: DeploymentSettings;
  protected readonly history: HistoryLog;

  constructor(context: UseCaseContext) {
    this.store = context.store;
    this.now = context.now;
    this.newEpoch = context.newEpoch;
    this.selfPreservation = context.selfPreservation;
    this.maxAttempts = context.maxAttempts;
    this.concurrency = context.concurrency;
    this.batchConcurrency = context.batchConcurrency;
    this.groupCache = context.groupCache;
    this.config = context.config;
    this.orderTopicTable = context.orderTopicTable;
    this.deployment = context.deployment;
    this.history = context.history;
  }
}
