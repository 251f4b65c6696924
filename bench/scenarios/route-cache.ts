/**
 * The route group cache over a fleet: what a query costs on average once the fleet's route queries are
 * spread over several Lambda instances, each with its own cache. The real NameServer (lib/app, with
 * GroupCache) runs over DynamoDB Local; only time is simulated: each simulated instance has its own
 * fake clock, advanced between queries by exponential gaps (Poisson arrivals at the fleet's rate ÷ the
 * instance count), so that the cache's bound (the stack's ROUTE_GROUP_CACHE_MS) expires as it would at that pace. Requests
 * and capacity are counted per query by the store's recorder, as everywhere else in the bench.
 *
 * The fleet: the cost estimate's (bench/cost.ts FLEET): its broker groups (a master and a slave each),
 * topics each on `groupsPerTopic` groups picked at random (seeded), queries on topics picked at random.
 * Per instance, a group is read again at most once per bound and the sweeper state with it, so the
 * group reads per second of an instance do not grow with its query rate: the fewer instances share
 * the fleet's queries, the cheaper each query.
 */

import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../../lib/concurrency";
import type { RegistryStore } from "../../lib/store/registry-store";
import { FLEET } from "../cost";
import {
  type BenchContext,
  brokerAddr,
  cachedNameServer,
  createBenchRegistry,
  FakeClock,
  percentile,
  round,
  timed,
  writeGroupDirect,
} from "../harness";

export interface RouteCacheSizes {
  /** Lambda instances the fleet's route queries are spread over: one simulation each. */
  instances: number[];
  /**
   * Other bounds than the stack's, each at one instance count: what a shorter or longer bound would
   * change. bench/run.ts drops the one equal to the stack's bound.
   */
  otherBounds: Array<{ routeGroupCacheMs: number; instances: number }>;
  /** Measured queries per simulation (after a warm-up of a few cache periods). */
  queries: number;
  /** Broker groups of the fleet (a master and a slave each). */
  groups: number;
  topics: number;
  groupsPerTopic: number;
  /** Route queries per second over the whole fleet. */
  routeQueriesPerSecond: number;
}

export const FULL_ROUTE_CACHE_SIZES: RouteCacheSizes = {
  instances: [5, 10, 20, 100],
  // 1 s, 5 s and the stack's maximum, 10 s (infra/name-server-stack.ts), less the stack's own.
  otherBounds: [1_000, 5_000, 10_000].map((routeGroupCacheMs) => ({
    routeGroupCacheMs,
    instances: FLEET.routeFunctionInstances,
  })),
  queries: 400,
  groups: Math.ceil(FLEET.brokerInstances / 2),
  topics: 100,
  groupsPerTopic: FLEET.groupsPerTopic,
  routeQueriesPerSecond: (FLEET.producers * FLEET.topicsPerProducer) / FLEET.routePollIntervalSeconds,
};

export interface RouteCachePoint {
  /** The cache's bound (ms): the stack's, except in the `otherBounds` points. */
  routeGroupCacheMs: number;
  instances: number;
  /** Route queries per second each instance answers. */
  queriesPerInstanceSecond: number;
  queries: number;
  /** Simulated time the measured queries span (s). */
  simulatedSeconds: number;
  /** Share of queries answered by the topic's Query alone (every group of the topic fresh in the cache). */
  hitRate: number;
  /** Share of the group items the queries needed that came from the cache. */
  groupHitRate: number;
  requestsPerQuery: number;
  rcuPerQuery: number;
  /** Latency of the mix of hits and misses over DynamoDB Local (real time, in-process). */
  p50Ms: number;
  p99Ms: number;
  /** A raw GetItem timed before each query (the floor, interleaved), and p50 ÷ its p50. */
  getItemP50Ms: number;
  ratio: number;
}

export interface RouteCacheResults {
  routeGroupCacheMs: number;
  groups: number;
  topics: number;
  groupsPerTopic: number;
  routeQueriesPerSecond: number;
  /** The same topics with the cache off: every query reads the topic and all its groups. */
  uncached: {
    requestsPerQuery: number;
    rcuPerQuery: number;
    p50Ms: number;
    p99Ms: number;
    getItemP50Ms: number;
    ratio: number;
  };
  points: RouteCachePoint[];
}

/** A small seeded generator (xorshift32): the same fleet and the same arrivals on every run. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

export async function runRouteCacheFleet(
  ctx: BenchContext,
  sizes: RouteCacheSizes,
  routeGroupCacheMs: number,
): Promise<RouteCacheResults> {
  ctx.log(
    `  route group cache over a fleet: ${sizes.groups} groups, ${sizes.topics} topics on ${sizes.groupsPerTopic} groups each, ${round(sizes.routeQueriesPerSecond, 0)} queries/s spread over ${sizes.instances.join(" / ")} instances${sizes.otherBounds.map((b) => `; ${b.routeGroupCacheMs} ms bound at ${b.instances}`).join("")}`,
  );
  const r = await createBenchRegistry(ctx, "route-cache");
  try {
    const rand = random(0x5eed);
    const groupNames = Array.from({ length: sizes.groups }, (_, g) => `fleet-${g}`);
    const topicsOf = new Map<string, string[]>(groupNames.map((name) => [name, []]));
    const topicNames = Array.from({ length: sizes.topics }, (_, t) => `FleetTopic-${t}`);
    for (const topic of topicNames) {
      // A partial Fisher-Yates shuffle: `groupsPerTopic` distinct groups.
      const pool = [...groupNames];
      for (let k = 0; k < Math.min(sizes.groupsPerTopic, pool.length); k++) {
        const pick = k + Math.floor(rand() * (pool.length - k));
        [pool[k], pool[pick]] = [pool[pick] as string, pool[k] as string];
        topicsOf.get(pool[k] as string)?.push(topic);
      }
    }
    const now = r.clock.now();
    await mapLimit(groupNames, 8, (brokerName, g) =>
      writeGroupDirect(r.store, {
        brokerName,
        epoch: `epoch-${g}`,
        members: [
          { brokerId: 0, brokerAddr: brokerAddr(30_000 + 2 * g), lastUpdateTimestamp: now },
          { brokerId: 1, brokerAddr: brokerAddr(30_001 + 2 * g), lastUpdateTimestamp: now },
        ],
        topics: topicsOf.get(brokerName) ?? [],
      }),
    );
    const pickTopic = () => topicNames[Math.floor(rand() * topicNames.length)] as string;

    // Each query follows a raw GetItem of a group item (not counted: it bypasses the store), so that
    // the latency of the mix has its floor from the same moments.
    const getItem = () =>
      r.table.client.send(
        new GetCommand({ TableName: r.table.tableName, Key: { pk: "GROUPS", sk: "GROUP#fleet-0" } }),
      );
    const getItemMs: number[] = [];
    const query = async (answer: (topic: string) => Promise<unknown>) => {
      getItemMs.push((await timed(getItem)).ms);
      r.capacity.reset();
      const { ms } = await timed(() => answer(pickTopic()));
      return { ms, ...r.capacity.count() };
    };
    const floor = () => percentile(getItemMs.splice(0), 50);

    // Cache off: the cost of every query, whatever the instance count.
    for (let i = 0; i < 10; i++) await query((t) => r.nameServer.getRouteInfoByTopic(t));
    getItemMs.length = 0;
    const uncached = { requests: 0, rcu: 0, ms: [] as number[] };
    for (let i = 0; i < sizes.queries; i++) {
      const q = await query((t) => r.nameServer.getRouteInfoByTopic(t));
      uncached.requests += q.requests;
      uncached.rcu += q.rcu;
      uncached.ms.push(q.ms);
    }
    const uncachedFloor = floor();

    const points: RouteCachePoint[] = [];
    const runs = [
      ...sizes.instances.map((instances) => ({ routeGroupCacheMs, instances })),
      ...sizes.otherBounds,
    ];
    for (const { routeGroupCacheMs: boundMs, instances } of runs) {
      const perSecond = sizes.routeQueriesPerSecond / instances;
      const meanGapMs = 1000 / perSecond;
      // One instance's cache and clock; its heartbeats stay fresh (the simulation spans far less than
      // the 120 s heartbeat timeout, checked below).
      const clock = new FakeClock(now);
      // The store as the cache sees it, counting the group items it has to read.
      let groupReads = 0;
      const store = new Proxy(r.store, {
        get(target, property, receiver) {
          if (property === "getGroups") {
            return (names: readonly string[]) => {
              groupReads += names.length;
              return target.getGroups(names);
            };
          }
          const value = Reflect.get(target, property, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as RegistryStore;
      const server = cachedNameServer(r, boundMs, { now: clock.now, store });
      const step = () => clock.advance(-Math.log(1 - rand()) * meanGapMs);
      const warmUntil = now + 3 * boundMs;
      while (clock.now() < warmUntil) {
        await server.getRouteInfoByTopic(pickTopic());
        step();
      }
      const start = clock.now();
      groupReads = 0;
      getItemMs.length = 0;
      let requests = 0;
      let rcu = 0;
      let hits = 0;
      const ms: number[] = [];
      for (let i = 0; i < sizes.queries; i++) {
        const q = await query((t) => server.getRouteInfoByTopic(t));
        requests += q.requests;
        rcu += q.rcu;
        if (q.requests === 1) hits++;
        ms.push(q.ms);
        step();
      }
      const simulatedSeconds = (clock.now() - start) / 1000;
      const getItemP50 = floor();
      if (clock.now() - now > 100_000) {
        throw new Error(
          `the ${instances}-instance simulation spans ${round((clock.now() - now) / 1000, 0)} s: fewer queries, or heartbeats`,
        );
      }
      points.push({
        routeGroupCacheMs: boundMs,
        instances,
        queriesPerInstanceSecond: round(perSecond, 1),
        queries: sizes.queries,
        simulatedSeconds: round(simulatedSeconds, 1),
        hitRate: round(hits / sizes.queries, 3),
        groupHitRate: round(1 - groupReads / (sizes.queries * sizes.groupsPerTopic), 3),
        requestsPerQuery: round(requests / sizes.queries, 3),
        rcuPerQuery: round(rcu / sizes.queries, 3),
        p50Ms: round(percentile(ms, 50)),
        p99Ms: round(percentile(ms, 99)),
        getItemP50Ms: round(getItemP50),
        ratio: round(percentile(ms, 50) / getItemP50),
      });
    }
    return {
      routeGroupCacheMs,
      groups: sizes.groups,
      topics: sizes.topics,
      groupsPerTopic: sizes.groupsPerTopic,
      routeQueriesPerSecond: round(sizes.routeQueriesPerSecond, 1),
      uncached: {
        requestsPerQuery: round(uncached.requests / sizes.queries, 3),
        rcuPerQuery: round(uncached.rcu / sizes.queries, 3),
        p50Ms: round(percentile(uncached.ms, 50)),
        p99Ms: round(percentile(uncached.ms, 99)),
        getItemP50Ms: round(uncachedFloor),
        ratio: round(percentile(uncached.ms, 50) / uncachedFloor),
      },
      points,
    };
  } finally {
    await r.table.drop();
  }
}
