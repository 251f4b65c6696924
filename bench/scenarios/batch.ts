/**
 * POST /routes, the batch route request: DynamoDB requests and capacity per call and per topic
 * (1, 20 and 200 topics; each topic on 1 or on 10 groups, the topics of a call sharing their groups, as a
 * producer's topics share a cluster), latency against the same number of raw GetItems issued with the
 * same parallelism, the size of the answers before and after gzip, and the fleet's mean cost per call
 * with the group cache spread over the route function's instances (simulated time, real cache code,
 * real DynamoDB Local, as in route-cache.ts).
 */
import { gzipSync } from "node:zlib";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { RoutesAnswer } from "../../lib/app/name-server";
import { mapLimit } from "../../lib/concurrency";
import { etagOf } from "../../lib/http/etag";
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

export interface BatchSizes {
  topicCounts: number[];
  groupsPerTopic: number[];
  runs: number;
  /** Calls measured in the fleet simulation (after a warm-up of a few cache periods). */
  fleetCalls: number;
  routeGroupCacheMs: number;
}

export const FULL_BATCH_SIZES: BatchSizes = {
  topicCounts: [1, 20, 200],
  groupsPerTopic: [1, 10],
  runs: 20,
  fleetCalls: 120,
  routeGroupCacheMs: 5_000,
};

export interface BatchPoint {
  topics: number;
  groupsPerTopic: number;
  cache: "off" | "warm";
  requests: number;
  rcu: number;
  requestsPerTopic: number;
  rcuPerTopic: number;
  p50Ms: number;
  p99Ms: number;
  /** The same number of raw GetItems, with the same parallelism as the call's topic reads. */
  getItemsP50Ms: number;
  getItemsP99Ms: number;
  p50Ratio: number;
  p99Ratio: number;
}

export interface BatchAnswerSize {
  topics: number;
  groupsPerTopic: number;
  /** Every route in the body (first poll, or all changed). */
  jsonBytes: number;
  gzipBytes: number;
  /** Every route unchanged (`known` held every ETag): the steady state of a poll. */
  unchangedJsonBytes: number;
  unchangedGzipBytes: number;
  /** Building the answer: ETags, JSON, gzip (the handler's CPU on top of the reads), ms. */
  encodeMs: number;
}

export interface BatchFleet {
  instances: number;
  routeGroupCacheMs: number;
  callsPerInstanceSecond: number;
  topicsPerCall: number;
  groupsPerTopic: number;
  requestsPerCall: number;
  rcuPerCall: number;
  p50Ms: number;
  p99Ms: number;
}

export interface BatchResults {
  points: BatchPoint[];
  sizes: BatchAnswerSize[];
  fleet: BatchFleet;
}

/** The answer the handler sends (functions/get-routes.ts), as text: what gzip and the wire see. */
function answerBody(answer: RoutesAnswer, unchanged: boolean): string {
  const routes: Record<string, unknown> = {};
  const etags: Record<string, string> = {};
  const same: string[] = [];
  for (const [topic, route] of answer.routes) {
    const etag = etagOf(JSON.stringify(route));
    if (unchanged) same.push(topic);
    else {
      routes[topic] = route;
      etags[topic] = etag;
    }
  }
  return JSON.stringify({ routes, etags, unchanged: same, missing: answer.missing });
}

export async function runBatch(ctx: BenchContext, sizes: BatchSizes): Promise<BatchResults> {
  const r = await createBenchRegistry(ctx, "batch");
  try {
    const maxTopics = Math.max(...sizes.topicCounts);
    const groups = Math.ceil(FLEET.brokerInstances / 2);
    const groupNames = Array.from({ length: groups }, (_, g) => `batch-${g}`);
    const topicsOf = new Map<string, string[]>(groupNames.map((name) => [name, []]));
    // Topic sets: `batch-<k>-<i>` on groups 0..k-1 (k = groups per topic), and for the fleet
    // simulation, applications of FLEET.topicsPerProducer topics each on 10 shared groups.
    const setOf = (k: number) => Array.from({ length: maxTopics }, (_, i) => `BatchTopic-${k}-${i}`);
    for (const k of sizes.groupsPerTopic) {
      for (const name of groupNames.slice(0, k)) topicsOf.get(name)?.push(...setOf(k));
    }
    const applications = Array.from({ length: 5 }, (_, a) => ({
      topics: Array.from({ length: FLEET.topicsPerProducer }, (_, i) => `App-${a}-${i}`),
      groups: Array.from(
        { length: FLEET.groupsPerTopic },
        (_, g) => groupNames[(a * 7 + g * 3) % groups] as string,
      ),
    }));
    for (const app of applications) for (const g of app.groups) topicsOf.get(g)?.push(...app.topics);
    const now = r.clock.now();
    await mapLimit(groupNames, 2, (brokerName, g) =>
      writeGroupDirect(r.store, {
        brokerName,
        epoch: `epoch-${g}`,
        members: [
          { brokerId: 0, brokerAddr: brokerAddr(40_000 + 2 * g), lastUpdateTimestamp: now },
          { brokerId: 1, brokerAddr: brokerAddr(40_001 + 2 * g), lastUpdateTimestamp: now },
        ],
        topics: topicsOf.get(brokerName) ?? [],
      }),
    );
    // The sweeper state exists on a deployed table: the BatchGetItem of groups reads it too.
    await r.nameServer.sweep();

    let getItemKey = 0;
    const getItems = (n: number) =>
      mapLimit(Array.from({ length: n }), 32, () =>
        r.table.client.send(
          new GetCommand({
            TableName: r.table.tableName,
            Key: { pk: "GROUPS", sk: `GROUP#${groupNames[getItemKey++ % groups]}` },
          }),
        ),
      );

    const points: BatchPoint[] = [];
    const answerSizes: BatchAnswerSize[] = [];
    const warm = cachedNameServer(r, sizes.routeGroupCacheMs);
    for (const k of sizes.groupsPerTopic) {
      for (const n of sizes.topicCounts) {
        const topics = setOf(k).slice(0, n);
        for (const cache of ["off", "warm"] as const) {
          const server = cache === "off" ? r.nameServer : warm;
          await server.getRoutes(topics);
          const ms: number[] = [];
          const floorMs: number[] = [];
          let requests = 0;
          let rcu = 0;
          for (let run = 0; run < sizes.runs; run++) {
            floorMs.push((await timed(() => getItems(n))).ms);
            r.capacity.reset();
            ms.push((await timed(() => server.getRoutes(topics))).ms);
            const count = r.capacity.count();
            requests = Math.max(requests, count.requests);
            rcu = Math.max(rcu, count.rcu);
          }
          const p50 = percentile(ms, 50);
          const p99 = percentile(ms, 99);
          const f50 = percentile(floorMs, 50);
          const f99 = percentile(floorMs, 99);
          points.push({
            topics: n,
            groupsPerTopic: k,
            cache,
            requests,
            rcu,
            requestsPerTopic: round(requests / n, 3),
            rcuPerTopic: round(rcu / n, 3),
            p50Ms: round(p50),
            p99Ms: round(p99),
            getItemsP50Ms: round(f50),
            getItemsP99Ms: round(f99),
            p50Ratio: round(p50 / f50),
            p99Ratio: round(p99 / f99),
          });
        }
        const answer = await r.nameServer.getRoutes(topics);
        const encode = () => {
          const body = answerBody(answer, false);
          return { body, gzip: gzipSync(Buffer.from(body)) };
        };
        for (let i = 0; i < 5; i++) encode();
        const encodeMs: number[] = [];
        let encoded = encode();
        for (let i = 0; i < 20; i++) {
          const t = await timed(async () => encode());
          encodeMs.push(t.ms);
          encoded = t.value;
        }
        const unchanged = answerBody(answer, true);
        answerSizes.push({
          topics: n,
          groupsPerTopic: k,
          jsonBytes: Buffer.byteLength(encoded.body),
          gzipBytes: encoded.gzip.length,
          unchangedJsonBytes: Buffer.byteLength(unchanged),
          unchangedGzipBytes: gzipSync(Buffer.from(unchanged)).length,
          encodeMs: round(percentile(encodeMs, 50), 3),
        });
      }
    }

    // The fleet: FLEET.producers calls every FLEET.routePollIntervalSeconds, spread over the route
    // function's instances; each call is one producer's topics (one application), each instance has
    // its own cache and clock. Poisson arrivals, seeded.
    let seed = 0x5eed;
    const rand = () => {
      seed ^= seed << 13;
      seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      seed >>>= 0;
      return seed / 4294967296;
    };
    const instances = FLEET.routeFunctionInstances;
    const perSecond = FLEET.producers / FLEET.routePollIntervalSeconds / instances;
    const clock = new FakeClock(now);
    const server = cachedNameServer(r, sizes.routeGroupCacheMs, { now: clock.now });
    const pick = () => applications[Math.floor(rand() * applications.length)]?.topics ?? [];
    const step = () => clock.advance((-Math.log(1 - rand()) * 1000) / perSecond);
    while (clock.now() < now + 3 * sizes.routeGroupCacheMs) {
      await server.getRoutes(pick());
      step();
    }
    let requests = 0;
    let rcu = 0;
    const ms: number[] = [];
    for (let i = 0; i < sizes.fleetCalls; i++) {
      r.capacity.reset();
      const topics = pick();
      ms.push((await timed(() => server.getRoutes(topics))).ms);
      const count = r.capacity.count();
      requests += count.requests;
      rcu += count.rcu;
      step();
    }
    // Every member heartbeated at `now` with a 120 s timeout: the simulation must end before.
    if (clock.now() - now > 115_000) throw new Error("the batch fleet simulation outlived the heartbeats");
    return {
      points,
      sizes: answerSizes,
      fleet: {
        instances,
        routeGroupCacheMs: sizes.routeGroupCacheMs,
        callsPerInstanceSecond: round(perSecond, 2),
        topicsPerCall: FLEET.topicsPerProducer,
        groupsPerTopic: FLEET.groupsPerTopic,
        requestsPerCall: round(requests / sizes.fleetCalls, 3),
        rcuPerCall: round(rcu / sizes.fleetCalls, 3),
        p50Ms: round(percentile(ms, 50)),
        p99Ms: round(percentile(ms, 99)),
      },
    };
  } finally {
    await r.table.drop();
  }
}
