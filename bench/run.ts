/**
 * `npm run bench` (`-- --quick` for a short run): starts DynamoDB Local in memory, runs every scenario,
 * prints the tables and PASS/MISS per target, and writes the figures as JSON to
 * bench-results/<timestamp>.json and bench-results/latest.json. A full run also regenerates the committed
 * docs/bench/latest.json, docs/bench/scaling.svg and docs/bench/README.md.
 *
 * `--only=operations,scaling,http,lambda` runs a subset (for working on one scenario).
 */
import "./env";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { accessLogFields, minimalAccessLogFields } from "../infra/name-server-stack";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { MetricName, MetricUnit, metrics } from "../lib/observability";
import { scalingChart } from "./chart";
import { type CostInputs, estimateCost, FLEET } from "./cost";
import {
  type BenchContext,
  brokerRegistration,
  type OperationFigure,
  ROUTE_GROUP_CACHE_MS,
  round,
  topicTable,
} from "./harness";
import { type BenchResults, consoleReport, markdownReport } from "./report";
import { type BatchResults, type BatchSizes, FULL_BATCH_SIZES, runBatch } from "./scenarios/batch";
import { FULL_HTTP_SIZES, type HttpResults, type HttpSizes, runHttp } from "./scenarios/http";
import { FULL_LAMBDA_SIZES, type LambdaResults, type LambdaSizes, runLambda } from "./scenarios/lambda";
import {
  FULL_OPERATION_SIZES,
  type OperationSizes,
  type RouteFloor,
  runOperations,
  type WriteFloor,
} from "./scenarios/operations";
import type { RouteCacheResults } from "./scenarios/route-cache";
import { FULL_SCALING_SIZES, runScaling, type ScalingPoint, type ScalingSizes } from "./scenarios/scaling";
import { readStackSettings, type StackSettings } from "./stack-settings";
import { judgeTargets } from "./targets";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCENARIOS = ["operations", "batch", "scaling", "http", "lambda"] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Sizes {
  operations: OperationSizes;
  scaling: ScalingSizes;
  http: HttpSizes;
  lambda: LambdaSizes;
  batch: BatchSizes;
}

const FULL: Sizes = {
  operations: FULL_OPERATION_SIZES,
  scaling: FULL_SCALING_SIZES,
  http: FULL_HTTP_SIZES,
  lambda: FULL_LAMBDA_SIZES,
  batch: FULL_BATCH_SIZES,
};

/** Under 2 minutes: fewer runs, the scaling up to 10k topics, short load, cold init of the hot functions. */
const QUICK: Sizes = {
  operations: {
    ...FULL_OPERATION_SIZES,
    runs: 40,
    registrations: [
      { topics: 10, runs: 5 },
      { topics: 1_000, runs: 2 },
      { topics: 10_000, runs: 1 },
    ],
    reRegistrationRuns: 2,
    sweepRuns: 1,
    routeCache: { ...FULL_OPERATION_SIZES.routeCache, queries: 150 },
  },
  scaling: { ...FULL_SCALING_SIZES, stages: [10, 100], runs: 40, listRuns: 2 },
  http: { ...FULL_HTTP_SIZES, durationSeconds: 1, rounds: 2, sequentialRuns: 40 },
  lambda: {
    coldInitRuns: 3,
    coldInitFunctions: ["register-broker", "get-route-info-by-topic", "get-routes", "sweeper"],
  },
  batch: { ...FULL_BATCH_SIZES, runs: 8, fleetCalls: 60 },
};

function parseArgs(argv: string[]): { quick: boolean; only: Set<Scenario> } {
  let quick = false;
  let only = new Set<Scenario>(SCENARIOS);
  for (const arg of argv) {
    if (arg === "--quick") quick = true;
    else if (arg.startsWith("--only=")) {
      const names = arg.slice("--only=".length).split(",");
      const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (unknown.length > 0)
        throw new Error(`unknown scenario(s) ${unknown.join(", ")}; known: ${SCENARIOS.join(", ")}`);
      only = new Set(names as Scenario[]);
    } else if (arg !== "--") {
      throw new Error(`unknown argument ${arg}; use --quick and/or --only=${SCENARIOS.join(",")}`);
    }
  }
  return { quick, only };
}

/** Bytes of HTTP headers beside the bodies (SigV4 or bearer, content type, ETag, dates). */
const REQUEST_HEADER_BYTES = 1_200;
const RESPONSE_HEADER_BYTES = 250;

/** A representative line of an access log format: the fields with typical values. */
function accessLogLine(fields: Record<string, string>): number {
  const sample: Record<string, string> = {
    "$context.requestId": "JKwbDhM2IAMEYyQ=",
    "$context.requestTime": "01/Dec/2026:10:00:00 +0000",
    "$context.requestTimeEpoch": "1796119200000",
    "$context.identity.sourceIp": "203.0.113.45",
    "$context.identity.userAgent": "namesrv-client/0.1.0 node/24",
    "$context.identity.userArn": "arn:aws:sts::123456789012:assumed-role/producer-role/i-0abc123def4567890",
    "$context.httpMethod": "POST",
    "$context.routeKey": "POST /routes",
    "$context.path": "/routes",
    "$context.status": "200",
    "$context.protocol": "HTTP/1.1",
    "$context.responseLength": "212",
    "$context.responseLatency": "14",
    "$context.integrationLatency": "12",
    "$context.integrationStatus": "200",
    "$context.integrationErrorMessage": "-",
    "$context.error.message": "-",
    "$context.authorizer.error": "-",
  };
  const line = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, sample[v] ?? "-"]));
  return Buffer.byteLength(JSON.stringify(line));
}

/** Lambda's JSON platform lines at INFO for one invocation (platform.start and platform.report). */
function platformLinesBytes(): number {
  const time = "2026-12-01T10:00:00.000Z";
  const requestId = "6f7f0961-4d2b-4ca5-a7e8-0e8c2a3e0c1f";
  const start = { time, type: "platform.start", record: { requestId, version: "$LATEST" } };
  const report = {
    time,
    type: "platform.report",
    record: {
      requestId,
      metrics: { durationMs: 12.34, billedDurationMs: 13, memorySizeMB: 512, maxMemoryUsedMB: 98 },
      status: "success",
    },
  };
  return Buffer.byteLength(JSON.stringify(start)) + Buffer.byteLength(JSON.stringify(report));
}

/** One EMF line of the route function, as Powertools serializes it. */
function metricsLineBytes(): number {
  metrics.addMetric(MetricName.RouteQueries, MetricUnit.Count, 20);
  metrics.addMetric(MetricName.RouteNotFound, MetricUnit.Count, 1);
  const line = JSON.stringify(metrics.serializeMetrics());
  metrics.clearMetrics();
  return Buffer.byteLength(line);
}

/** The committed full run (docs/bench/latest.json): inputs of scenarios this run did not measure. */
function committedRun(): Partial<BenchResults> {
  try {
    return JSON.parse(
      readFileSync(join(ROOT, "docs", "bench", "latest.json"), "utf8"),
    ) as Partial<BenchResults>;
  } catch {
    return {};
  }
}

function costInputs(
  measured: OperationFigure[],
  routeCacheMeasured: RouteCacheResults | undefined,
  httpMeasured: HttpResults | undefined,
  batchMeasured: BatchResults | undefined,
  stack: StackSettings,
): CostInputs | undefined {
  const committed = committedRun();
  const operations = measured.some((o) => o.id === "heartbeat.steady")
    ? measured
    : (committed.operations ?? []);
  const routeCache = routeCacheMeasured ?? committed.routeCache;
  const http = httpMeasured ?? committed.http;
  const batch = batchMeasured ?? committed.batch;
  const find = (id: string) => operations.find((o) => o.id === id);
  const heartbeat = find("heartbeat.steady");
  const routeOff = find(`route.${FLEET.groupsPerTopic}`);
  const sweep = operations.find((o) => o.id.startsWith("sweep.idle."));
  const size = batch?.sizes.find(
    (s) => s.topics === FLEET.topicsPerProducer && s.groupsPerTopic === FLEET.groupsPerTopic,
  );
  if (heartbeat === undefined || routeOff === undefined || sweep === undefined || batch === undefined) {
    return undefined;
  }
  if (size === undefined) return undefined;
  const memoryMb = stack.memoryMb.getRouteInfoByTopic;
  const offMs = http?.sequential.route.p50Ms ?? routeOff.p50Ms;
  const onMs = http?.sequential.routeCached.p50Ms ?? offMs;
  const assumed = routeCache?.points.find(
    (p) => p.routeGroupCacheMs === stack.routeGroupCacheMs && p.instances === FLEET.routeFunctionInstances,
  );
  const perTopicRcu =
    stack.routeGroupCacheMs > 0 && assumed !== undefined ? assumed.rcuPerQuery : routeOff.rcu;
  const hitRate = stack.routeGroupCacheMs > 0 && assumed !== undefined ? assumed.hitRate : 0;
  // The route of one topic on 10 groups, uncompressed (GET answers are not gzip-encoded).
  const routeBytes = Math.round(size.jsonBytes / FLEET.topicsPerProducer);
  const known = Object.fromEntries(
    Array.from({ length: FLEET.topicsPerProducer }, (_, i) => [`ProducerTopic-${i}`, `"${"x".repeat(32)}"`]),
  );
  const batchRequestBytes = Buffer.byteLength(JSON.stringify({ topics: Object.keys(known), known }));
  // A 1,000-topic registration body, gzip-encoded as the client sends bodies over 32 KB.
  const registrationBytes = gzipSync(
    Buffer.from(JSON.stringify(brokerRegistration({ topicConfigTable: topicTable(1000, "T") }))),
  ).length;
  return {
    steadyHeartbeat: {
      rcu: heartbeat.rcu,
      wcu: heartbeat.wcu,
      durationMs: http?.sequential.heartbeat.p50Ms ?? heartbeat.p50Ms,
      memoryMb: stack.memoryMb.registerBroker,
      requestBytes: registrationBytes + REQUEST_HEADER_BYTES,
      responseBytes: 60 + RESPONSE_HEADER_BYTES,
    },
    batchRoute: {
      rcu: batch.fleet.rcuPerCall,
      wcu: 0,
      // The reads (fleet simulation's p50, in process) and building the answer (ETags, JSON, gzip).
      durationMs: round(batch.fleet.p50Ms + size.encodeMs),
      memoryMb,
      topicsPerRequest: FLEET.topicsPerProducer,
      changedResponseBytes: size.gzipBytes + RESPONSE_HEADER_BYTES,
      unchangedResponseBytes: size.unchangedGzipBytes + RESPONSE_HEADER_BYTES,
      requestBytes: batchRequestBytes + REQUEST_HEADER_BYTES,
      label: `POST /routes of ${FLEET.topicsPerProducer} topics on ${FLEET.groupsPerTopic} shared groups, ${batch.fleet.routeGroupCacheMs} ms group cache over ${batch.fleet.instances} instances: ${batch.fleet.requestsPerCall} DynamoDB requests per call`,
    },
    perTopicRoute: {
      rcu: perTopicRcu,
      wcu: 0,
      durationMs: round(hitRate * onMs + (1 - hitRate) * offMs),
      memoryMb,
      topicsPerRequest: 1,
      changedResponseBytes: routeBytes + RESPONSE_HEADER_BYTES,
      // A 304 with its ETag, or the same small route again from clients without If-None-Match.
      unchangedResponseBytes: RESPONSE_HEADER_BYTES,
      requestBytes: REQUEST_HEADER_BYTES,
      label: `GET /route per topic, ${stack.routeGroupCacheMs} ms group cache over ${FLEET.routeFunctionInstances} instances`,
    },
    sweep: { rcu: sweep.rcu, wcu: sweep.wcu, durationMs: sweep.p50Ms, memoryMb: stack.memoryMb.sweeper },
    sweepsPerRun: stack.sweepsPerRun,
    logs: {
      accessLogBytes: {
        full: accessLogLine(accessLogFields),
        minimal: accessLogLine(minimalAccessLogFields),
      },
      platformBytesPerInvocation: platformLinesBytes(),
      metricsLineBytes: metricsLineBytes(),
    },
    stack: {
      frontDoor: "httpApi",
      capacity: stack.capacity,
      accessLogs: stack.accessLogs,
      systemLogLevel: stack.systemLogLevel,
      metricsFlushIntervalMs: stack.metricsFlushIntervalMs,
      routeGroupCacheMs: stack.routeGroupCacheMs,
      ...(stack.throttlingRateLimit !== undefined ? { stageRateLimit: stack.throttlingRateLimit } : {}),
      ...(stack.throttlingBurstLimit !== undefined ? { stageBurstLimit: stack.throttlingBurstLimit } : {}),
    },
  };
}

async function main(): Promise<void> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const started = new Date();
  const loadAtStart = loadavg()[0] ?? 0;
  const elapsed = () => `${((Date.now() - started.getTime()) / 1000).toFixed(0)} s`;
  const log = (message: string) => console.log(`[${elapsed().padStart(5)}] ${message}`);
  log(`bench: ${quick ? "quick" : "full"} run of ${[...only].join(", ")}`);

  // The stack decides the cache-on figures' bound (ROUTE_GROUP_CACHE_MS of the route function).
  log("reading the CDK stack's settings");
  const stack = readStackSettings();
  if (!stack.architectures.every((a) => a === "arm64")) {
    throw new Error(`bench/prices.ts prices Arm Lambda; the stack uses ${stack.architectures.join(", ")}`);
  }
  const cacheMs = stack.routeGroupCacheMs > 0 ? stack.routeGroupCacheMs : ROUTE_GROUP_CACHE_MS;
  if (stack.routeGroupCacheMs === 0)
    log(`the stack runs the route function without the group cache; cache-on figures use ${cacheMs} ms`);
  const base = quick ? QUICK : FULL;
  const fleetSizes = base.operations.routeCache;
  const sizes: Sizes = {
    ...base,
    operations: {
      ...base.operations,
      routeGroupCacheMs: cacheMs,
      // The stack's bound is measured at every instance count; the others only as comparisons.
      routeCache: {
        ...fleetSizes,
        otherBounds: fleetSizes.otherBounds.filter((b) => b.routeGroupCacheMs !== cacheMs),
      },
    },
    scaling: { ...base.scaling, routeGroupCacheMs: cacheMs },
    batch: { ...base.batch, routeGroupCacheMs: cacheMs },
    http: { ...base.http, routeGroupCacheMs: cacheMs },
  };

  log("starting DynamoDB Local (in memory)");
  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  const stopOnSignal = () => {
    void ddb.stop().finally(() => process.exit(130));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  const ctx: BenchContext = { endpoint: ddb.endpoint, log };

  const operations: OperationFigure[] = [];
  let floor: RouteFloor | undefined;
  let writeFloor: WriteFloor | undefined;
  let routeCache: RouteCacheResults | undefined;
  let scaling: ScalingPoint[] = [];
  let http: HttpResults | undefined;
  let lambda: LambdaResults | undefined;
  let batch: BatchResults | undefined;
  try {
    if (only.has("operations")) {
      log("per-operation figures");
      const result = await runOperations(ctx, sizes.operations);
      operations.push(...result.operations);
      floor = result.floor;
      writeFloor = result.writeFloor;
      routeCache = result.routeCache;
    }
    if (only.has("batch")) {
      log("POST /routes (batch route request)");
      batch = await runBatch(ctx, sizes.batch);
    }
    if (only.has("scaling")) {
      log("scaling");
      const result = await runScaling(ctx, sizes.scaling);
      scaling = result.points;
      operations.push(...result.operations);
    }
    if (only.has("http")) {
      log("HTTP throughput");
      http = await runHttp(ctx, sizes.http);
    }
  } finally {
    await ddb.stop();
  }
  if (only.has("lambda")) {
    log("Lambda bundles and cold init");
    lambda = await runLambda(ctx, sizes.lambda, join(ROOT, "bench-results", "lambda"));
  }

  const inputs = costInputs(operations, routeCache, http, batch, stack);
  const cost = inputs === undefined ? undefined : estimateCost(inputs);
  const targets = judgeTargets({
    operations,
    floor: floor ?? {
      getItemP50Ms: Number.NaN,
      getItemP99Ms: Number.NaN,
      routeGroupCacheMs: cacheMs,
      ratios: [],
    },
    scaling,
    ...(routeCache !== undefined ? { routeCache } : {}),
    ...(lambda !== undefined ? { lambda } : {}),
  });
  const finished = new Date();
  const cpu = cpus();
  const results: BenchResults = {
    schema: 1,
    mode: quick ? "quick" : "full",
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationSeconds: Math.round((finished.getTime() - started.getTime()) / 100) / 10,
    environment: {
      node: process.version,
      platform: process.platform,
      arch: process.arch,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? "unknown",
      loadAverageAtStart: Math.round(loadAtStart * 10) / 10,
      loadAverageAtEnd: Math.round((loadavg()[0] ?? 0) * 10) / 10,
    },
    operations,
    ...(floor !== undefined ? { floor } : {}),
    ...(writeFloor !== undefined ? { writeFloor } : {}),
    ...(routeCache !== undefined ? { routeCache } : {}),
    scaling,
    ...(http !== undefined ? { http } : {}),
    ...(lambda !== undefined ? { lambda } : {}),
    ...(batch !== undefined ? { batch } : {}),
    stack,
    ...(cost !== undefined ? { cost } : {}),
    targets,
  };

  console.log(consoleReport(results));
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const resultsDir = join(ROOT, "bench-results");
  mkdirSync(resultsDir, { recursive: true });
  const stamped = join(resultsDir, `${started.toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(stamped, json);
  writeFileSync(join(resultsDir, "latest.json"), json);
  const written = [stamped, join(resultsDir, "latest.json")];

  const complete = only.size === SCENARIOS.length;
  if (!quick && complete) {
    const docs = join(ROOT, "docs", "bench");
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, "latest.json"), json);
    writeFileSync(
      join(docs, "scaling.svg"),
      scalingChart(
        scaling,
        `npm run bench, ${results.startedAt.slice(0, 10)}: DynamoDB Local, ${cpu.length} cores`,
      ),
    );
    writeFileSync(join(docs, "README.md"), markdownReport(results, "scaling.svg"));
    written.push(join(docs, "latest.json"), join(docs, "scaling.svg"), join(docs, "README.md"));
  } else {
    console.log("\n(docs/bench/ is regenerated by a full run of every scenario only)");
  }

  const missed = targets.filter((t) => !t.pass);
  console.log(
    `\n${targets.length - missed.length} of ${targets.length} targets PASS${missed.length ? `; MISS: ${missed.map((t) => t.id).join(", ")}` : ""}`,
  );
  console.log(`Bench took ${results.durationSeconds} s. Figures written to:`);
  for (const file of written) console.log(`  ${relative(process.cwd(), file)}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
