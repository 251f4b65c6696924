/**
 * The benchmark's code, run tiny (`npm run bench` runs it big): every scenario on the test run's
 * DynamoDB Local, the report, the chart and the cost arithmetic. Asserts what the bench counts
 * (DynamoDB requests, capacity units, answers), never how long anything took.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { scalingChart } from "../../bench/chart";
import { type CostInputs, estimateCost, FLEET, priceDeployment } from "../../bench/cost";
import type { BenchContext, OperationFigure } from "../../bench/harness";
import { type BenchResults, consoleReport, markdownReport } from "../../bench/report";
import { runBatch } from "../../bench/scenarios/batch";
import { runHttp } from "../../bench/scenarios/http";
import { partOf, runLambda } from "../../bench/scenarios/lambda";
import { type OperationResults, runOperations } from "../../bench/scenarios/operations";
import { runScaling, type ScalingResults } from "../../bench/scenarios/scaling";
import { readStackSettings } from "../../bench/stack-settings";
import { judgeTargets } from "../../bench/targets";
import { dynamodbEndpoint } from "../support/dynamodb";

const usdOf = (n: number) => Math.round(n * 100) / 100;
const ctx = (): BenchContext => ({ endpoint: dynamodbEndpoint(), log: () => undefined });
const byId = (figures: OperationFigure[], id: string): OperationFigure => {
  const figure = figures.find((f) => f.id === id);
  if (figure === undefined) throw new Error(`no figure ${id} among ${figures.map((f) => f.id).join(", ")}`);
  return figure;
};

let operations: OperationResults;
let scaling: ScalingResults;

describe("bench scenarios, tiny", () => {
  it("per-operation figures: the request counts of every hot and cold path", async () => {
    operations = await runOperations(ctx(), {
      runs: 2,
      registrations: [
        { topics: 10, runs: 1 },
        { topics: 30, runs: 1 },
      ],
      reRegistrationTopics: 30,
      reRegistrationRuns: 1,
      routeGroups: [1, 3],
      sweepInstances: 20,
      sweepDeadShare: 0.2,
      sweepTopicsPerGroup: 3,
      sweepRuns: 1,
      fleetInstances: 4,
      routeGroupCacheMs: 1000,
      routeCache: {
        instances: [2, 10],
        otherBounds: [{ routeGroupCacheMs: 2000, instances: 10 }],
        queries: 20,
        groups: 6,
        topics: 8,
        groupsPerTopic: 3,
        routeQueriesPerSecond: 40,
      },
    });
    const ops = operations.operations;

    expect(byId(ops, "heartbeat.steady")).toMatchObject({ requests: 1, rcu: 0, wcu: 1 });
    expect(byId(ops, "heartbeat.light")).toMatchObject({ requests: 1, rcu: 0, wcu: 1 });
    expect(byId(ops, "heartbeat.touch")).toMatchObject({ requests: 1, rcu: 0, wcu: 1 });
    expect(byId(ops, "heartbeat.dataVersion")).toMatchObject({ requests: 1, rcu: 0, wcu: 1 });
    // Failed touch, the groups limit (sweeper state), CreateGroup, stale-queue-data check, BatchWrite
    // per 25 topics, digest, the history entry.
    expect(byId(ops, "registration.first.10").requests).toBe(7);
    expect(byId(ops, "registration.first.30").requests).toBe(8);
    expect(byId(ops, "registration.first.10").byOperation.AppendHistory?.requests).toBe(1);
    expect(byId(ops, "registration.first.10").byOperation.GetSweeperState?.requests).toBe(1);
    // Every topic is written twice: the item and its gsi1 entry.
    expect(byId(ops, "registration.first.30").wcu).toBeGreaterThanOrEqual(60);
    expect(byId(ops, "registration.changed.30").byOperation.PutQueueData?.requests).toBe(2);
    // Group cache off: the topic's Query and the BatchGet of its groups, on every query.
    expect(byId(ops, "route.1")).toMatchObject({ requests: 2, wcu: 0 });
    expect(byId(ops, "route.3").requests).toBe(2);
    expect(byId(ops, "route.3").byOperation).toEqual({
      GetTopic: expect.objectContaining({ requests: 1 }),
      GetGroups: expect.objectContaining({ requests: 1 }),
    });
    // Group cache on, warm: the topic's Query alone, whatever the number of groups.
    for (const n of [1, 3]) {
      expect(byId(ops, `route.cached.${n}`)).toMatchObject({ requests: 1, wcu: 0, requestsVaried: false });
      expect(byId(ops, `route.cached.${n}`).byOperation).toEqual({
        GetTopic: expect.objectContaining({ requests: 1 }),
      });
      expect(byId(ops, `route.cached.${n}`).rcu).toBeLessThan(byId(ops, `route.${n}`).rcu);
    }
    expect(operations.floor.ratios.map((r) => r.groups)).toEqual([1, 3]);
    expect(operations.floor.routeGroupCacheMs).toBe(1000);
    expect(operations.floor.ratios.every((r) => r.cachedRatio > 0 && r.ratio > 0)).toBe(true);
    // Over a fleet: a miss is the Query and one BatchGet, a hit the Query alone.
    const fleet = operations.routeCache;
    expect(fleet.uncached.requestsPerQuery).toBe(2);
    expect(fleet.points.map((p) => [p.instances, p.routeGroupCacheMs])).toEqual([
      [2, 1000],
      [10, 1000],
      [10, 2000],
    ]);
    for (const point of fleet.points) {
      expect(point.queries).toBe(20);
      expect(point.requestsPerQuery).toBeCloseTo(2 - point.hitRate, 5);
      // A hit takes all its groups from the cache, and a miss reads only the stale ones.
      expect(point.groupHitRate).toBeGreaterThanOrEqual(point.hitRate);
      expect(point.getItemP50Ms).toBeGreaterThan(0);
      expect(point.rcuPerQuery).toBeLessThan(fleet.uncached.rcuPerQuery);
    }
    expect(byId(ops, "sweep.idle.4").byOperation).toEqual({
      ListGroups: expect.objectContaining({ requests: 1 }),
      PutSweeperState: expect.objectContaining({ requests: 1 }),
    });
    // 20 instances, 4 dead: 1 whole group (2 instances) and 2 slaves. Read and state, 3 removals, and
    // the emptied group's index read, queue data delete and item delete.
    // And one history entry per expiry (three).
    expect(byId(ops, "sweep.20")).toMatchObject({ requests: 11 });
    expect(byId(ops, "sweep.20").byOperation.AppendHistory?.requests).toBe(3);
  });

  it("scaling: the hot paths make the same requests at every size, cluster info and topic list read every group", async () => {
    scaling = await runScaling(ctx(), {
      stages: [2, 4],
      topicsPerGroup: 3,
      runs: 2,
      listRuns: 1,
      populateConcurrency: 4,
      routeGroupCacheMs: 1000,
    });
    expect(scaling.points.map((p) => [p.groups, p.topics])).toEqual([
      [2, 7],
      [4, 13],
    ]);
    for (const point of scaling.points) {
      expect(point.steadyHeartbeat).toMatchObject({ requests: 1, wcu: 1 });
      expect(point.route.requests).toBe(2);
      expect(point.routeCached).toMatchObject({ requests: 1, wcu: 0 });
      expect(point.clusterInfo.requests).toBe(1);
    }
    expect(byId(scaling.operations, "topics.list.13").requests).toBe(5);
  });

  it("POST /routes: each topic and each group read once per call; the warm cache reads only the topics", async () => {
    const batch = await runBatch(ctx(), {
      topicCounts: [1, 20],
      groupsPerTopic: [1, 10],
      runs: 1,
      fleetCalls: 5,
      routeGroupCacheMs: 5_000,
    });
    const point = (topics: number, groups: number, cache: "off" | "warm") =>
      batch.points.find((p) => p.topics === topics && p.groupsPerTopic === groups && p.cache === cache);
    // 20 topic Queries (0.5 RCU each) and one BatchGetItem of the 10 groups and the sweeper state.
    expect(point(20, 10, "off")).toMatchObject({ requests: 21, rcu: 15.5, requestsPerTopic: 1.05 });
    expect(point(20, 10, "warm")).toMatchObject({ requests: 20, rcu: 10 });
    expect(point(1, 1, "off")).toMatchObject({ requests: 2, rcu: 1.5 });
    const size = batch.sizes.find((z) => z.topics === 20 && z.groupsPerTopic === 10);
    expect(size?.gzipBytes).toBeLessThan((size?.jsonBytes ?? 0) / 5);
    expect(size?.unchangedGzipBytes).toBeLessThan(size?.gzipBytes ?? 0);
    expect(batch.fleet.requestsPerCall).toBeGreaterThanOrEqual(20);
    expect(batch.fleet.rcuPerCall).toBeGreaterThanOrEqual(10);
  });

  it("HTTP: heartbeats, route queries and /health through the real handlers, all answered", async () => {
    const http = await runHttp(ctx(), {
      connections: 2,
      routeGroupCacheMs: 1000,
      durationSeconds: 1,
      rounds: 1,
      brokers: 3,
      sequentialRuns: 2,
    });
    expect(http.sequential.route.runs).toBe(2);
    expect(http.sequential.routeCached.runs).toBe(2);
    expect(http.routeGroupCacheMs).toBe(1000);
    for (const kind of ["health", "heartbeat", "route", "routeCached"] as const) {
      expect(http.load[kind].requests).toBeGreaterThan(0);
      expect(http.load[kind]).toMatchObject({ non2xx: 0, errors: 0 });
    }
    expect(http.load.notFound.non2xx).toBe(http.load.notFound.requests);
  });

  it("Lambda: bundles built with the stack's options import in a fresh process and export a handler", async () => {
    const outDir = fileURLToPath(
      new URL(`../../bench-results/.smoke-${randomUUID().slice(0, 8)}`, import.meta.url),
    );
    try {
      const lambda = await runLambda(ctx(), { functions: ["health"], coldInitRuns: 1 }, outDir);
      expect(lambda.functions.map((f) => f.name)).toEqual(["health"]);
      const health = lambda.functions[0];
      expect(health?.bundled.bytes).toBeGreaterThan(health?.runtime.bytes ?? Number.POSITIVE_INFINITY);
      expect(health?.runtime.coldInitMs).toBeDefined();
      // register-broker is not bundled here: only the probes, each imported in a fresh process.
      expect(lambda.breakdown.map((b) => b.name)).toEqual(
        expect.arrayContaining(["probe: model only", "probe: observability only", "probe: sdk only"]),
      );
      expect(lambda.breakdown.every((b) => b.name.startsWith("probe: ") && b.bytes > 0)).toBe(true);
      // The what-if builds and the composition are of register-broker only.
      expect(lambda.whatIf).toEqual([]);
      expect(lambda.composition).toBeUndefined();
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

describe("bench arithmetic and output", () => {
  const route = {
    wcu: 0,
    memoryMb: 512,
    requestBytes: 2_000,
  };
  const inputs: CostInputs = {
    steadyHeartbeat: {
      rcu: 0,
      wcu: 1,
      durationMs: 4,
      memoryMb: 512,
      requestBytes: 10_000,
      responseBytes: 300,
    },
    batchRoute: {
      ...route,
      rcu: 11,
      durationMs: 9.2,
      topicsPerRequest: 20,
      changedResponseBytes: 4_000,
      unchangedResponseBytes: 400,
      label: "batch",
    },
    perTopicRoute: {
      ...route,
      rcu: 0.7,
      durationMs: 5,
      topicsPerRequest: 1,
      changedResponseBytes: 2_500,
      unchangedResponseBytes: 250,
      label: "per topic",
    },
    sweep: { rcu: 5, wcu: 1, durationMs: 14, memoryMb: 512 },
    sweepsPerRun: 2,
    logs: {
      accessLogBytes: { full: 600, minimal: 200 },
      platformBytesPerInvocation: 400,
      metricsLineBytes: 300,
    },
    stack: {
      frontDoor: "httpApi",
      capacity: { mode: "onDemand" },
      accessLogs: "minimal",
      systemLogLevel: "WARN",
      metricsFlushIntervalMs: 60_000,
      routeGroupCacheMs: 5_000,
      stageRateLimit: 1_000,
    },
  };

  it("prices every line of the bill from the units per operation", () => {
    const cost = estimateCost(inputs);
    const [defaults, lowCost, before] = cost.deployments;
    const line = (d: typeof defaults, item: string) => d?.lines.find((l) => l.item === item)?.monthlyUsd;
    // 100 instances × 730 h × 3,600 s ÷ 30 s; 1,000 producers, one call of 20 topics each every 30 s.
    expect(defaults?.monthly.heartbeats).toBe(8_760_000);
    expect(defaults?.monthly.routeRequests).toBe(87_600_000);
    expect(before?.monthly.routeRequests).toBe(1_752_000_000);
    // 96.36 M requests at $1 per million.
    expect(line(defaults, "API Gateway HTTP API")).toBe(96.36);
    // On demand: 87.6 M calls × 11 RRU + 87,600 sweeps × 5 RRU at $0.125/M, 8.76 M + 87,600 WRU at $0.625/M.
    expect(line(defaults, "DynamoDB")).toBe(
      usdOf(((87.6e6 * 11 + 87_600 * 5) * 0.125 + (8.76e6 + 87_600) * 0.625) / 1e6),
    );
    // Minimal access log: (200 + 26) B per request; platform lines off (WARN); metrics a line a minute per instance.
    const metricLines = (2 * FLEET.routeFunctionInstances * 730 * 3600) / 60 + 87_600;
    expect(line(defaults, "CloudWatch Logs")).toBe(usdOf(((96.36e6 * 226 + metricLines * 326) / 1e9) * 0.5));
    // 99 % of the answers unchanged (400 B), 1 % changed (4,000 B), heartbeats 300 B, at $0.09/GB.
    expect(line(defaults, "Data transfer out")).toBe(
      usdOf(((87.6e6 * (0.99 * 400 + 0.01 * 4000) + 8.76e6 * 300) / 1e9) * 0.09),
    );
    // The function URL has no fee; the stack before paid a request per topic and a line per invocation.
    expect(line(lowCost, "Lambda function URL")).toBe(0);
    expect(lowCost?.totalUsd).toBeLessThan(defaults?.totalUsd ?? 0);
    expect(before?.totalUsd).toBeGreaterThan(10 * (defaults?.totalUsd ?? 0));
    expect(defaults?.ofClassic).toBeCloseTo((defaults?.totalUsd ?? 0) / cost.classicTotalUsd, 2);
    // Scale: quotas named, the classic deployment grows at 100×.
    const [tenfold, hundredfold] = cost.scale;
    expect(tenfold?.factor).toBe(10);
    expect(hundredfold?.deployments[0]?.quotas.some((q) => q.startsWith("HTTP API requests/s"))).toBe(true);
    expect(hundredfold?.deployments[0]?.quotas.some((q) => q.includes("stage throttle"))).toBe(true);
    expect(hundredfold?.classic.totalUsd).toBeGreaterThan(cost.classicTotalUsd);
  });

  it("prices provisioned capacity from the mean use, the target utilization and the floors", () => {
    const provisioned = priceDeployment(inputs, {
      ...inputs.stack,
      name: "provisioned",
      routeRequest: "batch",
      capacity: {
        mode: "provisioned",
        targetUtilization: 0.7,
        tableMin: { read: 25, write: 10 },
        indexMin: { read: 5, write: 10 },
      },
    });
    const seconds = 730 * 3600;
    const rcu = Math.ceil((87.6e6 * 11 + 87_600 * 5) / seconds / 0.7);
    const wcu = Math.max(10, Math.ceil((8.76e6 + 87_600) / seconds / 0.7));
    expect(provisioned.lines.find((l) => l.item === "DynamoDB")?.monthlyUsd).toBe(
      usdOf((rcu + 5) * 0.00013 * 730 + (wcu + 10) * 0.00065 * 730),
    );
  });

  it("the stack as deployed by default reads as the cost model prices it", () => {
    const stack = readStackSettings();
    expect(stack.systemLogLevel).toBe("WARN");
    expect(stack.accessLogs).toBe("minimal");
    expect(stack.metricsFlushIntervalMs).toBe(60_000);
    expect(stack.capacity.mode).toBe("provisioned");
    expect(stack.throttlingRateLimit).toBeGreaterThan(100);
  });

  it("sorts bundle inputs into parts", () => {
    expect(partOf("node_modules/zod/v4/core/to-json-schema.js")).toBe("zod: JSON-schema tooling and locales");
    expect(partOf("node_modules/zod/v4/classic/schemas.js")).toBe("zod: schemas and parsing");
    expect(partOf("node_modules/@aws-sdk/nested-clients/dist-es/submodules/sts/STSClient.js")).toMatch(
      /^AWS SDK: credential chain/,
    );
    expect(partOf("node_modules/@aws-sdk/credential-provider-env/dist-es/fromEnv.js")).toMatch(
      /^AWS SDK: DynamoDB client/,
    );
    expect(partOf("node_modules/@smithy/core/dist-es/submodules/event-streams/index.js")).toMatch(
      /^AWS SDK: protocols DynamoDB does not use/,
    );
    expect(partOf("lib/store/dynamo-registry-store.ts")).toBe("project (lib/, functions/)");
  });

  it("judges the targets, draws the chart and writes both reports from one results object", () => {
    const results: BenchResults = {
      schema: 1,
      mode: "quick",
      startedAt: new Date(0).toISOString(),
      finishedAt: new Date(1000).toISOString(),
      durationSeconds: 1,
      environment: {
        node: "v20",
        platform: "linux",
        arch: "x64",
        cpus: 2,
        cpuModel: "cpu",
        loadAverageAtStart: 0,
        loadAverageAtEnd: 0,
      },
      operations: [...operations.operations, ...scaling.operations],
      floor: operations.floor,
      writeFloor: operations.writeFloor,
      routeCache: operations.routeCache,
      scaling: scaling.points,
      cost: estimateCost(inputs),
      targets: judgeTargets({
        operations: operations.operations,
        floor: operations.floor,
        scaling: scaling.points,
      }),
    };
    expect(results.targets.map((t) => t.id)).toEqual(["heartbeat", "route.requests", "route.latency"]);
    const svg = scalingChart(scaling.points, "smoke");
    expect(svg.startsWith("<svg")).toBe(true);
    // Requests and capacity: heartbeat, route off, route on; latency: those and the two raw floors.
    expect(svg.match(/<polyline /g)).toHaveLength(11);
    const report = consoleReport(results);
    expect(report).toContain("steady heartbeat");
    expect(report).toContain("group cache on (1,000 ms, warm)");
    expect(report).toContain("Route group cache over a fleet");
    expect(markdownReport(results, "scaling.svg")).toContain(
      "![Hot paths as the registry grows](scaling.svg)",
    );
  });
});
