import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { BrokerAgent, checkRegisterPeriod, computeBackoffMillis } from "../../lib/client/broker-agent";
import { createPrng } from "../support/prng";

const identity = {
  clusterName: "DefaultCluster",
  brokerName: "broker-a",
  brokerId: 0,
  brokerAddr: "127.0.0.1:10911",
};

const topicState = () => ({ topicConfigTable: {}, dataVersion: { timestamp: 1, counter: 1 } });

describe("checkRegisterPeriod", () => {
  it.each([10_000, 30_000, 60_000])("accepts %i ms", (period) => {
    expect(checkRegisterPeriod(period)).toBe(period);
  });

  it.each([0, 9_999, 60_001, 15_000.5, Number.NaN])(
    "rejects %d ms like RocketMQ's registerNameServerPeriod",
    (period) => {
      expect(() => checkRegisterPeriod(period)).toThrow(/from 10000 to 60000/);
    },
  );
});

describe("computeBackoffMillis (full jitter)", () => {
  const options = { initialMillis: 1000, maxMillis: 30_000 };
  const almostOne = () => 1 - Number.EPSILON;

  it("draws from [0, ceiling) where the ceiling doubles from the initial delay and stops at the cap", () => {
    expect(
      [1, 2, 3, 4, 5, 6, 7, 100].map((n) => computeBackoffMillis(n, options, undefined, almostOne)),
    ).toEqual([999, 1999, 3999, 7999, 15_999, 29_999, 29_999, 29_999]);
    expect(computeBackoffMillis(5, options, undefined, () => 0)).toBe(0);
    expect(computeBackoffMillis(3, options, undefined, () => 0.5)).toBe(2000);
  });

  it("waits at least as long as Retry-After asks, plus the jitter", () => {
    expect(computeBackoffMillis(1, options, 5000, () => 0)).toBe(5000);
    expect(computeBackoffMillis(4, options, 5000, () => 0.5)).toBe(9000);
  });

  it("spreads a fleet that failed together over the whole window instead of retrying in lockstep", () => {
    const prng = createPrng(20261201);
    const fleet = Array.from({ length: 1000 }, () => computeBackoffMillis(4, options, undefined, prng.next));
    // 1000 brokers, 8 s window: no two-second slice holds more than a third of them, none outside.
    const buckets = [0, 0, 0, 0];
    for (const delay of fleet) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(8000);
      buckets[Math.floor(delay / 2000)] = (buckets[Math.floor(delay / 2000)] ?? 0) + 1;
    }
    for (const count of buckets) expect(count).toBeLessThan(333);
    expect(new Set(fleet).size).toBeGreaterThan(800);
  });
});

describe("BrokerAgent options", () => {
  it("rejects a register period outside 10 to 60 s", () => {
    expect(
      () =>
        new BrokerAgent({
          broker: identity,
          nameServers: ["http://127.0.0.1:9876"],
          topicState,
          registerNameServerPeriodMillis: 5000,
        }),
    ).toThrow(RangeError);
  });

  it("rejects an invalid broker identity with the field that is wrong", () => {
    expect(
      () =>
        new BrokerAgent({
          broker: { ...identity, brokerAddr: "no-port" },
          nameServers: ["http://127.0.0.1:9876"],
          topicState,
        }),
    ).toThrow(/brokerAddr/);
  });

  it("rejects a heartbeat timeout that the register period would exceed", () => {
    expect(
      () =>
        new BrokerAgent({
          broker: { ...identity, heartbeatTimeoutMillis: 20_000 },
          nameServers: ["http://127.0.0.1:9876"],
          topicState,
          registerNameServerPeriodMillis: 30_000,
        }),
    ).toThrow(/heartbeatTimeoutMillis/);
  });

  it("needs at least one NameServer", () => {
    expect(() => new BrokerAgent({ broker: identity, nameServers: [], topicState })).toThrow(/at least one/);
  });
});

interface SentRequest {
  url: string;
  body: Record<string, unknown>;
}

/** A NameServer stand-in that answers each request with the next scripted response. */
function scriptedNameServer(responses: Array<() => Response>) {
  const sent: SentRequest[] = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const raw = init?.body;
    const text =
      typeof raw === "string" ? raw : raw instanceof Uint8Array ? gunzipSync(raw).toString("utf8") : "{}";
    sent.push({ url: String(input), body: JSON.parse(text) as Record<string, unknown> });
    const next = responses.shift();
    if (next === undefined) throw new TypeError("fetch failed");
    return next();
  }) as typeof fetch;
  return { fetch: fetchImpl, sent };
}

const ok =
  (body: unknown = { topicConfigApplied: true }) =>
  () =>
    new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
const failure =
  (status: number, code: string, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify({ error: { code, message: code } }), {
      status,
      headers: { "content-type": "application/json", ...headers },
    });

describe("BrokerAgent registrations", () => {
  const table = { TopicTest: { topicName: "TopicTest", readQueueNums: 4, writeQueueNums: 4, perm: 6 } };

  function agentWith(
    fetchImpl: typeof fetch,
    state = { topicConfigTable: table, dataVersion: { timestamp: 1, counter: 1 } },
    random?: () => number,
  ) {
    return new BrokerAgent({
      broker: identity,
      nameServers: ["http://127.0.0.1:9876"],
      topicState: () => state,
      transport: { fetch: fetchImpl },
      ...(random !== undefined ? { random } : {}),
    });
  }

  it("draws each retry delay from its random source (full jitter), so two brokers retry apart", async () => {
    const delays: number[][] = [];
    for (const seed of [1, 2]) {
      const nameServer = scriptedNameServer([failure(503, "SERVICE_UNAVAILABLE"), ok()]);
      const agent = agentWith(nameServer.fetch, undefined, createPrng(seed).next);
      const backoffs: number[] = [];
      agent.on("backoff", (e) => backoffs.push(e.delayMillis));
      await agent.start();
      await agent.stop({ unregister: false });
      delays.push(backoffs);
    }
    const [a, b] = delays.map((d) => d[0] ?? -1);
    expect(a).toBe(Math.floor(createPrng(1).next() * 1000));
    expect(b).toBe(Math.floor(createPrng(2).next() * 1000));
    expect(a).not.toBe(b);
  });

  it("sends the full table on first contact and light heartbeats after", async () => {
    const nameServer = scriptedNameServer([ok(), ok(), ok({ topicConfigApplied: false })]);
    const agent = agentWith(nameServer.fetch);
    const events: string[] = [];
    agent.on("registered", (e) => events.push(`registered:${e.reason}`));
    agent.on("heartbeat", () => events.push("heartbeat"));

    await agent.start();
    await agent.registerNow();
    await agent.stop();

    expect(events).toEqual(["registered:firstContact", "heartbeat"]);
    expect(nameServer.sent[0]?.body.topicConfigTable).toEqual(table);
    expect(nameServer.sent[1]?.body).not.toHaveProperty("topicConfigTable");
    expect(nameServer.sent[1]?.body.dataVersion).toEqual({ stateVersion: 0, timestamp: 1, counter: 1 });
    expect(nameServer.sent[0]?.url).toBe(
      "http://127.0.0.1:9876/clusters/DefaultCluster/brokers/broker-a/heartbeat",
    );
    expect(nameServer.sent[2]?.url).toBe(
      "http://127.0.0.1:9876/clusters/DefaultCluster/brokers/broker-a/unregister",
    );
  });

  it("resends the full table at once when a heartbeat gets 409 FULL_REGISTRATION_REQUIRED", async () => {
    const nameServer = scriptedNameServer([ok(), failure(409, "FULL_REGISTRATION_REQUIRED"), ok(), ok()]);
    const agent = agentWith(nameServer.fetch);
    const reasons: string[] = [];
    agent.on("registered", (e) => reasons.push(e.reason));

    await agent.start();
    await agent.registerNow();
    await agent.stop();

    expect(reasons).toEqual(["firstContact", "fullRegistrationRequired"]);
    expect(nameServer.sent.map((r) => "topicConfigTable" in r.body)).toEqual([true, false, true, false]);
  });

  it("sends the full table again when the dataVersion changes", async () => {
    const nameServer = scriptedNameServer([ok(), ok(), ok()]);
    const state = { topicConfigTable: table, dataVersion: { timestamp: 1, counter: 1 } };
    const agent = agentWith(nameServer.fetch, state);
    const reasons: string[] = [];
    agent.on("registered", (e) => reasons.push(e.reason));

    await agent.start();
    state.dataVersion = { timestamp: 1, counter: 2 };
    await agent.registerNow();
    await agent.stop();

    expect(reasons).toEqual(["firstContact", "dataVersionChanged"]);
  });

  it("backs off for as long as a 503's Retry-After asks, and reports the error", async () => {
    const nameServer = scriptedNameServer([
      failure(503, "SERVICE_UNAVAILABLE", { "retry-after": "7" }),
      ok(),
    ]);
    const agent = agentWith(nameServer.fetch);
    const backoffs: number[] = [];
    const errors: string[] = [];
    agent.on("backoff", (e) => backoffs.push(e.delayMillis));
    agent.on("error", (e) => errors.push(e.error.message));

    await agent.start();
    await agent.stop({ unregister: false });

    expect(backoffs[0]).toBeGreaterThanOrEqual(7000);
    expect(backoffs[0]).toBeLessThan(8000);
    expect(errors).toEqual(["SERVICE_UNAVAILABLE"]);
    expect(agent.states()[0]).toMatchObject({ status: "stopped", consecutiveFailures: 1 });
  });

  it("does not crash without an error listener", async () => {
    const nameServer = scriptedNameServer([]);
    const agent = agentWith(nameServer.fetch);

    await agent.start();
    await agent.stop({ unregister: false });

    expect(agent.states()[0]?.lastError).toMatch(/cannot reach/);
  });

  it("reports the master's addresses answered to a slave", async () => {
    const nameServer = scriptedNameServer([
      ok({ masterAddr: "10.0.0.1:10911", haServerAddr: "10.0.0.1:10912", topicConfigApplied: false }),
    ]);
    const agent = agentWith(nameServer.fetch);
    const seen: unknown[] = [];
    agent.on("registered", (e) => seen.push(e));

    await agent.start();
    await agent.stop({ unregister: false });

    expect(seen).toEqual([
      expect.objectContaining({
        masterAddr: "10.0.0.1:10911",
        haServerAddr: "10.0.0.1:10912",
        topicConfigApplied: false,
      }),
    ]);
    expect(agent.states()[0]).toMatchObject({ masterAddr: "10.0.0.1:10911" });
  });
});
