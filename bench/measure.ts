/**
 * What the bench measures on DynamoDB Local, through the real code: each operation's DynamoDB
 * requests and consumed RCU/WCU (the store's recorder: exact, the same on every run) and its handler
 * work (p50, noisy), the bytes each hop carries, and the real remoting gateway driven by a RocketMQ
 * broker's frames and client asks, over an in-process registry API that counts requests and bytes.
 * The cost model (bench/cost.ts) prices only these figures. Fixtures come from test/support.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { gunzipSync, gzipSync } from "node:zlib";
import { CreateTableCommand, DeleteTableCommand } from "@aws-sdk/client-dynamodb";
import type { NameServer } from "../lib/app/name-server";
import { createNameServer } from "../lib/app/name-server-service";
import type { RoutesAnswer } from "../lib/client/name-server-client";
import { NameServerRequestError } from "../lib/client/transport";
import { mapLimit } from "../lib/concurrency";
import { FullRegistrationRequiredError } from "../lib/domain/errors";
import {
  type MemberDeadlines,
  type RegisterBrokerRequest,
  registerBrokerSchema,
  type TopicRouteData,
} from "../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../lib/domain/self-preservation";
import { startRemotingGateway } from "../lib/gateway/gateway";
import { fastjsonRoute } from "../lib/gateway/processors";
import type { RegistryApi } from "../lib/gateway/registry-api";
import { etagOf } from "../lib/http/etag";
import { encode, requestCommand } from "../lib/remoting/codec";
import { RequestCode } from "../lib/remoting/protocol";
import { encodeRegisterBrokerBody } from "../lib/remoting/register-broker-body";
import { RemotingClient } from "../lib/remoting/remoting-client";
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

export interface Measured {
  operations: Figure[];
  /** Wire sizes of one message each (bytes), after the compression the sender applies. */
  bytes: Record<string, number>;
  gateway: GatewayFigure[];
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

const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
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
async function figure(
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
  const calls = Object.entries(worst.byOperation)
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
function registerAsHandler(ns: NameServer, body: Buffer) {
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
    }),
  );
}

const broker = (topicCount: number, overrides: Record<string, unknown> = {}): RegisterBrokerRequest =>
  registration({ topicConfigTable: topics(topicCount, "T"), ...overrides });

/** Populates groups of a master and a slave through the use case, each with `topicsPerGroup` topics. */
async function populate(
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
          brokerAddr: `10.1.${Math.floor(g / 250)}.${(g % 250) * 2 + id}:10911`,
          topicConfigTable: table,
        });
        if (deadAt?.(g, id)) b.clock.time = now - 130_000;
        await b.nameServer.registerBroker(request);
        b.clock.time = now;
      }
    },
  );
}

async function operations(
  endpoint: string,
  runs: number,
  cacheMs: number,
  log: (m: string) => void,
): Promise<Figure[]> {
  const out: Figure[] = [];
  const b = await createBench(endpoint, cacheMs);
  try {
    log("  registrations and heartbeats");
    // Loads the NameServer's config caches, so that every figure is the warm instance's.
    await registerAsHandler(
      b.nameServer,
      httpBody(broker(1, { brokerName: "warmup", brokerAddr: "10.9.9.9:10911" })),
    );
    for (const n of [10, SIZES.brokerTopics, SIZES.largeBrokerTopics]) {
      out.push(
        await figure(b, {
          id: `registration.first.${n}`,
          label: `first registration, ${n.toLocaleString("en-US")} topics`,
          runs: n >= 10_000 ? Math.min(runs, 2) : Math.min(runs, 5),
          action: (run) =>
            registerAsHandler(b.nameServer, httpBody(broker(n, { brokerName: `first-${n}-${run}` }))),
        }),
      );
    }
    out.push(
      await figure(b, {
        id: "registration.changed.1000",
        label: "re-registration, changed dataVersion, 1,000 topics",
        runs: Math.min(runs, 5),
        action: (run) =>
          registerAsHandler(
            b.nameServer,
            httpBody(
              broker(1_000, {
                brokerName: "first-1000-0",
                dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 10 + run },
              }),
            ),
          ),
      }),
    );
    for (const n of [SIZES.brokerTopics, SIZES.largeBrokerTopics]) {
      const body = httpBody(
        broker(n, {
          brokerName: `first-${n}-0`,
          ...(n === 1_000
            ? {
                dataVersion: {
                  stateVersion: 0,
                  timestamp: 1732400000000,
                  counter: 10 + Math.min(runs, 5) - 1,
                },
              }
            : {}),
        }),
      );
      out.push(
        await figure(b, {
          id: `heartbeat.steady.${n}`,
          label: `steady registration (same dataVersion, same topics), ${n.toLocaleString("en-US")} topics`,
          runs,
          action: async () => {
            if ((await registerAsHandler(b.nameServer, body)).kind !== "steady")
              throw new Error("not steady");
          },
        }),
      );
    }
    const light = Buffer.from(
      JSON.stringify({
        ...broker(0, {
          brokerName: "first-1000-0",
          dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 10 + Math.min(runs, 5) - 1 },
        }),
        topicConfigTable: undefined,
      }),
    );
    out.push(
      await figure(b, {
        id: "heartbeat.light",
        label: "light heartbeat (no topicConfigTable: what the gateway sends for a steady registration)",
        runs,
        action: async () => {
          if ((await registerAsHandler(b.nameServer, light)).kind !== "light") throw new Error("not light");
        },
      }),
    );

    log("  route queries");
    const routeTopics = Array.from({ length: SIZES.hostTopics }, (_, i) => `R-${i}`);
    await populate(b, SIZES.groupsPerTopic, () => routeTopics);
    await b.nameServer.sweep(); // the sweeper state exists on a deployed table
    for (const [server, cache] of [
      [b.nameServer, "off"],
      [b.cached, "warm"],
    ] as const) {
      await server.getRoutes(routeTopics);
      out.push(
        await figure(b, {
          id: `route.get.${cache}`,
          label: `GET /route, topic on ${SIZES.groupsPerTopic} groups, group cache ${cache}`,
          runs,
          action: async (run) =>
            JSON.stringify(await server.getRouteInfoByTopic(routeTopics[run % 20] as string)),
        }),
      );
      for (const n of [SIZES.clientTopics, SIZES.hostTopics]) {
        // A host's batch is a gateway's: it asks for the members' deadlines too.
        const deadlines = n === SIZES.hostTopics;
        out.push(
          await figure(b, {
            id: `routes.post.${n}.${cache}`,
            label: `POST /routes of ${n} topics on ${SIZES.groupsPerTopic} shared groups, group cache ${cache}${deadlines ? ", with deadlines (a gateway's batch)" : ""}`,
            runs: n > 20 ? Math.max(3, Math.floor(runs / 5)) : runs,
            action: async () =>
              routesAnswerBody(
                await server.getRoutes(routeTopics.slice(0, n), undefined, deadlines ? { deadlines } : {}),
              ),
          }),
        );
      }
    }
  } finally {
    await b.drop();
  }

  log("  sweeps");
  for (const [id, instances, dead] of [
    ["sweep.idle", SIZES.fleetInstances, 0],
    ["sweep.dead", SIZES.sweepInstances, SIZES.sweepInstances * SIZES.deadShare],
  ] as const) {
    const s = await createBench(endpoint, 0);
    try {
      const groups = instances / 2;
      // Dead: whole groups (both members) first, then one slave each, a quarter of the dead each way.
      const deadGroups = Math.floor(dead / 4);
      await populate(
        s,
        groups,
        (g) => [`S-${g}-0`, `S-${g}-1`, `S-${g}-2`],
        (g, id) => g < deadGroups || (id === 1 && g < deadGroups + (dead - 2 * deadGroups)),
      );
      out.push(
        await figure(s, {
          id: `${id}.${instances}`,
          label: `sweep, ${instances} instances, ${dead === 0 ? "none dead (every 30 s)" : `${dead} dead`}`,
          runs: dead === 0 ? Math.max(2, Math.floor(runs / 20)) : 1,
          action: async () => {
            const report = await s.nameServer.sweep();
            if (report.expiredInstances !== dead)
              throw new Error(`sweep expired ${report.expiredInstances}, expected ${dead}`);
          },
        }),
      );
    } finally {
      await s.drop();
    }
  }
  return out;
}

/** A RocketMQ 5.x broker's REGISTER_BROKER (uncompressed fastjson body, as brokers send by default). */
export function registerBrokerFrame(topicCount: number, counter = 1, compressed = false) {
  const table = Object.fromEntries(
    Object.keys(topics(topicCount, "T")).map((t) => [
      t,
      { topicName: t, readQueueNums: 8, writeQueueNums: 8 },
    ]),
  );
  const body = encodeRegisterBrokerBody(
    { dataVersion: { counter, stateVersion: 0, timestamp: 1732400000000 }, topicConfigTable: table },
    { compressed, version: 479 },
  );
  const ext = {
    brokerName: "broker-a",
    brokerAddr: "10.0.0.1:10911",
    clusterName: "DefaultCluster",
    haServerAddr: "10.0.0.1:10912",
    brokerId: "0",
    compressed: String(compressed),
    enableActingMaster: "false",
  };
  return {
    ext,
    body,
    bytes: encode(requestCommand(RequestCode.REGISTER_BROKER, ext, { version: 479, body })).length,
  };
}

/**
 * The registry API in process, as the HTTP handlers answer it, counting requests and bytes: what a
 * gateway sends to the front door and gets back.
 */
function countingApi(ns: NameServer) {
  const count = { requests: 0, light: 0, requestBytes: 0, responseBytes: 0 };
  const sent = (body: unknown, answer: Buffer | string) => {
    count.requests++;
    count.requestBytes += REQUEST_HEADER_BYTES + (body === undefined ? 0 : httpBody(body).length);
    count.responseBytes += RESPONSE_HEADER_BYTES + Buffer.byteLength(answer);
  };
  const api: Partial<RegistryApi> = {
    registerBroker: async (request) => {
      if (request.topicConfigTable === undefined) count.light++;
      try {
        const outcome = await ns.registerBroker(registerBrokerSchema.parse(request));
        sent(request, JSON.stringify(outcome.response));
        return outcome.response;
      } catch (error) {
        if (!(error instanceof FullRegistrationRequiredError)) throw error;
        sent(request, '{"code":"FULL_REGISTRATION_REQUIRED","message":"…"}');
        throw new NameServerRequestError("in-process", 409, "FULL_REGISTRATION_REQUIRED", error.message);
      }
    },
    unregisterBroker: async (request) => {
      await ns.unregisterBroker(request);
      sent(request, "{}");
    },
    getRouteInfoByTopic: async (topic) => {
      const route = await ns.getRouteInfoByTopic(topic);
      const json = JSON.stringify(route);
      sent(undefined, json);
      return { notModified: false, route, etag: etagOf(json) };
    },
    getRoutes: async (list, options) => {
      const deadlines = options?.deadlines === true;
      const answer = await ns.getRoutes(list, undefined, deadlines ? { deadlines } : {});
      const known = { ...(options?.known ?? {}) };
      sent({ topics: list, known, ...(deadlines ? { deadlines } : {}) }, routesAnswerBody(answer, known));
      const routes: RoutesAnswer["routes"] = {};
      const etags: Record<string, string> = {};
      const unchanged: string[] = [];
      for (const [topic, route] of answer.routes) {
        const etag = etagOf(JSON.stringify(route));
        if (known[topic] === etag) unchanged.push(topic);
        else {
          routes[topic] = route;
          etags[topic] = etag;
        }
      }
      return {
        routes,
        etags,
        unchanged,
        missing: answer.missing,
        ...(answer.deadlines === undefined ? {} : { deadlines: answer.deadlines }),
      };
    },
  };
  return { api: api as RegistryApi, count };
}

/**
 * The real gateway over the counting API: a broker's steady registrations with the lever on and off,
 * and a host's clients asking their topics' routes for one poll interval, the cache warm.
 */
async function gateway(
  endpoint: string,
  cacheMs: number,
  log: (m: string) => void,
): Promise<GatewayFigure[]> {
  const out: GatewayFigure[] = [];
  const b = await createBench(endpoint, cacheMs);
  try {
    const frame = registerBrokerFrame(SIZES.brokerTopics);
    for (const fullEvery of [1, 10]) {
      log(`  gateway: ${SIZES.gatewayRegistrations} steady registrations, full body every ${fullEvery}`);
      const { api, count } = countingApi(b.nameServer);
      const gw = await startRemotingGateway({
        port: 0,
        host: "127.0.0.1",
        client: api,
        routeCacheIntervalMs: 0,
        fullRegistrationEvery: fullEvery,
        unregisterOnClose: false,
        log: () => {},
      });
      const client = new RemotingClient(`127.0.0.1:${gw.port}`, { version: 479, timeoutMs: 60_000 });
      try {
        const first = await client.invoke(RequestCode.REGISTER_BROKER, frame.ext, frame.body);
        if (first.code !== 0) throw new Error(`REGISTER_BROKER answered ${first.code} ${first.remark ?? ""}`);
        Object.assign(count, { requests: 0, light: 0, requestBytes: 0, responseBytes: 0 });
        b.capacity.reset();
        let responseBytes = 0;
        for (let i = 0; i < SIZES.gatewayRegistrations; i++) {
          const answer = await client.invoke(RequestCode.REGISTER_BROKER, frame.ext, frame.body);
          if (answer.code !== 0) throw new Error(`REGISTER_BROKER answered ${answer.code}`);
          responseBytes += encode(answer).length;
        }
        const ddb = b.capacity.count();
        out.push({
          id: `gateway.register.every${fullEvery}`,
          label: `${SIZES.gatewayRegistrations} steady registrations of a ${SIZES.brokerTopics.toLocaleString("en-US")}-topic broker through the gateway, ${fullEvery === 1 ? "lever off (every body in full)" : `full body every ${fullEvery}th`}`,
          asks: SIZES.gatewayRegistrations,
          apiRequests: count.requests,
          lightHeartbeats: count.light,
          apiRequestBytes: count.requestBytes,
          apiResponseBytes: count.responseBytes,
          remotingRequestBytes: SIZES.gatewayRegistrations * frame.bytes,
          remotingResponseBytes: responseBytes,
          ddbRequests: ddb.requests,
          rcu: ddb.rcu,
          wcu: ddb.wcu,
        });
      } finally {
        client.close();
        await gw.close();
      }
    }

    log(`  gateway: clients asking ${SIZES.hostTopics} topics' routes for one interval, cache warm`);
    const hostTopics = Array.from({ length: SIZES.hostTopics }, (_, i) => `H-${i}`);
    await populate(b, SIZES.groupsPerTopic, () => hostTopics);
    await b.nameServer.sweep();
    const clock = new FakeClock(Date.now());
    const { api, count } = countingApi(b.cached);
    const gw = await startRemotingGateway({
      port: 0,
      host: "127.0.0.1",
      client: api,
      routeCacheIntervalMs: 30_000,
      now: clock.now,
      log: () => {},
    });
    const client = new RemotingClient(`127.0.0.1:${gw.port}`, { timeoutMs: 60_000 });
    try {
      const ask = async () => {
        let bytes = 0;
        for (const topic of hostTopics) {
          const answer = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
          if (answer.code !== 0) throw new Error(`no route for ${topic}`);
          bytes += encode(answer).length;
        }
        return bytes;
      };
      await ask(); // first asks: answered from the table, one GET each
      clock.advance(30_000);
      await gw.routes.refresh(); // the interval's refresh: POST /routes
      Object.assign(count, { requests: 0, light: 0, requestBytes: 0, responseBytes: 0 });
      b.capacity.reset();
      clock.advance(29_000);
      await gw.routes.refresh();
      const responseBytes = await ask();
      const ddb = b.capacity.count();
      const request = requestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "H-0" });
      out.push({
        id: "gateway.routes.interval",
        label: `one 30 s interval of a host gateway: its clients ask ${SIZES.hostTopics} topics (on ${SIZES.groupsPerTopic} groups) once each; one refresh`,
        asks: SIZES.hostTopics,
        apiRequests: count.requests,
        lightHeartbeats: 0,
        apiRequestBytes: count.requestBytes,
        apiResponseBytes: count.responseBytes,
        remotingRequestBytes: SIZES.hostTopics * encode(request).length,
        remotingResponseBytes: responseBytes,
        ddbRequests: ddb.requests,
        rcu: ddb.rcu,
        wcu: ddb.wcu,
      });
    } finally {
      client.close();
      await gw.close();
    }
  } finally {
    await b.drop();
  }
  return out;
}

function wireBytes(): Record<string, number> {
  const big = (n: number) => httpBody(broker(n)).length;
  const route = registration({ topicConfigTable: topics(1) });
  const lightBody = Buffer.byteLength(JSON.stringify({ ...route, topicConfigTable: undefined }));
  const sampleRoute: TopicRouteData = {
    queueDatas: Array.from({ length: SIZES.groupsPerTopic }, (_, g) => ({
      brokerName: `g-${g}`,
      readQueueNums: 8,
      writeQueueNums: 8,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: Array.from({ length: SIZES.groupsPerTopic }, (_, g) => ({
      cluster: "DefaultCluster",
      brokerName: `g-${g}`,
      brokerAddrs: { "0": `10.1.0.${2 * g}:10911`, "1": `10.1.0.${2 * g + 1}:10911` },
      enableActingMaster: false,
    })),
    filterServerTable: {},
  };
  const clientTopics = Array.from({ length: SIZES.clientTopics }, (_, i) => `ProducerTopic-${i}`);
  const routes = new Map(clientTopics.map((t) => [t, sampleRoute]));
  const etags = Object.fromEntries(clientTopics.map((t) => [t, etagOf(JSON.stringify(sampleRoute))]));
  const routeJson = Buffer.byteLength(JSON.stringify(sampleRoute));
  return {
    "http.register.1000": big(SIZES.brokerTopics),
    "http.register.10000": big(SIZES.largeBrokerTopics),
    "http.light": lightBody,
    "http.routes.20.request": Buffer.byteLength(JSON.stringify({ topics: clientTopics, known: etags })),
    "http.routes.20.unchanged": routesAnswerBody({ routes, missing: [] }, etags).length,
    "http.routes.20.changed": routesAnswerBody({ routes, missing: [] }).length,
    "http.route.1": routeJson,
    "remoting.register.1000": registerBrokerFrame(SIZES.brokerTopics).bytes,
    "remoting.register.10000": registerBrokerFrame(SIZES.largeBrokerTopics).bytes,
    "remoting.register.1000.compressed": registerBrokerFrame(SIZES.brokerTopics, 1, true).bytes,
    "remoting.route.request": encode(
      requestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "ProducerTopic-0" }),
    ).length,
    "remoting.route.response": encode({
      code: 0,
      language: "JAVA",
      version: 479,
      opaque: 1,
      flag: 1,
      extFields: {},
      body: Buffer.from(fastjsonRoute(sampleRoute)),
    }).length,
  };
}

export async function measure(
  endpoint: string,
  options: { runs: number; routeGroupCacheMs: number; log: (m: string) => void },
): Promise<Measured> {
  const { runs, routeGroupCacheMs: cacheMs, log } = options;
  log("per-operation figures");
  const ops = await operations(endpoint, runs, cacheMs, log);
  log("the remoting gateway over the counting registry API");
  const gw = await gateway(endpoint, cacheMs, log);
  return { operations: ops, bytes: wireBytes(), gateway: gw };
}
