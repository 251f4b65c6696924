import type { NameServer } from "../lib/app/name-server";
import type { RoutesAnswer } from "../lib/client/name-server-client";
import { NameServerRequestError } from "../lib/client/transport";
import type { ChangesAnswer } from "../lib/domain/change-feed";
import { FullRegistrationRequiredError } from "../lib/domain/errors";
import { registerBrokerSchema } from "../lib/domain/model";
import {
  type RemotingGateway,
  type RemotingGatewayOptions,
  startRemotingGateway,
} from "../lib/gateway/gateway";
import type { RegistryApi } from "../lib/gateway/registry-api";
import { etagOf } from "../lib/http/etag";
import { encode, requestCommand } from "../lib/remoting/codec";
import { RequestCode } from "../lib/remoting/protocol";
import { encodeRegisterBrokerBody } from "../lib/remoting/register-broker-body";
import { RemotingClient } from "../lib/remoting/remoting-client";
import { FakeClock, registration, topics } from "../test/support/registry-fixture";
import {
  createBench,
  type GatewayCpu,
  type GatewayFigure,
  httpBody,
  memberAddr,
  p50,
  populate,
  REQUEST_HEADER_BYTES,
  RESPONSE_HEADER_BYTES,
  routesAnswerBody,
  SIZES,
  touchGroups,
} from "./measure-base";

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
  const count = { requests: 0, light: 0, requestBytes: 0, responseBytes: 0, registryCpuMicros: 0 };
  // The registry's own CPU inside a call (requests go one at a time: nothing else runs meanwhile).
  const timed = async <T>(call: () => Promise<T>): Promise<T> => {
    const start = process.cpuUsage();
    try {
      return await call();
    } finally {
      const used = process.cpuUsage(start);
      count.registryCpuMicros += used.user + used.system;
    }
  };
  const sent = (body: unknown, answer: Buffer | string) => {
    count.requests++;
    count.requestBytes += REQUEST_HEADER_BYTES + (body === undefined ? 0 : httpBody(body).length);
    count.responseBytes += RESPONSE_HEADER_BYTES + Buffer.byteLength(answer);
  };
  const api: Partial<RegistryApi> = {
    registerBroker: async (request) => {
      if (request.topicConfigTable === undefined) count.light++;
      try {
        const outcome = await timed(() => ns.registerBroker(registerBrokerSchema.parse(request)));
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
      const route = await timed(() => ns.getRouteInfoByTopic(topic));
      const json = JSON.stringify(route);
      sent(undefined, json);
      return { notModified: false, route, etag: etagOf(json) };
    },
    getRoutes: async (list, options) => {
      const deadlines = options?.deadlines === true;
      const since = options?.changesSince;
      // As functions/get-routes.ts: the feed first, then the routes (none asked: no read).
      const changes = since === undefined ? undefined : await timed(() => ns.getChanges(since));
      const answer = await timed(() => ns.getRoutes(list, undefined, deadlines ? { deadlines } : {}));
      const known = { ...(options?.known ?? {}) };
      sent(
        {
          topics: list,
          known,
          ...(deadlines ? { deadlines } : {}),
          ...(since === undefined ? {} : { changesSince: since }),
        },
        routesAnswerBody(
          { ...answer, ...(changes === undefined ? {} : { changes: fixedIds(changes) }) },
          known,
        ),
      );
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
        ...(changes === undefined ? {} : { changes }),
      };
    },
  };
  return { api: api as RegistryApi, count };
}

/**
 * The feed's entry ids end in random hex, which moves the gzip size of an answer by a byte from run to
 * run: counted with that hex as zeros (the same length), so the committed byte counts stay exact.
 */
function fixedIds(changes: ChangesAnswer): ChangesAnswer {
  return {
    ...changes,
    entries: changes.entries.map((e) => ({
      ...e,
      id: e.id.replace(/-[0-9a-f]+$/, (r) => "-".padEnd(r.length, "0")),
    })),
  };
}

/** CPU time of the process around `work`, less what the registry used inside its calls, per ask. */
async function cpuPerAsk(
  count: { registryCpuMicros: number },
  asks: number,
  work: () => Promise<unknown>,
): Promise<number> {
  count.registryCpuMicros = 0;
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system - count.registryCpuMicros) / asks);
}

/**
 * The real gateway on a loopback port over `api` and one client of it (RocketMQ 5.x's version for a
 * broker's registrations); `use` runs, then both close.
 */
async function withGateway<T>(
  api: RegistryApi,
  options: Omit<RemotingGatewayOptions, "port" | "host" | "client" | "log">,
  clientVersion: number | undefined,
  use: (client: RemotingClient, gw: RemotingGateway) => Promise<T>,
): Promise<T> {
  const gw = await startRemotingGateway({
    port: 0,
    host: "127.0.0.1",
    client: api,
    log: () => {},
    ...options,
  });
  const client = new RemotingClient(`127.0.0.1:${gw.port}`, {
    timeoutMs: 60_000,
    ...(clientVersion === undefined ? {} : { version: clientVersion }),
  });
  try {
    return await use(client, gw);
  } finally {
    client.close();
    await gw.close();
  }
}

/** A client asks each topic's route once through the gateway: the answers' bytes. */
async function askRoutes(client: RemotingClient, topics: readonly string[]): Promise<number> {
  let bytes = 0;
  for (const topic of topics) {
    const answer = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
    if (answer.code !== 0) throw new Error(`no route for ${topic}`);
    bytes += encode(answer).length;
  }
  return bytes;
}

/** Rounds of CPU measurement (the first one warms the JIT and is not counted). */
const CPU_ROUNDS = 5;

/**
 * The real gateway over the counting API: a broker's steady registrations with the lever on and off,
 * and a host's clients asking their topics' routes for one poll interval, the cache warm. Also the
 * gateway's CPU per ask (its client runs in the same process, so an upper bound of the gateway's own;
 * the registry's CPU inside its calls is taken out): what sizes the managed endpoint's tasks.
 */
export async function measureGateway(
  endpoint: string,
  cacheMs: number,
  log: (m: string) => void,
): Promise<{ figures: GatewayFigure[]; cpu: GatewayCpu[] }> {
  const out: GatewayFigure[] = [];
  const cpu: GatewayCpu[] = [];
  const b = await createBench(endpoint, cacheMs);
  try {
    const frame = registerBrokerFrame(SIZES.brokerTopics);
    for (const fullEvery of [1, 10]) {
      log(`  gateway: ${SIZES.gatewayRegistrations} steady registrations, full body every ${fullEvery}`);
      const { api, count } = countingApi(b.nameServer);
      const options = { routeCacheIntervalMs: 0, fullRegistrationEvery: fullEvery, unregisterOnClose: false };
      await withGateway(api, options, 479, async (client) => {
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
      });
    }

    {
      const compressed = registerBrokerFrame(SIZES.brokerTopics, 1, true);
      const registrations = 20;
      log(
        `  gateway CPU: ${registrations} steady compressed registrations × ${CPU_ROUNDS}, full body every 10`,
      );
      const { api, count } = countingApi(b.nameServer);
      const options = { routeCacheIntervalMs: 0, unregisterOnClose: false };
      await withGateway(api, options, 479, async (client) => {
        const register = async () => {
          for (let i = 0; i < registrations; i++) {
            const answer = await client.invoke(RequestCode.REGISTER_BROKER, compressed.ext, compressed.body);
            if (answer.code !== 0) throw new Error(`REGISTER_BROKER answered ${answer.code}`);
          }
        };
        const rounds: number[] = [];
        for (let r = 0; r < CPU_ROUNDS; r++) rounds.push(await cpuPerAsk(count, registrations, register));
        cpu.push({
          id: "gateway.cpu.register.compressed",
          label: `a ${SIZES.brokerTopics.toLocaleString("en-US")}-topic broker's steady registration with \`compressedRegister=true\` (one full body in ten)`,
          asks: registrations * (CPU_ROUNDS - 1),
          cpuMicrosPerAsk: p50(rounds.slice(1)),
        });
      });
    }

    log(`  gateway: clients asking ${SIZES.hostTopics} topics' routes for one interval, cache warm`);
    const hostTopics = Array.from({ length: SIZES.hostTopics }, (_, i) => `H-${i}`);
    await populate(b, SIZES.groupsPerTopic, () => hostTopics);
    await b.nameServer.sweep();
    const clock = new FakeClock(Date.now());
    const { api, count } = countingApi(b.cached);
    await withGateway(
      api,
      // Every topic in each round (the feed off): what a full round costs, per topic.
      { routeCacheIntervalMs: 30_000, routeChangeFeed: false, now: clock.now },
      undefined,
      async (client, gw) => {
        const ask = () => askRoutes(client, hostTopics);
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
          label: `one 30 s interval of a host gateway: its clients ask ${SIZES.hostTopics} topics (on ${SIZES.groupsPerTopic} groups) once each; one full refresh (every topic: the feed off, or its half-hourly round)`,
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
        log(`  gateway CPU: ${SIZES.hostTopics} cached route asks × ${CPU_ROUNDS}`);
        const rounds: number[] = [];
        for (let r = 0; r < CPU_ROUNDS; r++) rounds.push(await cpuPerAsk(count, SIZES.hostTopics, ask));
        cpu.push({
          id: "gateway.cpu.route.cached",
          label: "a client's GET_ROUTEINFO_BY_TOPIC answered from the gateway's warm cache",
          asks: SIZES.hostTopics * (CPU_ROUNDS - 1),
          cpuMicrosPerAsk: p50(rounds.slice(1)),
        });
      },
    );

    log("  gateway: the change feed, a steady round and a round after two topics changed");
    {
      const feedClock = new FakeClock(Date.now());
      const feed = countingApi(b.cached);
      await withGateway(
        feed.api,
        { routeCacheIntervalMs: 30_000, now: feedClock.now },
        undefined,
        async (client, gw) => {
          const ask = () => askRoutes(client, hostTopics);
          // A round of the registry's and the gateway's clocks: brokers heartbeat, the sweeper
          // publishes its digest, clients ask, the gateway's round runs.
          const interval = async () => {
            feedClock.advance(30_000);
            b.clock.advance(30_000);
            await touchGroups(b, SIZES.groupsPerTopic);
            await b.nameServer.sweep();
            const responseBytes = await ask();
            Object.assign(feed.count, { requests: 0, light: 0, requestBytes: 0, responseBytes: 0 });
            b.capacity.reset();
            await gw.routes.refresh();
            return responseBytes;
          };
          const record = (id: string, label: string, asks: number, responseBytes: number) => {
            const ddb = b.capacity.count();
            out.push({
              id,
              label,
              asks,
              apiRequests: feed.count.requests,
              lightHeartbeats: 0,
              apiRequestBytes: feed.count.requestBytes,
              apiResponseBytes: feed.count.responseBytes,
              remotingRequestBytes: 0,
              remotingResponseBytes: responseBytes,
              ddbRequests: ddb.requests,
              rcu: ddb.rcu,
              wcu: ddb.wcu,
            });
          };
          await ask();
          await b.nameServer.sweep();
          await interval(); // the first round refetches everything and learns the cursor
          if (gw.routes.stats.fullRounds !== 1) throw new Error("the feed's first round was not a full one");
          const steadyBytes = await interval();
          if (gw.routes.stats.feedRounds !== 1) throw new Error("the steady round did not use the feed");
          record(
            "gateway.routes.feed.steady",
            `a host gateway's steady round by the change feed (${SIZES.hostTopics} topics cached, nothing changed): one POST /routes with changesSince and no topics`,
            0,
            steadyBytes,
          );
          // Two of the host's topics get new queue counts (two topic.registered entries).
          for (const topic of hostTopics.slice(0, 2)) {
            await b.nameServer.registerTopic({
              topic,
              queueDatas: [
                { brokerName: "g-0", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
              ],
            });
          }
          const changeBytes = await interval();
          if (gw.routes.stats.feedRefetchedTopics !== 2) {
            throw new Error(
              `the change round refetched ${gw.routes.stats.feedRefetchedTopics} topics, not 2`,
            );
          }
          record(
            "gateway.routes.feed.change",
            "a host gateway's round by the change feed after two of its topics changed: the feed ask, then the refetch of those two in the same round",
            2,
            changeBytes,
          );
          // A restart: g-1's slave unregisters and registers again (two membership entries, no topic
          // named). The answer carries g-1's membership; the gateway patches its routes, no refetch.
          const slave = {
            clusterName: "DefaultCluster",
            brokerName: "g-1",
            brokerAddr: memberAddr(1, 1),
            brokerId: 1,
          };
          await b.nameServer.unregisterBroker(slave);
          await b.nameServer.registerBroker(
            registration({
              ...slave,
              topicConfigTable: Object.fromEntries(
                hostTopics.map((t) => [
                  t,
                  {
                    topicName: t,
                    readQueueNums: 8,
                    writeQueueNums: 8,
                    perm: 6,
                    topicSysFlag: 0,
                    order: false,
                  },
                ]),
              ),
            }),
          );
          const patchedBefore = gw.routes.stats.feedPatchedTopics;
          const restartBytes = await interval();
          if (gw.routes.stats.feedPatchedTopics - patchedBefore !== SIZES.hostTopics) {
            throw new Error(
              `the restart round patched ${gw.routes.stats.feedPatchedTopics - patchedBefore} routes, not ${SIZES.hostTopics}`,
            );
          }
          record(
            "gateway.routes.feed.restart",
            `a host gateway's round by the change feed after a restart of one of its groups' slaves (an unregister and a registration, ${SIZES.hostTopics} routes list the group): the feed ask, whose answer carries the group's membership; every route patched, none refetched`,
            2,
            restartBytes,
          );
        },
      );
    }
  } finally {
    await b.drop();
  }
  return { figures: out, cpu };
}
