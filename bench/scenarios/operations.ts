/**
 * Per-operation figures through the NameServer use cases over DynamoDB Local: DynamoDB requests and
 * consumed RCU/WCU (the store's recorder) and latency over repeated runs. Also the latency floor (one
 * raw GetItem on the same DynamoDB Local, interleaved with the route queries so that noise hits both
 * alike), and the route query both ways: group cache off (every group read on every query) and on (the
 * stack's bound, warm: what a Lambda instance answering many queries does), plus the cache's hit rate
 * over a fleet (bench/scenarios/route-cache.ts).
 */

import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mapLimit } from "../../lib/concurrency";
import { FLEET } from "../cost";
import {
  type BenchContext,
  type BenchRegistry,
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
  writeGroupDirect,
} from "../harness";
import {
  FULL_ROUTE_CACHE_SIZES,
  type RouteCacheResults,
  type RouteCacheSizes,
  runRouteCacheFleet,
} from "./route-cache";

export interface OperationSizes {
  /** Runs of the cheap operations (heartbeats, route queries). */
  runs: number;
  /** First registrations: topics per broker and runs of each. */
  registrations: Array<{ topics: number; runs: number }>;
  /** Topics of the broker that re-registers with a changed dataVersion. */
  reRegistrationTopics: number;
  reRegistrationRuns: number;
  /** Route queries for a topic on this many groups. */
  routeGroups: number[];
  /** Sweep: instances (half masters, half slaves), the dead share, topics per group, runs. */
  sweepInstances: number;
  sweepDeadShare: number;
  sweepTopicsPerGroup: number;
  sweepRuns: number;
  /** Instances of the fleet whose every-30-s sweep the cost estimate prices (nothing to expire). */
  fleetInstances: number;
  /** The route group cache's bound for the cache-on figures (the stack's ROUTE_GROUP_CACHE_MS). */
  routeGroupCacheMs: number;
  /** The cache's hit rate over a fleet of route queries spread on Lambda instances. */
  routeCache: RouteCacheSizes;
}

export const FULL_OPERATION_SIZES: OperationSizes = {
  runs: 200,
  registrations: [
    { topics: 10, runs: 20 },
    { topics: 1_000, runs: 5 },
    { topics: 10_000, runs: 3 },
  ],
  reRegistrationTopics: 1_000,
  reRegistrationRuns: 5,
  routeGroups: [1, 10, 50],
  sweepInstances: 1_000,
  sweepDeadShare: 0.1,
  sweepTopicsPerGroup: 10,
  sweepRuns: 3,
  fleetInstances: FLEET.brokerInstances,
  routeGroupCacheMs: ROUTE_GROUP_CACHE_MS,
  routeCache: FULL_ROUTE_CACHE_SIZES,
};

export interface RouteFloor {
  /** One raw GetItem (eventually consistent, a group item) on the same DynamoDB Local. */
  getItemP50Ms: number;
  getItemP99Ms: number;
  /** The group cache's bound of the cache-on figures (ms). */
  routeGroupCacheMs: number;
  /** Per number of groups the topic is on; every p50 from the same interleaved rounds. */
  ratios: Array<{
    groups: number;
    /** Group cache off: the topic's Query, then the BatchGet of its groups. */
    routeP50Ms: number;
    routeP99Ms: number;
    /** route p50 ÷ GetItem p50. */
    ratio: number;
    /** The design's own floor: the same Query and BatchGet sent raw, one after the other (p50 of their sum). */
    rawPairP50Ms: number;
    /** route p50 ÷ rawPair p50: what the code adds over its two requests. */
    overRawPair: number;
    /** Group cache on, warm: the topic's Query only. */
    cachedP50Ms: number;
    cachedP99Ms: number;
    /** cached p50 ÷ GetItem p50. */
    cachedRatio: number;
    /** The same topic Query sent raw: the floor of a warm cached query. */
    rawQueryP50Ms: number;
    /** cached p50 ÷ raw Query p50. */
    cachedOverRawQuery: number;
  }>;
}

export interface WriteFloor {
  /** One raw UpdateItem of a small item on the same DynamoDB Local, interleaved with the heartbeats. */
  updateItemP50Ms: number;
  updateItemP99Ms: number;
  /** Heartbeat p50 ÷ UpdateItem p50. */
  steadyRatio: number;
  lightRatio: number;
}

export interface OperationResults {
  operations: OperationFigure[];
  floor: RouteFloor;
  writeFloor: WriteFloor;
  routeCache: RouteCacheResults;
}

const TIMEOUT_MS = 120_000;

export async function runOperations(ctx: BenchContext, sizes: OperationSizes): Promise<OperationResults> {
  const operations: OperationFigure[] = [];
  const registry = await createBenchRegistry(ctx, "ops");
  try {
    const hb = await heartbeats(ctx, registry, sizes);
    operations.push(...hb.operations);
    operations.push(...(await registrations(ctx, registry, sizes)));
    const route = await routeQueries(ctx, registry, sizes);
    operations.push(...route.operations);
    const routeCache = await runRouteCacheFleet(ctx, sizes.routeCache, sizes.routeGroupCacheMs);
    operations.push(await idleSweep(ctx, sizes));
    operations.push(...(await sweeps(ctx, sizes)));
    return { operations, floor: route.floor, writeFloor: hb.writeFloor, routeCache };
  } finally {
    await registry.table.drop();
  }
}

/** Steady and light heartbeat of a master whose group also has a slave and 1,000 topics. */
async function heartbeats(
  ctx: BenchContext,
  r: BenchRegistry,
  sizes: OperationSizes,
): Promise<{ operations: OperationFigure[]; writeFloor: WriteFloor }> {
  ctx.log("  heartbeats and the UpdateItem floor");
  const brokerName = "hb-group";
  const master = brokerRegistration({ brokerName, topicConfigTable: topicTable(1_000, brokerName) });
  const slave = brokerRegistration({
    brokerName,
    brokerId: 1,
    brokerAddr: brokerAddr(2),
    haServerAddr: brokerAddr(2, 10912),
  });
  await r.nameServer.registerBroker(master);
  await r.nameServer.registerBroker(slave);
  // The slave's join bumps the topology: each member's next full heartbeat is applied once.
  await r.nameServer.registerBroker(master);
  await r.nameServer.registerBroker(slave);
  const lightRequest = { ...master, topicConfigTable: undefined };
  const steady = async () => {
    const outcome = await r.nameServer.registerBroker(master);
    if (outcome.kind !== "steady") throw new Error(`expected a steady heartbeat, got ${outcome.kind}`);
  };
  const light = async () => {
    const outcome = await r.nameServer.registerBroker(lightRequest);
    if (outcome.kind !== "light") throw new Error(`expected a light heartbeat, got ${outcome.kind}`);
  };
  // BROKER_HEARTBEAT (by address only) and QUERY_DATA_VERSION: what an acting-master broker sends.
  const touch = async () => {
    await r.nameServer.touchBroker({
      clusterName: slave.clusterName,
      brokerName,
      brokerAddr: slave.brokerAddr,
    });
  };
  const dataVersion = async () => {
    const answer = await r.nameServer.queryDataVersion({
      clusterName: master.clusterName,
      brokerName,
      brokerId: 0,
      brokerAddr: master.brokerAddr,
      dataVersion: master.dataVersion,
    });
    if (answer.changed) throw new Error("expected an unchanged dataVersion");
  };
  const floor = rawUpdate(r);
  for (let i = 0; i < 10; i++) {
    await floor();
    await steady();
    await light();
    await touch();
    await dataVersion();
  }
  const samples = {
    floor: [] as number[],
    steady: [] as number[],
    light: [] as number[],
    touch: [] as number[],
    dataVersion: [] as number[],
  };
  for (let run = 0; run < sizes.runs; run++) {
    samples.floor.push((await timed(floor)).ms);
    samples.steady.push((await timed(steady)).ms);
    samples.light.push((await timed(light)).ms);
    samples.touch.push((await timed(touch)).ms);
    samples.dataVersion.push((await timed(dataVersion)).ms);
  }
  const withLatency = async (
    id: string,
    label: string,
    action: () => Promise<void>,
    latencies: number[],
  ) => ({
    ...(await measureOperation(r, { id, label, runs: 3, action })),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    runs: latencies.length,
  });
  const floorP50 = percentile(samples.floor, 50);
  return {
    operations: [
      await withLatency(
        "heartbeat.steady",
        "steady heartbeat (master, 1,000 topics, group of 2)",
        steady,
        samples.steady,
      ),
      await withLatency("heartbeat.light", "light heartbeat (no topicConfigTable)", light, samples.light),
      await withLatency(
        "heartbeat.touch",
        "broker touch (BROKER_HEARTBEAT, by address)",
        touch,
        samples.touch,
      ),
      await withLatency(
        "heartbeat.dataVersion",
        "data-version query (QUERY_DATA_VERSION)",
        dataVersion,
        samples.dataVersion,
      ),
    ],
    writeFloor: {
      updateItemP50Ms: round(floorP50),
      updateItemP99Ms: round(percentile(samples.floor, 99)),
      steadyRatio: round(percentile(samples.steady, 50) / floorP50),
      lightRatio: round(percentile(samples.light, 50) / floorP50),
    },
  };
}

async function registrations(
  ctx: BenchContext,
  r: BenchRegistry,
  sizes: OperationSizes,
): Promise<OperationFigure[]> {
  const figures: OperationFigure[] = [];
  for (const { topics, runs } of sizes.registrations) {
    ctx.log(`  first registration, ${topics} topics × ${runs}`);
    const tables = Array.from({ length: runs }, (_, run) => topicTable(topics, `reg${topics}-${run}`));
    figures.push(
      await measureOperation(r, {
        id: `registration.first.${topics}`,
        label: `first registration, ${topics.toLocaleString("en-US")} topics`,
        runs,
        action: async (run) => {
          const outcome = await r.nameServer.registerBroker(
            brokerRegistration({
              brokerName: `reg-${topics}-${run}`,
              brokerAddr: brokerAddr(1000 + run),
              topicConfigTable: tables[run],
            }),
          );
          if (outcome.kind !== "full") throw new Error("expected a full registration");
        },
      }),
    );
  }

  const topics = sizes.reRegistrationTopics;
  ctx.log(`  re-registration with a changed dataVersion, ${topics} topics`);
  const base = brokerRegistration({
    brokerName: "rereg",
    brokerAddr: brokerAddr(900),
    topicConfigTable: topicTable(topics, "rereg"),
  });
  await r.nameServer.registerBroker(base);
  figures.push(
    await measureOperation(r, {
      id: `registration.changed.${topics}`,
      label: `re-registration, changed dataVersion, ${topics.toLocaleString("en-US")} topics`,
      runs: sizes.reRegistrationRuns,
      action: async (run) => {
        const outcome = await r.nameServer.registerBroker({
          ...base,
          dataVersion: { ...base.dataVersion, counter: base.dataVersion.counter + run + 1 },
        });
        if (outcome.kind !== "full") throw new Error("expected a full registration");
      },
    }),
  );
  return figures;
}

async function routeQueries(
  ctx: BenchContext,
  r: BenchRegistry,
  sizes: OperationSizes,
): Promise<{ operations: OperationFigure[]; floor: RouteFloor }> {
  const maxGroups = Math.max(...sizes.routeGroups);
  const cacheMs = sizes.routeGroupCacheMs;
  ctx.log(
    `  route queries (topics on ${sizes.routeGroups.join(" / ")} groups), group cache off and on (${cacheMs} ms, warm), and the GetItem floor`,
  );
  await mapLimit(
    Array.from({ length: maxGroups }, (_, i) => i),
    8,
    async (i) => {
      const topicConfigTable = topicTable(5, `route-${i}`);
      for (const n of sizes.routeGroups) {
        if (i < n)
          topicConfigTable[`Route-${n}`] = {
            readQueueNums: 8,
            writeQueueNums: 8,
            perm: 6,
            topicSysFlag: 0,
            order: false,
          };
      }
      await r.nameServer.registerBroker(
        brokerRegistration({ brokerName: `route-${i}`, brokerAddr: brokerAddr(2000 + i), topicConfigTable }),
      );
    },
  );

  const getItem = () =>
    r.table.client.send(
      new GetCommand({ TableName: r.table.tableName, Key: { pk: "GROUPS", sk: "GROUP#route-0" } }),
    );
  const groupKeys = (n: number) => [
    { pk: "GROUPS", sk: "SWEEPER" },
    ...Array.from({ length: n }, (_, i) => ({ pk: "GROUPS", sk: `GROUP#route-${i}` })),
  ];
  const rawQuery = (n: number) =>
    r.table.client.send(
      new QueryCommand({
        TableName: r.table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `TOPIC#Route-${n}` },
      }),
    );
  const rawPair = async (n: number) => {
    await rawQuery(n);
    await r.table.client.send(
      new BatchGetCommand({ RequestItems: { [r.table.tableName]: { Keys: groupKeys(n) } } }),
    );
  };
  // The registry's clock does not move here: once read, every group stays in the cache (warm).
  const cached = cachedNameServer(r, cacheMs);
  const off = (n: number) => r.nameServer.getRouteInfoByTopic(`Route-${n}`);
  const on = (n: number) => cached.getRouteInfoByTopic(`Route-${n}`);
  for (let i = 0; i < 20; i++) {
    await getItem();
    for (const n of sizes.routeGroups) {
      await rawPair(n);
      await rawQuery(n);
      await off(n);
      await on(n);
    }
  }

  // Interleaved: one GetItem, then for each topic the raw pair, the raw Query and the route query with
  // the cache off and on, round after round, so that a busy moment of the machine hits them all.
  const getItemMs: number[] = [];
  const series = () => new Map<number, number[]>(sizes.routeGroups.map((n) => [n, []]));
  const offMs = series();
  const onMs = series();
  const rawPairMs = series();
  const rawQueryMs = series();
  for (let run = 0; run < sizes.runs; run++) {
    getItemMs.push((await timed(getItem)).ms);
    for (const n of sizes.routeGroups) {
      rawPairMs.get(n)?.push((await timed(() => rawPair(n))).ms);
      rawQueryMs.get(n)?.push((await timed(() => rawQuery(n))).ms);
      offMs.get(n)?.push((await timed(() => off(n))).ms);
      onMs.get(n)?.push((await timed(() => on(n))).ms);
    }
  }
  const getItemP50 = percentile(getItemMs, 50);
  const p50 = (m: Map<number, number[]>, n: number) => percentile(m.get(n) ?? [], 50);
  const p99 = (m: Map<number, number[]>, n: number) => percentile(m.get(n) ?? [], 99);

  const operations: OperationFigure[] = [];
  const plural = (n: number) => `${n} group${n === 1 ? "" : "s"}`;
  for (const n of sizes.routeGroups) {
    // Counts from one more run each (the timed runs above interleave several operations).
    const counted = await measureOperation(r, {
      id: `route.${n}`,
      label: `route query, topic on ${plural(n)}, group cache off`,
      runs: 3,
      action: () => off(n),
    });
    operations.push({
      ...counted,
      p50Ms: round(p50(offMs, n)),
      p99Ms: round(p99(offMs, n)),
      runs: sizes.runs,
    });
    const countedOn = await measureOperation(r, {
      id: `route.cached.${n}`,
      label: `route query, topic on ${plural(n)}, group cache on (${cacheMs.toLocaleString("en-US")} ms, warm)`,
      runs: 3,
      action: () => on(n),
    });
    operations.push({
      ...countedOn,
      p50Ms: round(p50(onMs, n)),
      p99Ms: round(p99(onMs, n)),
      runs: sizes.runs,
    });
  }

  const floor: RouteFloor = {
    getItemP50Ms: round(getItemP50),
    getItemP99Ms: round(percentile(getItemMs, 99)),
    routeGroupCacheMs: cacheMs,
    ratios: sizes.routeGroups.map((n) => ({
      groups: n,
      routeP50Ms: round(p50(offMs, n)),
      routeP99Ms: round(p99(offMs, n)),
      ratio: round(p50(offMs, n) / getItemP50),
      rawPairP50Ms: round(p50(rawPairMs, n)),
      overRawPair: round(p50(offMs, n) / p50(rawPairMs, n)),
      cachedP50Ms: round(p50(onMs, n)),
      cachedP99Ms: round(p99(onMs, n)),
      cachedRatio: round(p50(onMs, n) / getItemP50),
      rawQueryP50Ms: round(p50(rawQueryMs, n)),
      cachedOverRawQuery: round(p50(onMs, n) / p50(rawQueryMs, n)),
    })),
  };
  return { operations, floor };
}

/**
 * One sweep over `sweepInstances` instances (groups of a master and a slave, `sweepTopicsPerGroup`
 * topics each) of which `sweepDeadShare` are dead: half of the dead are whole groups (the cascade
 * removes their queue data), half are slaves of groups that stay. Each run uses a fresh table; the
 * clock ages the dead instances instantly.
 */
async function sweeps(ctx: BenchContext, sizes: OperationSizes): Promise<OperationFigure[]> {
  const groupCount = Math.floor(sizes.sweepInstances / 2);
  const dead = Math.round(sizes.sweepInstances * sizes.sweepDeadShare);
  const deadGroups = Math.floor(dead / 4);
  const deadSlaves = dead - 2 * deadGroups;
  ctx.log(
    `  sweep over ${groupCount * 2} instances, ${dead} dead (${deadGroups} whole groups, ${deadSlaves} slaves) × ${sizes.sweepRuns}`,
  );

  const latencies: number[] = [];
  const requestCounts = new Set<number>();
  let figure: OperationFigure | undefined;
  for (let run = 0; run < sizes.sweepRuns; run++) {
    const r = await createBenchRegistry(ctx, "sweep");
    try {
      const now = r.clock.now();
      const deadAt = now - TIMEOUT_MS - 1_000;
      // Whole dead groups first, then groups whose slave is dead, then healthy groups.
      await mapLimit(
        Array.from({ length: groupCount }, (_, g) => g),
        16,
        (g) =>
          writeGroupDirect(r.store, {
            brokerName: `sw-${g}`,
            epoch: `epoch-${g}`,
            members: [
              {
                brokerId: 0,
                brokerAddr: brokerAddr(2 * g),
                lastUpdateTimestamp: g < deadGroups ? deadAt : now,
              },
              {
                brokerId: 1,
                brokerAddr: brokerAddr(2 * g + 1),
                lastUpdateTimestamp: g < deadGroups + deadSlaves ? deadAt : now,
              },
            ],
            topics: Object.keys(topicTable(sizes.sweepTopicsPerGroup, `sw-${g}`)),
          }),
      );
      r.capacity.reset();
      const { ms, value: report } = await timed(() => r.nameServer.sweep());
      if (report.expiredInstances !== dead) {
        throw new Error(`sweep expired ${report.expiredInstances} instances, expected ${dead}`);
      }
      latencies.push(ms);
      const totals = r.capacity.count();
      requestCounts.add(totals.requests);
      if (figure === undefined || totals.requests > figure.requests) {
        figure = {
          id: `sweep.${groupCount * 2}`,
          label: `sweep, ${(groupCount * 2).toLocaleString("en-US")} instances, ${dead} dead`,
          requests: totals.requests,
          rcu: totals.rcu,
          wcu: totals.wcu,
          byOperation: totals.byOperation,
          requestsVaried: false,
          p50Ms: 0,
          p99Ms: 0,
          runs: 0,
          note: `${deadGroups} groups removed with ${sizes.sweepTopicsPerGroup} topics each; ${deadSlaves} slaves removed`,
        };
      }
    } finally {
      await r.table.drop();
    }
  }
  if (figure === undefined) return [];
  return [
    {
      ...figure,
      requestsVaried: requestCounts.size > 1,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      runs: latencies.length,
    },
  ];
}

/** The sweep that runs every 30 s in a healthy fleet: groups of a master and a slave, nobody dead. */
async function idleSweep(ctx: BenchContext, sizes: OperationSizes): Promise<OperationFigure> {
  const groupCount = Math.ceil(sizes.fleetInstances / 2);
  ctx.log(`  sweep over a healthy fleet of ${groupCount * 2} instances`);
  const r = await createBenchRegistry(ctx, "idle-sweep");
  try {
    await mapLimit(
      Array.from({ length: groupCount }, (_, g) => g),
      16,
      async (g) => {
        const topicConfigTable = topicTable(sizes.sweepTopicsPerGroup, `fleet-${g}`);
        await r.nameServer.registerBroker(
          brokerRegistration({ brokerName: `fleet-${g}`, brokerAddr: brokerAddr(2 * g), topicConfigTable }),
        );
        await r.nameServer.registerBroker(
          brokerRegistration({
            brokerName: `fleet-${g}`,
            brokerId: 1,
            brokerAddr: brokerAddr(2 * g + 1),
            topicConfigTable,
          }),
        );
      },
    );
    return await measureOperation(r, {
      id: `sweep.idle.${groupCount * 2}`,
      label: `sweep, ${groupCount * 2} instances, none dead (the fleet's every-30-s sweep)`,
      runs: Math.max(3, Math.floor(sizes.runs / 10)),
      warmup: 1,
      action: async () => {
        const report = await r.nameServer.sweep();
        if (report.expiredInstances !== 0) throw new Error("the healthy fleet lost instances");
      },
    });
  } finally {
    await r.table.drop();
  }
}
