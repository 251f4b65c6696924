/**
 * The bench's common ground: the sizes every count depends on, the figure types, a bench over a
 * fresh DynamoDB Local table (the NameServer's use cases, a fake clock, the capacity log) and the
 * request bodies as the HTTP clients send them. bench/measure.ts and bench/measure-gateway.ts measure on it.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { gunzipSync, gzipSync } from "node:zlib";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { NameServer } from "../lib/app/name-server";
import { createNameServer } from "../lib/app/name-server-service";
import { mapLimit } from "../lib/concurrency";
import type { ChangesAnswer } from "../lib/domain/change-feed";
import {
  type MemberDeadlines,
  type RegisterBrokerRequest,
  registerBrokerSchema,
  type TopicRouteData,
} from "../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../lib/domain/self-preservation";
import { etagOf } from "../lib/http/etag";
import { DynamoRegistryStore } from "../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../lib/store/dynamodb-client";
import { createTableInput } from "../lib/store/table-definition";
import { CapacityLog, FakeClock, registration, topics } from "../test/support/registry-fixture";

/** Sizes: the counts depend on these only, so every mode (and the report check) counts alike. */
export const SIZES = {
  brokerTopics: 1_000,
  largeBrokerTopics: 10_000,
  groupsPerTopic: 10,
  clientTopics: 20,
  /** A host gateway refreshes its 10 clients' topics (none shared: the upper bound). */
  hostTopics: 200,
  sweepInstances: 200,
  deadShare: 0.1,
  fleetInstances: 100,
  /** The steady registrations sent through the gateway (one full body, then light heartbeats). */
  gatewayRegistrations: 10,
} as const;

/** Bytes of HTTP headers beside the bodies (SigV4, content type, ETag, dates), and of a TCP/TLS exchange. */
export const REQUEST_HEADER_BYTES = 1_200;
export const RESPONSE_HEADER_BYTES = 250;
const GZIP_ABOVE = 32 * 1024;

export interface Figure {
  id: string;
  label: string;
  requests: number;
  rcu: number;
  wcu: number;
  /** The handler's work (parse, rules, DynamoDB, answer), p50 in process; an upper bound of billed time. */
  p50Ms: number;
  runs: number;
  calls: string;
}

export interface GatewayFigure {
  id: string;
  label: string;
  /** Remoting requests the gateway answered, registry API requests it sent for them. */
  asks: number;
  apiRequests: number;
  lightHeartbeats: number;
  apiRequestBytes: number;
  apiResponseBytes: number;
  remotingRequestBytes: number;
  remotingResponseBytes: number;
  ddbRequests: number;
  rcu: number;
  wcu: number;
}

/** The gateway's CPU per ask (p50 of rounds; noisy like every timing here, not an exact count). */
export interface GatewayCpu {
  id: string;
  label: string;
  asks: number;
  cpuMicrosPerAsk: number;
}

export interface Measured {
  operations: Figure[];
  /** Wire sizes of one message each (bytes), after the compression the sender applies. */
  bytes: Record<string, number>;
  gateway: GatewayFigure[];
  gatewayCpu: GatewayCpu[];
}

export interface Bench {
  store: DynamoRegistryStore;
  nameServer: NameServer;
  /** A second NameServer over the same table with the route function's group cache, warm. */
  cached: NameServer;
  clock: FakeClock;
  capacity: CapacityLog;
  drop(): Promise<void>;
}

export const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
export function p50(samples: number[]): number {
  const s = [...samples].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.ceil(s.length / 2) - 1] as number);
}

export async function createBench(endpoint: string, routeGroupCacheMs: number): Promise<Bench> {
  const client = createDocumentClient({ endpoint, requestTimeoutMs: 30_000 });
  const tableName = `bench-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  const capacity = new CapacityLog();
  const clock = new FakeClock();
  const store = new DynamoRegistryStore({ client, tableName, recorder: capacity.record });
  const selfPreservation = { ...DEFAULT_SELF_PRESERVATION, enabled: false };
  const make = (cacheMs: number) =>
    createNameServer({ store, now: clock.now, selfPreservation, routeGroupCacheMs: cacheMs });
  return {
    store,
    nameServer: make(0),
    cached: make(routeGroupCacheMs),
    clock,
    capacity,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}

/** Runs `action` `runs` times after `prepare`; keeps the costliest run's counts and the p50. */
export async function figure(
  b: Bench,
  spec: {
    id: string;
    label: string;
    runs: number;
    prepare?: (run: number) => Promise<unknown>;
    action: (run: number) => Promise<unknown>;
  },
): Promise<Figure> {
  const ms: number[] = [];
  let worst = { requests: -1, rcu: 0, wcu: 0, byOperation: {} as Record<string, { requests: number }> };
  for (let run = 0; run < spec.runs; run++) {
    await spec.prepare?.(run);
    b.capacity.reset();
    const t0 = performance.now();
    await spec.action(run);
    ms.push(performance.now() - t0);
    const count = b.capacity.count();
    if (count.requests > worst.requests) worst = count;
  }
  // By name: requests sent side by side complete in either order.
  const calls = Object.entries(worst.byOperation)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([op, c]) => (c.requests > 1 ? `${op} ×${c.requests}` : op))
    .join(", ");
  return {
    id: spec.id,
    label: spec.label,
    requests: worst.requests,
    rcu: worst.rcu,
    wcu: worst.wcu,
    p50Ms: round(p50(ms)),
    runs: spec.runs,
    calls,
  };
}

/** A registration's JSON body as the typed client sends it (gzip above 32 KB). */
export function httpBody(request: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(request));
  return json.length > GZIP_ABOVE ? gzipSync(json) : json;
}

/** What the register-broker handler does with a body: gunzip, JSON, the model's parse, the use case. */
export function registerAsHandler(ns: NameServer, body: Buffer) {
  const text = body[0] === 0x1f ? gunzipSync(body).toString() : body.toString();
  return ns.registerBroker(registerBrokerSchema.parse(JSON.parse(text)));
}

/**
 * POST /routes' answer body as functions/get-routes.ts builds it, gzip-encoded; with the members'
 * `deadlines` when the answer has them (asked with `deadlines: true`, as the gateway does).
 */
export function routesAnswerBody(
  answer: {
    routes: Map<string, TopicRouteData> | Record<string, TopicRouteData>;
    missing: string[];
    deadlines?: MemberDeadlines;
    changes?: ChangesAnswer;
  },
  known: Record<string, string> = {},
): Buffer {
  const routes: Record<string, TopicRouteData> = {};
  const etags: Record<string, string> = {};
  const unchanged: string[] = [];
  const entries = answer.routes instanceof Map ? [...answer.routes] : Object.entries(answer.routes);
  for (const [topic, route] of entries) {
    const etag = etagOf(JSON.stringify(route));
    if (known[topic] === etag) unchanged.push(topic);
    else {
      routes[topic] = route;
      etags[topic] = etag;
    }
  }
  return gzipSync(
    JSON.stringify({
      routes,
      etags,
      unchanged,
      missing: answer.missing,
      ...(answer.deadlines === undefined ? {} : { deadlines: answer.deadlines }),
      ...(answer.changes === undefined ? {} : { changes: answer.changes }),
    }),
  );
}

export const broker = (topicCount: number, overrides: Record<string, unknown> = {}): RegisterBrokerRequest =>
  registration({ topicConfigTable: topics(topicCount, "T"), ...overrides });

/** The address populate() gives member `id` (0 master, 1 slave) of group `g-<g>`. */
export const memberAddr = (g: number, id: number) =>
  `10.1.${Math.floor(g / 250)}.${(g % 250) * 2 + id}:10911`;

/** The members populate() registered heartbeat (BROKER_HEARTBEAT: no history, one write each). */
export async function touchGroups(b: Bench, groups: number): Promise<void> {
  for (let g = 0; g < groups; g++) {
    for (const id of [0, 1]) {
      await b.nameServer.touchBroker({
        clusterName: "DefaultCluster",
        brokerName: `g-${g}`,
        brokerAddr: memberAddr(g, id),
      });
    }
  }
}

/** Populates groups of a master and a slave through the use case, each with `topicsPerGroup` topics. */
export async function populate(
  b: Bench,
  groups: number,
  topicsOf: (g: number) => string[],
  deadAt?: (g: number, id: number) => boolean,
) {
  const now = b.clock.now();
  await mapLimit(
    Array.from({ length: groups }, (_, g) => g),
    deadAt === undefined ? 8 : 1,
    async (g) => {
      const table = Object.fromEntries(
        topicsOf(g).map((t) => [
          t,
          { topicName: t, readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0, order: false },
        ]),
      );
      for (const id of [0, 1]) {
        const request = registration({
          brokerName: `g-${g}`,
          brokerId: id,
          brokerAddr: memberAddr(g, id),
          topicConfigTable: table,
        });
        if (deadAt?.(g, id)) b.clock.time = now - 130_000;
        await b.nameServer.registerBroker(request);
        b.clock.time = now;
      }
    },
  );
}
