/**
 * What every scenario shares: a fresh table on the bench's DynamoDB Local, a NameServer over it with a
 * fake clock, a capacity log fed by the store's recorder (one entry per DynamoDB request), timing
 * helpers and the registration factories.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { NameServer } from "../lib/app/name-server";
import { createNameServer } from "../lib/app/name-server-service";
import { type RegisterBrokerRequest, registerBrokerSchema } from "../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION, type SelfPreservationConfig } from "../lib/domain/self-preservation";
import {
  CapacityLog,
  type CapacityTotals as OperationCount,
  type CapacityCount as RequestCount,
} from "../lib/store/capacity-log";
import { DynamoRegistryStore } from "../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../lib/store/dynamodb-client";
import type { RegistryStore } from "../lib/store/registry-store";
import { createTableInput } from "../lib/store/table-definition";

export interface BenchContext {
  /** DynamoDB Local started by the bench (or by vitest's global setup for the smoke test). */
  endpoint: string;
  log: (message: string) => void;
}

export type {
  CapacityCount as RequestCount,
  CapacityTotals as OperationCount,
} from "../lib/store/capacity-log";
export { CapacityLog };

export class FakeClock {
  constructor(public time = 1_800_000_000_000) {}
  now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface BenchTable {
  tableName: string;
  client: DynamoDBDocumentClient;
  drop(): Promise<void>;
}

export async function createBenchTable(endpoint: string, prefix: string): Promise<BenchTable> {
  // A long request timeout: the bench counts requests, and a busy machine must not abort a run (a
  // timed-out CreateTable retried by the SDK finds its own table and fails).
  const client = createDocumentClient({ endpoint, requestTimeoutMs: 30_000 });
  const tableName = `bench-${prefix}-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  return {
    tableName,
    client,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

export interface BenchRegistry {
  table: BenchTable;
  store: DynamoRegistryStore;
  nameServer: NameServer;
  clock: FakeClock;
  capacity: CapacityLog;
}

/** Self-preservation off unless asked: a sweep benchmark measures the expiry itself. */
const NO_SELF_PRESERVATION: SelfPreservationConfig = { ...DEFAULT_SELF_PRESERVATION, enabled: false };

/**
 * The scenarios' default bound for the route group cache (direct callers such as the smoke test).
 * `npm run bench` does not use it unless the stack turns the cache off: bench/run.ts reads the route
 * function's ROUTE_GROUP_CACHE_MS from the stack (bench/stack-settings.ts) and passes that to the scenarios.
 */
export const ROUTE_GROUP_CACHE_MS = 5_000;

/**
 * A second NameServer over the same store, with the route group cache on: what a warm Lambda instance
 * of the route function runs on AWS. It shares the registry's clock, so while the bench does not advance
 * the clock every cached group stays fresh (the warm steady state); the cache still judges liveness
 * per answer from the cached heartbeat times.
 */
export function cachedNameServer(
  r: BenchRegistry,
  routeGroupCacheMs: number,
  options: { now?: () => number; store?: RegistryStore } = {},
): NameServer {
  return createNameServer({
    store: options.store ?? r.store,
    now: options.now ?? r.clock.now,
    selfPreservation: NO_SELF_PRESERVATION,
    routeGroupCacheMs,
  });
}

export async function createBenchRegistry(
  ctx: BenchContext,
  prefix: string,
  options: { selfPreservation?: SelfPreservationConfig } = {},
): Promise<BenchRegistry> {
  const table = await createBenchTable(ctx.endpoint, prefix);
  const capacity = new CapacityLog();
  const clock = new FakeClock();
  const store = new DynamoRegistryStore({
    client: table.client,
    tableName: table.tableName,
    recorder: capacity.record,
  });
  const nameServer = createNameServer({
    store,
    now: clock.now,
    selfPreservation: options.selfPreservation ?? NO_SELF_PRESERVATION,
  });
  return { table, store, nameServer, clock, capacity };
}

export const round = (n: number, digits = 2): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

export async function timed<T>(action: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await action();
  return { ms: performance.now() - start, value };
}

/** One operation's figures: DynamoDB requests and capacity of one run, latency over all runs. */
export interface OperationFigure {
  id: string;
  label: string;
  requests: number;
  rcu: number;
  wcu: number;
  byOperation: Record<string, OperationCount>;
  /** True when runs did not all make the same number of requests (figures are then the maximum). */
  requestsVaried: boolean;
  p50Ms: number;
  p99Ms: number;
  runs: number;
  note?: string;
}

/**
 * Runs `action` `runs` times (after `prepare`, which is neither counted nor timed) and keeps the
 * request count and capacity of the costliest run: counts are deterministic for these operations, and
 * any variation is flagged rather than averaged away.
 */
export async function measureOperation(
  registry: BenchRegistry,
  spec: {
    id: string;
    label: string;
    runs: number;
    warmup?: number;
    note?: string;
    prepare?: (run: number) => Promise<void>;
    action: (run: number) => Promise<unknown>;
  },
): Promise<OperationFigure> {
  for (let i = 0; i < (spec.warmup ?? 0); i++) {
    await spec.prepare?.(-1 - i);
    await spec.action(-1 - i);
  }
  const latencies: number[] = [];
  const counts: RequestCount[] = [];
  for (let run = 0; run < spec.runs; run++) {
    await spec.prepare?.(run);
    registry.capacity.reset();
    const { ms } = await timed(() => spec.action(run));
    latencies.push(ms);
    counts.push(registry.capacity.count());
  }
  const worst = counts.reduce((a, b) =>
    b.requests > a.requests || (b.requests === a.requests && b.rcu + b.wcu > a.rcu + a.wcu) ? b : a,
  );
  return {
    id: spec.id,
    label: spec.label,
    requests: worst.requests,
    rcu: worst.rcu,
    wcu: worst.wcu,
    byOperation: worst.byOperation,
    requestsVaried: new Set(counts.map((c) => c.requests)).size > 1,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    runs: spec.runs,
    ...(spec.note !== undefined ? { note: spec.note } : {}),
  };
}

export type TopicConfigTable = NonNullable<RegisterBrokerRequest["topicConfigTable"]>;

export function topicTable(count: number, prefix: string): TopicConfigTable {
  const table: TopicConfigTable = {};
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    table[name] = {
      topicName: name,
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicSysFlag: 0,
      order: false,
    };
  }
  return table;
}

/** A broker's registration as the handler sees it after validation, with overrides. */
export function brokerRegistration(overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
  return registerBrokerSchema.parse({
    clusterName: "BenchCluster",
    brokerName: "broker-a",
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    haServerAddr: "10.0.0.1:10912",
    dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 1 },
    topicConfigTable: topicTable(3, "Topic"),
    ...overrides,
  });
}

/** A distinct, valid IPv4 broker address for instance number `n`. */
export function brokerAddr(n: number, port = 10911): string {
  return `10.${Math.floor(n / 65536) % 256}.${Math.floor(n / 256) % 256}.${n % 256}:${port}`;
}

/**
 * Writes a broker group, its members and its queue data straight through the store (CreateGroup /
 * WriteMember, then BatchWrite): what a registration leaves behind, minus the digest, in a third of the
 * requests. For populating big tables; each member's heartbeat time is given, so a test can age it.
 */
export async function writeGroupDirect(
  store: DynamoRegistryStore,
  group: {
    brokerName: string;
    epoch: string;
    members: Array<{ brokerId: number; brokerAddr: string; lastUpdateTimestamp: number }>;
    topics: readonly string[];
  },
): Promise<void> {
  for (const [k, m] of group.members.entries()) {
    const written = await store.writeMember({
      brokerName: group.brokerName,
      clusterName: "BenchCluster",
      enableActingMaster: false,
      epoch: group.epoch,
      newGroup: k === 0,
      memberAddrs: group.members.slice(0, k + 1).map((member) => member.brokerAddr),
      ...(k === 0 ? {} : { expectedTopologyVersion: k }),
      topologyVersion: k + 1,
      member: {
        brokerId: m.brokerId,
        brokerAddr: m.brokerAddr,
        lastUpdateTimestamp: m.lastUpdateTimestamp,
        heartbeatTimeoutMillis: 120_000,
        dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 1 },
        filterServerList: [],
        topologyVersion: k + 1,
        topicAuthority: k === 0,
      },
      removeIds: [],
    });
    if (!written) throw new Error(`could not write member ${m.brokerId} of ${group.brokerName}`);
  }
  await store.putQueueData(
    group.topics.map((topic) => ({
      topic,
      brokerName: group.brokerName,
      epoch: group.epoch,
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicSysFlag: 0,
    })),
  );
}

/** One raw UpdateItem of a small item of its own: the floor of any write on this DynamoDB Local. */
export function rawUpdate(r: BenchRegistry): () => Promise<unknown> {
  let n = 0;
  return () =>
    r.table.client.send(
      new UpdateCommand({
        TableName: r.table.tableName,
        Key: { pk: "BENCH", sk: "FLOOR" },
        UpdateExpression: "SET n = :n",
        ExpressionAttributeValues: { ":n": n++ },
      }),
    );
}
