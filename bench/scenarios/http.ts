/**
 * Over HTTP, through the real handlers: the local registry (lib/local/registry.ts) runs as a child
 * process on the bench's DynamoDB Local, so the load generator (autocannon, in this process) does not
 * share the server's event loop. Figures:
 *
 * - one request at a time: latency of a heartbeat, a route query and GET /health; the handler durations
 *   the Lambda cost is computed from (an upper bound: they include the local HTTP hop);
 * - under concurrency: requests per second of heartbeats and route queries, each ÷ GET /health on the
 *   same server (measured before and after, averaged). GET /health reads the sweeper state (one GetItem),
 *   so it is the cheapest route that reaches the table; an unknown path (404, no DynamoDB) is shown too.
 *
 * The route query is measured both ways: on the registry above with ROUTE_GROUP_CACHE_MS=0 (every group
 * read on every query) and on a second registry process over the same table with the stack's
 * ROUTE_GROUP_CACHE_MS (the variable passes through the environment to the handlers, as on Lambda).
 * Its cache runs on real time: under load, each group is read again about once per bound.
 */

import { DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import autocannon from "autocannon";
import { mapLimit } from "../../lib/concurrency";
import { spawnLocalRegistry } from "../../lib/local/registry";
import {
  type BenchContext,
  brokerAddr,
  median,
  percentile,
  ROUTE_GROUP_CACHE_MS,
  round,
  timed,
  topicTable,
} from "../harness";

export interface HttpSizes {
  connections: number;
  /** ROUTE_GROUP_CACHE_MS of the second registry (the stack's value). */
  routeGroupCacheMs: number;
  /** Each kind of request is loaded this long per round; rounds alternate the kinds (noise hits all alike). */
  durationSeconds: number;
  rounds: number;
  /** Brokers the heartbeat load rotates over. */
  brokers: number;
  /** Requests of each kind, one at a time. */
  sequentialRuns: number;
}

export const FULL_HTTP_SIZES: HttpSizes = {
  connections: 10,
  routeGroupCacheMs: ROUTE_GROUP_CACHE_MS,
  durationSeconds: 3,
  rounds: 4,
  brokers: 100,
  sequentialRuns: 200,
};

export interface LoadFigure {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
}

type LoadKind = "health" | "heartbeat" | "route" | "routeCached" | "notFound";
type SequentialKind = "health" | "heartbeat" | "route" | "routeCached";

export interface HttpResults {
  connections: number;
  durationSeconds: number;
  rounds: number;
  /** ROUTE_GROUP_CACHE_MS of the registry that answered `routeCached` (the other ran with 0). */
  routeGroupCacheMs: number;
  sequential: Record<SequentialKind, { p50Ms: number; p99Ms: number; runs: number }>;
  /** Over all rounds: requests ÷ seconds; latency percentiles are the median of the rounds'. */
  load: Record<LoadKind, LoadFigure>;
  /** Requests per second ÷ GET /health's. */
  ratios: { heartbeat: number; route: number; routeCached: number; notFound: number };
}

const HTTP_TOPIC = "HttpTopic";

function heartbeatBody(i: number): string {
  const topicConfigTable = topicTable(5, `http-${i}`);
  if (i < 2)
    topicConfigTable[HTTP_TOPIC] = {
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicSysFlag: 0,
      order: false,
    };
  return JSON.stringify({
    clusterName: "BenchCluster",
    brokerName: `http-${i}`,
    brokerId: 0,
    brokerAddr: brokerAddr(20_000 + i),
    dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 1 },
    topicConfigTable,
  });
}

async function load(
  url: string,
  sizes: HttpSizes,
  request: { method: string; path: string; bodies?: string[] },
): Promise<LoadFigure> {
  const bodies = request.bodies;
  let next = 0;
  const result = await autocannon({
    url,
    connections: sizes.connections,
    duration: sizes.durationSeconds,
    requests: [
      {
        method: request.method,
        path: request.path,
        ...(bodies === undefined
          ? {}
          : {
              headers: { "content-type": "application/json" },
              setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }),
            }),
      },
    ],
  });
  return {
    requestsPerSecond: round(result.requests.average, 0),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export async function runHttp(ctx: BenchContext, sizes: HttpSizes): Promise<HttpResults> {
  const tableName = `bench-http-${Date.now().toString(36)}`;
  ctx.log(
    `  starting two local registries (child processes): ROUTE_GROUP_CACHE_MS=0 and =${sizes.routeGroupCacheMs}`,
  );
  const spawnWithCache = (routeGroupCacheMs: number) =>
    spawnLocalRegistry({
      dynamodbEndpoint: ctx.endpoint,
      tableName,
      // No sweep during the measurements (at most one a day).
      sweepIntervalMs: 24 * 60 * 60 * 1000,
      env: {
        POWERTOOLS_LOG_LEVEL: "WARN",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ROUTE_GROUP_CACHE_MS: String(routeGroupCacheMs),
      },
    });
  const registry = await spawnWithCache(0);
  let cachedRegistry: Awaited<ReturnType<typeof spawnLocalRegistry>> | undefined;
  try {
    cachedRegistry = await spawnWithCache(sizes.routeGroupCacheMs);
    const url = registry.url;
    const cachedUrl = cachedRegistry.url;
    const bodies = Array.from({ length: sizes.brokers }, (_, i) => heartbeatBody(i));
    const post = async (body: string) => {
      const response = await fetch(`${url}/brokers/heartbeat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      if (response.status !== 200)
        throw new Error(`heartbeat answered ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    };
    const get = async (path: string, expected = 200, base = url) => {
      const response = await fetch(`${base}${path}`);
      if (response.status !== expected) throw new Error(`GET ${path} answered ${response.status}`);
      await response.arrayBuffer();
    };
    ctx.log(`  registering ${sizes.brokers} brokers over HTTP`);
    await mapLimit(bodies, 8, (body) => post(body));

    ctx.log(`  one request at a time × ${sizes.sequentialRuns}`);
    const routePath = `/topics/${HTTP_TOPIC}/route`;
    const sequentialMs: Record<SequentialKind, number[]> = {
      health: [],
      heartbeat: [],
      route: [],
      routeCached: [],
    };
    for (let i = 0; i < 20; i++) {
      await get("/health");
      await post(bodies[i % bodies.length] as string);
      await get(routePath);
      await get(routePath, 200, cachedUrl);
    }
    for (let i = 0; i < sizes.sequentialRuns; i++) {
      sequentialMs.health.push((await timed(() => get("/health"))).ms);
      sequentialMs.heartbeat.push((await timed(() => post(bodies[i % bodies.length] as string))).ms);
      sequentialMs.route.push((await timed(() => get(routePath))).ms);
      sequentialMs.routeCached.push((await timed(() => get(routePath, 200, cachedUrl))).ms);
    }
    const summary = (samples: number[]) => ({
      p50Ms: round(percentile(samples, 50)),
      p99Ms: round(percentile(samples, 99)),
      runs: samples.length,
    });

    ctx.log(
      `  autocannon: ${sizes.connections} connections, ${sizes.rounds} rounds × ${sizes.durationSeconds} s per request kind`,
    );
    const requests: Record<LoadKind, { base: string; method: string; path: string; bodies?: string[] }> = {
      health: { base: url, method: "GET", path: "/health" },
      heartbeat: { base: url, method: "POST", path: "/brokers/heartbeat", bodies },
      route: { base: url, method: "GET", path: routePath },
      routeCached: { base: cachedUrl, method: "GET", path: routePath },
      notFound: { base: url, method: "GET", path: "/no-such-path" },
    };
    const kinds = Object.keys(requests) as LoadKind[];
    const rounds: Record<LoadKind, LoadFigure[]> = {
      health: [],
      heartbeat: [],
      route: [],
      routeCached: [],
      notFound: [],
    };
    for (let pass = 0; pass < sizes.rounds; pass++) {
      for (const kind of kinds) rounds[kind].push(await load(requests[kind].base, sizes, requests[kind]));
    }
    const merged = {} as Record<LoadKind, LoadFigure>;
    for (const kind of kinds) {
      const list = rounds[kind];
      const total = list.reduce((n, f) => n + f.requests, 0);
      merged[kind] = {
        requestsPerSecond: round(total / (sizes.rounds * sizes.durationSeconds), 0),
        p50Ms: median(list.map((f) => f.p50Ms)),
        p99Ms: median(list.map((f) => f.p99Ms)),
        requests: total,
        non2xx: list.reduce((n, f) => n + f.non2xx, 0),
        errors: list.reduce((n, f) => n + f.errors, 0),
      };
      if (kind !== "notFound" && (merged[kind].non2xx > 0 || merged[kind].errors > 0)) {
        throw new Error(
          `${kind}: ${merged[kind].non2xx} non-2xx answers and ${merged[kind].errors} errors under load`,
        );
      }
    }
    const health = merged.health.requestsPerSecond;
    return {
      connections: sizes.connections,
      durationSeconds: sizes.durationSeconds,
      rounds: sizes.rounds,
      routeGroupCacheMs: sizes.routeGroupCacheMs,
      sequential: {
        health: summary(sequentialMs.health),
        heartbeat: summary(sequentialMs.heartbeat),
        route: summary(sequentialMs.route),
        routeCached: summary(sequentialMs.routeCached),
      },
      load: merged,
      ratios: {
        heartbeat: round(merged.heartbeat.requestsPerSecond / health),
        route: round(merged.route.requestsPerSecond / health),
        routeCached: round(merged.routeCached.requestsPerSecond / health),
        notFound: round(merged.notFound.requestsPerSecond / health),
      },
    };
  } finally {
    await cachedRegistry?.stop();
    await registry.stop();
    const admin = new DynamoDBClient({
      endpoint: ctx.endpoint,
      region: "local",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    await admin.send(new DeleteTableCommand({ TableName: tableName })).catch(() => undefined);
    admin.destroy();
  }
}
