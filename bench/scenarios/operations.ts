/**
 * Per-operation figures through the NameServer use cases over DynamoDB Local: DynamoDB requests and
 * consumed RCU/WCU (the store's recorder) and latency over repeated runs. Also the latency floor (one
 * raw GetItem on the same DynamoDB Local, interleaved with the route queries so that noise hits both
 * alike) and the prototype of the parallel route read (bench/route-probe.ts).
 */
import { BatchGetCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { FLEET } from "../cost";
import {
  type BenchContext,
  type BenchRegistry,
  brokerAddr,
  brokerRegistration,
  createBenchRegistry,
  inParallel,
  measureOperation,
  type OperationFigure,
  percentile,
  rawUpdate,
  round,
  timed,
  topicTable,
  writeGroupDirect,
} from "../harness";
import { CachedGroupsRouteReader, SpeculativeRouteReader } from "../route-probe";

/** The staleness bound of the group-cache prototype (ms). */
const GROUP_CACHE_MS = 1_000;

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
};

export interface RouteFloor {
  /** One raw GetItem (eventually consistent, a group item) on the same DynamoDB Local. */
  getItemP50Ms: number;
  getItemP99Ms: number;
  /** Route query p50 ÷ GetItem p50, per number of groups the topic is on. */
  ratios: Array<{
    groups: number;
    routeP50Ms: number;
    ratio: number;
    /** The design's own floor: the same Query and BatchGet sent raw, one after the other (p50 of their sum). */
    rawPairP50Ms: number;
    /** route p50 ÷ rawPair p50: what the code adds over its two requests. */
    overRawPair: number;
    parallelP50Ms: number;
    parallelRatio: number;
    cachedP50Ms: number;
    cachedRatio: number;
  }>;
  /** The prototypes' figures: parallel read (requests stay 2 once the hint is warm), group cache (1 when warm). */
  parallel: OperationFigure[];
  cached: OperationFigure[];
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
    operations.push(await idleSweep(ctx, sizes));
    operations.push(...(await sweeps(ctx, sizes)));
    return { operations, floor: route.floor, writeFloor: hb.writeFloor };
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
  const floor = rawUpdate(r);
  for (let i = 0; i < 10; i++) {
    await floor();
    await steady();
    await light();
  }
  const samples = { floor: [] as number[], steady: [] as number[], light: [] as number[] };
  for (let run = 0; run < sizes.runs; run++) {
    samples.floor.push((await timed(floor)).ms);
    samples.steady.push((await timed(steady)).ms);
    samples.light.push((await timed(light)).ms);
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
  ctx.log(`  route queries (topics on ${sizes.routeGroups.join(" / ")} groups) and the GetItem floor`);
  await inParallel(
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
  const rawPair = async (n: number) => {
    await r.table.client.send(
      new QueryCommand({
        TableName: r.table.tableName,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": `TOPIC#Route-${n}` },
      }),
    );
    await r.table.client.send(
      new BatchGetCommand({ RequestItems: { [r.table.tableName]: { Keys: groupKeys(n) } } }),
    );
  };
  const speculative = new SpeculativeRouteReader(r.store, r.clock.now);
  const cachedReader = new CachedGroupsRouteReader(r.store, r.clock.now, GROUP_CACHE_MS);
  for (let i = 0; i < 20; i++) {
    for (const n of sizes.routeGroups) {
      await rawPair(n);
      await cachedReader.getRouteInfoByTopic(`Route-${n}`);
    }
    await getItem();
    for (const n of sizes.routeGroups) {
      await r.nameServer.getRouteInfoByTopic(`Route-${n}`);
      await speculative.getRouteInfoByTopic(`Route-${n}`);
    }
  }

  // Interleaved: one GetItem, then each route query once, round after round.
  const getItemMs: number[] = [];
  const routeMs = new Map<number, number[]>(sizes.routeGroups.map((n) => [n, []]));
  const parallelMs = new Map<number, number[]>(sizes.routeGroups.map((n) => [n, []]));
  const rawPairMs = new Map<number, number[]>(sizes.routeGroups.map((n) => [n, []]));
  const cachedMs = new Map<number, number[]>(sizes.routeGroups.map((n) => [n, []]));
  for (let run = 0; run < sizes.runs; run++) {
    getItemMs.push((await timed(getItem)).ms);
    for (const n of sizes.routeGroups) {
      rawPairMs.get(n)?.push((await timed(() => rawPair(n))).ms);
      routeMs.get(n)?.push((await timed(() => r.nameServer.getRouteInfoByTopic(`Route-${n}`))).ms);
      parallelMs.get(n)?.push((await timed(() => speculative.getRouteInfoByTopic(`Route-${n}`))).ms);
      cachedMs.get(n)?.push((await timed(() => cachedReader.getRouteInfoByTopic(`Route-${n}`))).ms);
    }
  }
  const getItemP50 = percentile(getItemMs, 50);

  const operations: OperationFigure[] = [];
  const parallel: OperationFigure[] = [];
  const cached: OperationFigure[] = [];
  for (const n of sizes.routeGroups) {
    const samples = routeMs.get(n) ?? [];
    // Counts from one more run each (the timed runs above interleave several operations).
    const counted = await measureOperation(r, {
      id: `route.${n}`,
      label: `route query, topic on ${n} group${n === 1 ? "" : "s"}`,
      runs: 3,
      action: () => r.nameServer.getRouteInfoByTopic(`Route-${n}`),
    });
    operations.push({
      ...counted,
      p50Ms: round(percentile(samples, 50)),
      p99Ms: round(percentile(samples, 99)),
      runs: samples.length,
    });
    const pSamples = parallelMs.get(n) ?? [];
    const pCounted = await measureOperation(r, {
      id: `route.parallel.${n}`,
      label: `route query, parallel-read prototype, ${n} group${n === 1 ? "" : "s"}`,
      runs: 3,
      action: () => speculative.getRouteInfoByTopic(`Route-${n}`),
    });
    parallel.push({
      ...pCounted,
      p50Ms: round(percentile(pSamples, 50)),
      p99Ms: round(percentile(pSamples, 99)),
      runs: pSamples.length,
    });
    const cSamples = cachedMs.get(n) ?? [];
    await cachedReader.getRouteInfoByTopic(`Route-${n}`);
    const cCounted = await measureOperation(r, {
      id: `route.cached.${n}`,
      label: `route query, group-cache prototype (≤${GROUP_CACHE_MS} ms), ${n} group${n === 1 ? "" : "s"}, warm`,
      runs: 3,
      action: () => cachedReader.getRouteInfoByTopic(`Route-${n}`),
    });
    cached.push({
      ...cCounted,
      p50Ms: round(percentile(cSamples, 50)),
      p99Ms: round(percentile(cSamples, 99)),
      runs: cSamples.length,
    });
  }

  const floor: RouteFloor = {
    getItemP50Ms: round(getItemP50),
    getItemP99Ms: round(percentile(getItemMs, 99)),
    ratios: sizes.routeGroups.map((n) => {
      const routeP50 = percentile(routeMs.get(n) ?? [], 50);
      const parallelP50 = percentile(parallelMs.get(n) ?? [], 50);
      const rawPairP50 = percentile(rawPairMs.get(n) ?? [], 50);
      const cachedP50 = percentile(cachedMs.get(n) ?? [], 50);
      return {
        groups: n,
        routeP50Ms: round(routeP50),
        ratio: round(routeP50 / getItemP50),
        rawPairP50Ms: round(rawPairP50),
        overRawPair: round(routeP50 / rawPairP50),
        parallelP50Ms: round(parallelP50),
        parallelRatio: round(parallelP50 / getItemP50),
        cachedP50Ms: round(cachedP50),
        cachedRatio: round(cachedP50 / getItemP50),
      };
    }),
    parallel,
    cached,
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
      await inParallel(
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
      const totals = r.capacity.totals();
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
    await inParallel(
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
