/**
 * How the hot paths scale with the registry's size: the table grows stage by stage (10 → 100 → 1,000
 * groups, 100 topics each: 1k → 10k → 100k topics), and at each stage the same broker's steady heartbeat
 * and the same topic's route query (a topic on 2 groups; group cache off, and on as a warm Lambda
 * instance of the stack has it) are measured, interleaved with a raw GetItem (the floor, which shows
 * what DynamoDB Local itself does as its table grows). Cluster info and the topic list, which read
 * every group by design, are measured on the same tables.
 */

import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../../lib/concurrency";
import {
  type BenchContext,
  brokerAddr,
  brokerRegistration,
  cachedNameServer,
  createBenchRegistry,
  measureOperation,
  type OperationFigure,
  percentile,
  ROUTE_GROUP_CACHE_MS,
  rawUpdate,
  round,
  timed,
  topicTable,
} from "../harness";

export interface ScalingSizes {
  /** Groups at each stage (cumulative). */
  stages: number[];
  topicsPerGroup: number;
  /** Runs of the heartbeat and the route query at each stage. */
  runs: number;
  /** Runs of cluster info at each stage and of the topic list at the last stage. */
  listRuns: number;
  /** Parallel registrations while populating. */
  populateConcurrency: number;
  /** The route group cache's bound for the cache-on route (the stack's ROUTE_GROUP_CACHE_MS). */
  routeGroupCacheMs: number;
}

export const FULL_SCALING_SIZES: ScalingSizes = {
  stages: [10, 100, 1_000],
  topicsPerGroup: 100,
  runs: 150,
  listRuns: 5,
  populateConcurrency: 16,
  routeGroupCacheMs: ROUTE_GROUP_CACHE_MS,
};

export interface HotPathFigure {
  requests: number;
  rcu: number;
  wcu: number;
  p50Ms: number;
  p99Ms: number;
}

export interface ScalingPoint {
  groups: number;
  topics: number;
  /** Seconds it took to register this stage's new groups (parallel registrations). */
  populateSeconds: number;
  steadyHeartbeat: HotPathFigure;
  /** Group cache off. */
  route: HotPathFigure;
  /** Group cache on, warm. */
  routeCached: HotPathFigure;
  getItemP50Ms: number;
  /** Route query p50 ÷ GetItem p50 at this size (cache off). */
  routeRatio: number;
  /** The same with the cache on. */
  routeCachedRatio: number;
  /** A raw UpdateItem of a small item at this size: the write floor. */
  updateItemP50Ms: number;
  /** Steady heartbeat p50 ÷ UpdateItem p50 at this size. */
  heartbeatRatio: number;
  clusterInfo: HotPathFigure;
}

export interface ScalingResults {
  points: ScalingPoint[];
  /** Cluster info at each stage, and the topic list at the last one, as per-operation figures. */
  operations: OperationFigure[];
}

export const PROBE_TOPIC = "ScaleProbe";

export async function runScaling(ctx: BenchContext, sizes: ScalingSizes): Promise<ScalingResults> {
  const r = await createBenchRegistry(ctx, "scale");
  // The registry's clock does not move: once read, both groups stay cached (a warm instance).
  const cached = cachedNameServer(r, sizes.routeGroupCacheMs);
  const points: ScalingPoint[] = [];
  const operations: OperationFigure[] = [];
  try {
    const registrationOf = (i: number) => {
      const topicConfigTable = topicTable(sizes.topicsPerGroup, `S${i}`);
      if (i < 2)
        topicConfigTable[PROBE_TOPIC] = {
          readQueueNums: 8,
          writeQueueNums: 8,
          perm: 6,
          topicSysFlag: 0,
          order: false,
        };
      return brokerRegistration({
        brokerName: `scale-${i}`,
        brokerAddr: brokerAddr(10_000 + i),
        topicConfigTable,
      });
    };
    const probe = registrationOf(0);
    const getItem = () =>
      r.table.client.send(
        new GetCommand({ TableName: r.table.tableName, Key: { pk: "GROUPS", sk: "GROUP#scale-1" } }),
      );
    const updateItem = rawUpdate(r);

    let registered = 0;
    for (const groups of sizes.stages) {
      const started = Date.now();
      const added = Array.from({ length: groups - registered }, (_, k) => registered + k);
      ctx.log(
        `  stage: ${groups} groups, ${(groups * sizes.topicsPerGroup).toLocaleString("en-US")} topics (adding ${added.length} groups)`,
      );
      await mapLimit(added, sizes.populateConcurrency, async (i) => {
        await r.nameServer.registerBroker(registrationOf(i));
      });
      registered = groups;
      const populateSeconds = round((Date.now() - started) / 1000, 1);
      // Warm the connections and DynamoDB Local's caches at this size.
      for (let i = 0; i < 10; i++) {
        await getItem();
        await updateItem();
        await r.nameServer.registerBroker(probe);
        await r.nameServer.getRouteInfoByTopic(PROBE_TOPIC);
        await cached.getRouteInfoByTopic(PROBE_TOPIC);
      }

      const heartbeatMs: number[] = [];
      const routeMs: number[] = [];
      const cachedMs: number[] = [];
      const getItemMs: number[] = [];
      const updateItemMs: number[] = [];
      for (let run = 0; run < sizes.runs; run++) {
        getItemMs.push((await timed(getItem)).ms);
        updateItemMs.push((await timed(updateItem)).ms);
        heartbeatMs.push((await timed(() => r.nameServer.registerBroker(probe))).ms);
        routeMs.push((await timed(() => r.nameServer.getRouteInfoByTopic(PROBE_TOPIC))).ms);
        cachedMs.push((await timed(() => cached.getRouteInfoByTopic(PROBE_TOPIC))).ms);
      }
      const counted = async (action: () => Promise<unknown>) => {
        r.capacity.reset();
        await action();
        return r.capacity.count();
      };
      const hb = await counted(async () => {
        const outcome = await r.nameServer.registerBroker(probe);
        if (outcome.kind !== "steady") throw new Error(`expected a steady heartbeat, got ${outcome.kind}`);
      });
      const route = await counted(() => r.nameServer.getRouteInfoByTopic(PROBE_TOPIC));
      const routeCached = await counted(() => cached.getRouteInfoByTopic(PROBE_TOPIC));
      const cluster = await measureOperation(r, {
        id: `cluster.${groups}`,
        label: `cluster info, ${groups.toLocaleString("en-US")} groups`,
        runs: sizes.listRuns,
        warmup: 1,
        action: () => r.nameServer.getBrokerClusterInfo(),
      });
      operations.push(cluster);
      const getItemP50 = percentile(getItemMs, 50);
      const updateItemP50 = percentile(updateItemMs, 50);
      points.push({
        groups,
        topics: groups * sizes.topicsPerGroup + 1,
        populateSeconds,
        steadyHeartbeat: {
          requests: hb.requests,
          rcu: hb.rcu,
          wcu: hb.wcu,
          p50Ms: round(percentile(heartbeatMs, 50)),
          p99Ms: round(percentile(heartbeatMs, 99)),
        },
        route: {
          requests: route.requests,
          rcu: route.rcu,
          wcu: route.wcu,
          p50Ms: round(percentile(routeMs, 50)),
          p99Ms: round(percentile(routeMs, 99)),
        },
        routeCached: {
          requests: routeCached.requests,
          rcu: routeCached.rcu,
          wcu: routeCached.wcu,
          p50Ms: round(percentile(cachedMs, 50)),
          p99Ms: round(percentile(cachedMs, 99)),
        },
        getItemP50Ms: round(getItemP50),
        routeRatio: round(percentile(routeMs, 50) / getItemP50),
        routeCachedRatio: round(percentile(cachedMs, 50) / getItemP50),
        updateItemP50Ms: round(updateItemP50),
        heartbeatRatio: round(percentile(heartbeatMs, 50) / updateItemP50),
        clusterInfo: {
          requests: cluster.requests,
          rcu: cluster.rcu,
          wcu: cluster.wcu,
          p50Ms: cluster.p50Ms,
          p99Ms: cluster.p99Ms,
        },
      });
    }

    const topics = registered * sizes.topicsPerGroup + 1;
    ctx.log(`  topic list over ${topics.toLocaleString("en-US")} topics`);
    operations.push(
      await measureOperation(r, {
        id: `topics.list.${topics}`,
        label: `topic list, ${topics.toLocaleString("en-US")} topics on ${registered.toLocaleString("en-US")} groups`,
        runs: sizes.listRuns,
        action: async () => {
          const list = await r.nameServer.getAllTopicList();
          if (list.length !== topics)
            throw new Error(`topic list has ${list.length} topics, expected ${topics}`);
        },
      }),
    );
    return { points, operations };
  } finally {
    await r.table.drop();
  }
}
