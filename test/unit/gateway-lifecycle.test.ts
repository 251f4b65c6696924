/**
 * The gateway's lifecycle in a fleet: a broker whose own connection dies is unregistered
 * (BrokerHousekeepingService), a gateway that is itself going away unregisters nobody; graceful
 * shutdown answers GO_AWAY to clients newer than V5_3_1 as RocketMQ's `enableShutdownGracefully`,
 * serves older ones, finishes what is in flight and closes at the drain deadline; the counters line;
 * `GET /health`, and the managed endpoint's container liveness check run against it.
 */
import { execFile } from "node:child_process";
import { connect, createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { livenessCheckCommand } from "../../infra/remoting-endpoint-dns";
import {
  countersLine,
  type GatewayCounters,
  type RemotingGateway,
  startRemotingGateway,
} from "../../lib/gateway/gateway";
import { cachedProbe, type HealthServer, startHealthServer } from "../../lib/gateway/health";
import { runGateway } from "../../lib/gateway/run-gateway";
import { MQVersion, RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi } from "../support/fake-registry-api";

let gateway: RemotingGateway | undefined;
let health: HealthServer | undefined;
const clients: RemotingClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  await health?.close();
  gateway = undefined;
  health = undefined;
});

async function start(api = fakeRegistryApi(), options: { countersIntervalMs?: number } = {}) {
  const logs: string[] = [];
  const started = await startRemotingGateway({
    port: 0,
    client: api,
    log: (line) => logs.push(line),
    routeCacheIntervalMs: 0,
    ...options,
  });
  gateway = started;
  const client = (version: number = MQVersion.V5_3_3) => {
    const c = new RemotingClient(`127.0.0.1:${started.port}`, { version, timeoutMs: 5_000 });
    clients.push(c);
    return c;
  };
  return { api, logs, client, gateway: started };
}

const broker = {
  brokerName: "broker-a",
  brokerAddr: "10.0.0.1:10911",
  clusterName: "DefaultCluster",
  haServerAddr: "10.0.0.1:10912",
  brokerId: "0",
};

function gated<T>(value: T) {
  let open: () => void = () => {};
  const gate = new Promise<T>((resolve) => {
    open = () => resolve(value);
  });
  return { gate, open };
}

describe("unregister-on-close in a fleet of gateways", () => {
  it("a broker whose own connection dies is unregistered (BrokerHousekeepingService)", async () => {
    const { api, client, gateway } = await start();
    const c = client();
    await c.invoke(RequestCode.REGISTER_BROKER, broker);
    c.close();
    await expect.poll(() => gateway.server.stats.connectionsClosed).toBe(1);
    expect(api.calls.map((x) => x.method)).toEqual(["registerBroker", "unregisterBroker"]);
    expect(gateway.counters().brokersUnregisteredOnClose).toBe(1);
  });

  it("a gateway being replaced (shutdown) unregisters none of the live brokers connected to it", async () => {
    const { api, client, gateway, logs } = await start();
    const brokers = [client(), client(MQVersion.V4_9_4)];
    await brokers[0]?.invoke(RequestCode.REGISTER_BROKER, broker);
    await brokers[1]?.invoke(RequestCode.REGISTER_BROKER, {
      ...broker,
      brokerName: "broker-b",
      brokerAddr: "10.0.0.2:10911",
    });
    // One broker leaves during the drain (as a 5.x client does after GO_AWAY), the other is closed
    // at the deadline: neither is a broker going away.
    const shutdown = gateway.shutdown(300);
    brokers[0]?.close();
    await shutdown;
    // Every server-side close handler has run once the count says so (same synchronous block).
    await expect.poll(() => gateway.server.stats.connectionsClosed).toBe(2);
    expect(api.calls.map((x) => x.method)).toEqual(["registerBroker", "registerBroker"]);
    expect(gateway.counters().brokersUnregisteredOnClose).toBe(0);
    expect(
      logs.some((line) => /shut down \(1 connection\(s\) closed at the end of the drain/.test(line)),
    ).toBe(true);
  });
});

describe("graceful shutdown", () => {
  it("answers GO_AWAY (1500) to clients newer than V5_3_1 without calling the registry, and serves older ones", async () => {
    const { api, client, gateway } = await start(fakeRegistryApi({ getAllTopicList: () => ["T"] }));
    const current = client(MQVersion.V5_3_3);
    const atBoundary = client(MQVersion.V5_3_1);
    const old = client(MQVersion.V4_9_4);
    for (const c of [current, atBoundary, old])
      expect((await c.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {})).code).toBe(0);
    const calls = api.calls.length;
    const shutdown = gateway.shutdown(10_000);
    const goAway = await current.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {});
    expect(goAway).toMatchObject({ code: 1500, remark: "please go away", flag: 1 });
    expect((await atBoundary.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {})).code).toBe(0);
    expect((await old.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {})).code).toBe(0);
    expect(api.calls.length).toBe(calls + 2);
    expect(gateway.server.stats.goAway).toBe(1);
    // No new connection is accepted.
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(gateway.port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve("accepted");
      });
      socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
    // Every client leaving ends the drain before its deadline.
    for (const c of [current, atBoundary, old]) c.close();
    const began = Date.now();
    await shutdown;
    expect(Date.now() - began).toBeLessThan(5_000);
  });

  it("finishes a request in flight before closing, and closes what is left at the drain deadline", async () => {
    const { gate, open } = gated(["T"]);
    const { client, gateway } = await start(fakeRegistryApi({ getAllTopicList: () => gate }));
    const old = client(MQVersion.V4_9_4);
    const pending = old.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {});
    await expect.poll(() => gateway.server.inFlight).toBe(1);
    let finished = false;
    const shutdown = gateway.shutdown(60_000).then(() => {
      finished = true;
    });
    // The old client stays connected, so only the deadline would end the drain; the request is answered first.
    open();
    expect((await pending).code).toBe(0);
    expect(finished).toBe(false);
    old.close();
    await shutdown;
    expect(gateway.server.connectionCount).toBe(0);
  });

  it("closes connections still open at the deadline", async () => {
    const { client, gateway } = await start();
    const old = client(MQVersion.V4_9_4);
    await old.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {});
    await gateway.shutdown(100);
    await expect.poll(() => gateway.server.connectionCount).toBe(0);
  });
});

describe("counters", () => {
  const zero: GatewayCounters = {
    server: {
      requests: 0,
      requestsByCode: new Map(),
      responsesByCode: new Map(),
      overloadRejections: 0,
      goAway: 0,
      connectionsOpened: 0,
      connectionsClosed: 0,
    },
    connections: 0,
    cacheHits: 0,
    cacheDirectFetches: 0,
    cacheBatchRequests: 0,
    cacheFailedBatches: 0,
    cacheFeedRounds: 0,
    cacheFullRounds: 0,
    brokersUnregisteredOnClose: 0,
  };

  it("one JSON line of differences, SYSTEM_BUSY and overload at the top level for metric filters", () => {
    const before: GatewayCounters = {
      ...zero,
      server: {
        ...zero.server,
        requests: 10,
        requestsByCode: new Map([[105, 10]]),
        responsesByCode: new Map([[0, 10]]),
      },
      cacheHits: 4,
    };
    const now: GatewayCounters = {
      ...zero,
      server: {
        ...zero.server,
        requests: 25,
        requestsByCode: new Map([
          [105, 20],
          [103, 5],
        ]),
        responsesByCode: new Map([
          [0, 18],
          [2, 7],
        ]),
        overloadRejections: 3,
        goAway: 1,
        connectionsOpened: 6,
        connectionsClosed: 2,
      },
      connections: 4,
      cacheHits: 9,
      brokersUnregisteredOnClose: 1,
    };
    expect(JSON.parse(countersLine(before, now, 60_000))).toEqual({
      event: "gateway.counters",
      intervalSeconds: 60,
      requests: 15,
      systemBusy: 7,
      overloadRejections: 3,
      goAway: 1,
      connections: 4,
      connectionsOpened: 6,
      connectionsClosed: 2,
      cacheHits: 5,
      cacheDirectFetches: 0,
      cacheBatchRequests: 0,
      cacheFailedBatches: 0,
      cacheFeedRounds: 0,
      cacheFullRounds: 0,
      brokersUnregisteredOnClose: 1,
      requestsByCode: { "103": 5, "105": 10 },
      responsesByCode: { "0": 8, "2": 7 },
    });
  });

  it("the gateway logs the line every countersIntervalMs and once more when it shuts down", async () => {
    const { client, logs, gateway } = await start(fakeRegistryApi({ getAllTopicList: () => ["T"] }), {
      countersIntervalMs: 100,
    });
    await client().invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {});
    const lines = () => logs.filter((line) => line.startsWith('{"event":"gateway.counters"'));
    await expect.poll(() => lines().some((line) => JSON.parse(line).requests === 1)).toBe(true);
    await gateway.shutdown(0);
    const last = JSON.parse(lines().at(-1) ?? "{}");
    expect(last.event).toBe("gateway.counters");
  });
});

/** `GET /health` on a free port, its registry probe failing and its gateway draining as the test says. */
async function healthServer(options: { details?: () => Record<string, number> } = {}) {
  const state = { failing: false, draining: false, port: 0 };
  health = await startHealthServer({
    host: "127.0.0.1",
    port: 0,
    probe: async () => {
      if (state.failing) throw new Error("connect ECONNREFUSED");
    },
    draining: () => state.draining,
    ...options,
    probeCacheMs: 0,
  });
  state.port = health.port;
  return state;
}

describe("GET /health", () => {
  it("shares one registry probe per cache period, and names the failure", async () => {
    let clock = 0;
    let calls = 0;
    let failing = false;
    const probe = cachedProbe(
      async () => {
        calls++;
        if (failing) throw new Error("registry unreachable");
      },
      5_000,
      () => clock,
    );
    await Promise.all([probe(), probe(), probe()]);
    expect(calls).toBe(1);
    clock = 4_999;
    expect((await probe()).ok).toBe(true);
    expect(calls).toBe(1);
    failing = true;
    clock = 5_000;
    expect(await probe()).toMatchObject({ ok: false, reason: "registry unreachable" });
    expect(calls).toBe(2);
  });

  it("200 while the registry answers, 503 when it does not or while draining, 404 elsewhere", async () => {
    const state = await healthServer({ details: () => ({ connections: 3 }) });
    const get = async (path = "/health") => {
      const response = await fetch(`http://127.0.0.1:${health?.port}${path}`);
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    expect(await get()).toEqual({ status: 200, body: { status: "ok", registry: "ok", connections: 3 } });
    state.failing = true;
    expect(await get()).toEqual({
      status: 503,
      body: { status: "unavailable", registry: "connect ECONNREFUSED", connections: 3 },
    });
    state.failing = false;
    state.draining = true;
    expect((await get()).body.status).toBe("draining");
    expect((await get("/other")).status).toBe(404);
  });
});

describe("namesrv gateway --health-port", () => {
  it("answers 503 naming the failure while the registry cannot be reached, and draining once stopped", async () => {
    // A port nothing listens on: the registry is unreachable.
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
      });
    });
    const running = await runGateway({
      listen: "127.0.0.1:0",
      url: `http://127.0.0.1:${closed}`,
      auth: { kind: "none" },
      healthPort: 0,
      drainMs: 0,
      countersIntervalMs: 0,
      acl: undefined,
      env: {},
      log: () => {},
    });
    try {
      const response = await fetch(`http://127.0.0.1:${running.health?.port}/health`);
      expect(response.status).toBe(503);
      const body = (await response.json()) as { status: string; registry: string };
      expect(body.status).toBe("unavailable");
      expect(body.registry).toMatch(/127\.0\.0\.1/);
    } finally {
      await running.stop();
    }
  });
});

describe("the dns front's container liveness check (infra/remoting-endpoint-dns.ts)", () => {
  /** Runs the container's health check command (after ECS's "CMD") as ECS would; its exit code. */
  const livenessExit = async (port: number) => {
    const [, command, ...args] = livenessCheckCommand(port);
    return new Promise<number | null>((resolve) => {
      execFile(command === "node" ? process.execPath : String(command), args, { timeout: 15_000 }, (error) =>
        resolve(error === null ? 0 : typeof error.code === "number" ? error.code : null),
      );
    });
  };

  it("is live while /health answers, even 503 for an unreachable registry; not while draining or silent", async () => {
    const state = await healthServer();
    const port = state.port;
    expect(await livenessExit(port)).toBe(0);
    // The registry unreachable: the gateway still serves the routes it holds, so it stays in.
    state.failing = true;
    expect(await livenessExit(port)).toBe(0);
    // Draining (SIGTERM): out, so Cloud Map stops naming it.
    state.draining = true;
    expect(await livenessExit(port)).toBe(1);
    // Nothing answers.
    await health?.close();
    health = undefined;
    expect(await livenessExit(port)).toBe(1);
  });
});
