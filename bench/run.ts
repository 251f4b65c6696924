/**
 * `npm run bench` (`-- --quick` for a short run): starts DynamoDB Local in memory, runs every scenario,
 * prints the tables and PASS/MISS per target, and writes the figures as JSON to
 * bench-results/<timestamp>.json and bench-results/latest.json. A full run also regenerates the committed
 * docs/bench/latest.json, docs/bench/scaling.svg and docs/bench/README.md.
 *
 * `--only=operations,scaling,http,lambda` runs a subset (for working on one scenario).
 */
import "./env";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { scalingChart } from "./chart";
import { type CostInputs, estimateCost, FLEET, type RouteUnit } from "./cost";
import { type BenchContext, type OperationFigure, ROUTE_GROUP_CACHE_MS, round } from "./harness";
import { type BenchResults, consoleReport, markdownReport } from "./report";
import { FULL_HTTP_SIZES, type HttpResults, type HttpSizes, runHttp } from "./scenarios/http";
import { FULL_LAMBDA_SIZES, type LambdaResults, type LambdaSizes, runLambda } from "./scenarios/lambda";
import {
  FULL_OPERATION_SIZES,
  type OperationSizes,
  type RouteFloor,
  runOperations,
  type WriteFloor,
} from "./scenarios/operations";
import type { RouteCachePoint, RouteCacheResults } from "./scenarios/route-cache";
import { FULL_SCALING_SIZES, runScaling, type ScalingPoint, type ScalingSizes } from "./scenarios/scaling";
import { readStackSettings, type StackSettings } from "./stack-settings";
import { judgeTargets } from "./targets";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SCENARIOS = ["operations", "scaling", "http", "lambda"] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Sizes {
  operations: OperationSizes;
  scaling: ScalingSizes;
  http: HttpSizes;
  lambda: LambdaSizes;
}

const FULL: Sizes = {
  operations: FULL_OPERATION_SIZES,
  scaling: FULL_SCALING_SIZES,
  http: FULL_HTTP_SIZES,
  lambda: FULL_LAMBDA_SIZES,
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
  lambda: { coldInitRuns: 3, coldInitFunctions: ["register-broker", "get-route-info-by-topic", "sweeper"] },
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

function costInputs(
  operations: OperationFigure[],
  routeCache: RouteCacheResults | undefined,
  http: HttpResults | undefined,
  stack: StackSettings,
): CostInputs | undefined {
  const find = (id: string) => operations.find((o) => o.id === id);
  const heartbeat = find("heartbeat.steady");
  const routeOff = find(`route.${FLEET.groupsPerTopic}`);
  const routeOn = find(`route.cached.${FLEET.groupsPerTopic}`);
  const sweep = operations.find((o) => o.id.startsWith("sweep.idle."));
  if (heartbeat === undefined || routeOff === undefined || sweep === undefined) return undefined;
  const memoryMb = stack.memoryMb.getRouteInfoByTopic;
  // The route function's duration: the local one-at-a-time HTTP latency, without and with the cache.
  const offMs = http?.sequential.route.p50Ms ?? routeOff.p50Ms;
  const onMs = http?.sequential.routeCached.p50Ms ?? routeOn?.p50Ms ?? offMs;
  const routeUncached: RouteUnit = {
    rcu: routeOff.rcu,
    wcu: routeOff.wcu,
    durationMs: offMs,
    memoryMb,
    label: `group cache off: ${routeOff.requests} requests per query`,
  };
  const cacheMs = routeCache?.routeGroupCacheMs ?? stack.routeGroupCacheMs;
  const cached = (p: RouteCachePoint): RouteUnit => ({
    rcu: p.rcuPerQuery,
    wcu: 0,
    durationMs: round(p.hitRate * onMs + (1 - p.hitRate) * offMs),
    // Each invocation is rounded up on its own: hits at the cached duration, misses at the uncached one.
    billedDurationMs: round(p.hitRate * Math.ceil(onMs) + (1 - p.hitRate) * Math.ceil(offMs)),
    memoryMb,
    label: `${p.routeGroupCacheMs.toLocaleString("en-US")} ms group cache, ${p.instances} instances (${p.queriesPerInstanceSecond} queries/s each): ${(p.hitRate * 100).toFixed(0)}% of queries and ${(p.groupHitRate * 100).toFixed(0)}% of group reads from the cache, ${p.requestsPerQuery} requests per query`,
  });
  const assumed = routeCache?.points.find(
    (p) => p.routeGroupCacheMs === cacheMs && p.instances === FLEET.routeFunctionInstances,
  );
  // Other instance counts, and other bounds (a stack prop): projections.
  const others = routeCache?.points.filter((p) => p !== assumed) ?? [];
  return {
    steadyHeartbeat: {
      rcu: heartbeat.rcu,
      wcu: heartbeat.wcu,
      durationMs: http?.sequential.heartbeat.p50Ms ?? heartbeat.p50Ms,
      memoryMb: stack.memoryMb.registerBroker,
    },
    route: stack.routeGroupCacheMs > 0 && assumed !== undefined ? cached(assumed) : routeUncached,
    routeUncached,
    routeSensitivity: stack.routeGroupCacheMs > 0 ? others.map(cached) : [],
    sweep: { rcu: sweep.rcu, wcu: sweep.wcu, durationMs: sweep.p50Ms, memoryMb: stack.memoryMb.sweeper },
    sweepsPerRun: stack.sweepsPerRun,
    ...(stack.throttlingRateLimit !== undefined ? { stageRateLimit: stack.throttlingRateLimit } : {}),
    ...(stack.throttlingBurstLimit !== undefined ? { stageBurstLimit: stack.throttlingBurstLimit } : {}),
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
  try {
    if (only.has("operations")) {
      log("per-operation figures");
      const result = await runOperations(ctx, sizes.operations);
      operations.push(...result.operations);
      floor = result.floor;
      writeFloor = result.writeFloor;
      routeCache = result.routeCache;
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

  const inputs = costInputs(operations, routeCache, http, stack);
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
