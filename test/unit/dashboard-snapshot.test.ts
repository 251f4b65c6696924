/**
 * The status page's snapshot, against a fake registry (a fetch answering from a table of routes) and a
 * fake clock: roles, topic kinds, what is read how often, and that one failing part never blanks the
 * others.
 */
import { describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { defaultDashboardAuth, parseListen } from "../../lib/dashboard/server";
import { groupsOf, SnapshotSource, topicKind } from "../../lib/dashboard/snapshot";
import type { BrokerLiveInfo } from "../../lib/domain/model";

const API = "http://registry.test";

function live(overrides: Partial<BrokerLiveInfo>): BrokerLiveInfo {
  return {
    clusterName: "DefaultCluster",
    brokerName: "broker-a",
    enableActingMaster: false,
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    lastUpdateTimestamp: 1_000,
    heartbeatTimeoutMillis: 120_000,
    dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
    preserved: false,
    ...overrides,
  };
}

const route = (brokerName: string) => ({
  queueDatas: [{ brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [
    {
      cluster: "DefaultCluster",
      brokerName,
      brokerAddrs: { "0": "10.0.0.1:10911" },
      enableActingMaster: false,
    },
  ],
  filterServerTable: {},
});

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

/**
 * A registry answering `METHOD <path?query>` (the method may be left out for GET) from `answers` (a
 * function for answers that depend on headers or body); 404 otherwise.
 */
function fakeRegistry(answers: Record<string, Answer | ((headers: Headers, body: unknown) => Answer)>) {
  const requests: string[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const path = `${url.pathname}${decodeURIComponent(url.search)}`;
    requests.push(method === "GET" ? path : `${method} ${path}`);
    const entry = answers[method === "GET" ? path : `${method} ${path}`] ?? answers[`${method} ${path}`];
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    const answer =
      typeof entry === "function"
        ? entry(new Headers(init?.headers), body)
        : (entry ?? { status: 404, body: { error: { code: "NOT_FOUND", message: "no such path" } } });
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { "content-type": "application/json", ...answer.headers },
    });
  };
  const client = new NameServerClient(API, new Transport({ fetch: fake as typeof fetch }));
  return { client, requests, fetch: fake as typeof fetch };
}

const healthy = { status: 200, body: { status: "ok", selfPreservation: { active: false } } };

describe("groupsOf", () => {
  it("groups by cluster and broker, sorted, with master and slave roles", () => {
    const clusters = groupsOf([
      live({ brokerName: "broker-b", brokerId: 1, brokerAddr: "10.0.1.2:10911" }),
      live({ brokerName: "broker-b", zoneName: "az-2" }),
      live({ clusterName: "AnotherCluster", brokerName: "broker-c" }),
    ]);
    expect(clusters.map((c) => [c.clusterName, c.groups.map((g) => g.brokerName)])).toEqual([
      ["AnotherCluster", ["broker-c"]],
      ["DefaultCluster", ["broker-b"]],
    ]);
    const group = clusters[1]?.groups[0];
    expect(group?.zoneName).toBe("az-2");
    expect(group?.members.map((m) => [m.brokerId, m.role])).toEqual([
      [0, "master"],
      [1, "slave"],
    ]);
  });

  it("names the acting master of an acting-master group without a live master", () => {
    const members = (enableActingMaster: boolean) =>
      groupsOf([
        live({ brokerId: 2, brokerAddr: "10.0.0.3:10911", enableActingMaster }),
        live({ brokerId: 1, brokerAddr: "10.0.0.2:10911", enableActingMaster }),
      ])[0]?.groups[0]?.members.map((m) => m.role);
    expect(members(true)).toEqual(["acting master", "slave"]);
    expect(members(false)).toEqual(["slave", "slave"]);
  });
});

describe("topicKind (rocketmq-dashboard's filter)", () => {
  it("tells retry, DLQ, system and normal topics apart", () => {
    const names = new Set(["DefaultCluster", "broker-a"]);
    expect(topicKind("%RETRY%group", names)).toBe("retry");
    expect(topicKind("%DLQ%group", names)).toBe("dlq");
    for (const system of [
      "TBW102",
      "SCHEDULE_TOPIC_XXXX",
      "RMQ_SYS_TRANS_HALF_TOPIC",
      "rmq_sys_x",
      "broker-a",
    ])
      expect(topicKind(system, names), system).toBe("system");
    expect(topicKind("TopicTest", names)).toBe("normal");
  });
});

describe("SnapshotSource", () => {
  it("reads brokers with the registry's clock, topics with their routes, and KV namespaces", async () => {
    const { client } = fakeRegistry({
      "/health": healthy,
      "/brokers": { status: 200, body: { now: 5_000, brokers: [live({})] } },
      "/topics": { status: 200, body: { topicList: ["TopicTest", "%RETRY%g"] } },
      "POST /routes": {
        status: 200,
        body: { routes: { TopicTest: route("broker-a"), "%RETRY%g": route("broker-a") } },
      },
      "/kv?namespace=ORDER_TOPIC_CONFIG": { status: 200, body: { table: { TopicTest: "broker-a:4" } } },
      "/kv?namespace=empty-ns": {
        status: 404,
        body: { error: { code: "QUERY_NOT_FOUND", message: "No config item, Namespace: empty-ns" } },
      },
    });
    const source = new SnapshotSource({
      client,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 10_000,
      minIntervalMillis: 1000,
    });
    const snapshot = await source.get(["ORDER_TOPIC_CONFIG", "empty-ns"]);
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.registryNow).toBe(5_000);
    expect(snapshot.heartbeats).toBe(true);
    expect(snapshot.health?.selfPreservation?.active).toBe(false);
    expect(snapshot.clusters?.[0]?.groups[0]?.members[0]).toMatchObject({
      role: "master",
      lastUpdateTimestamp: 1_000,
      heartbeatTimeoutMillis: 120_000,
    });
    expect(snapshot.topics?.map((t) => [t.topic, t.kind, t.route?.queueDatas[0]?.perm])).toEqual([
      ["TopicTest", "normal", 6],
      ["%RETRY%g", "retry", 6],
    ]);
    expect(snapshot.kv).toEqual([
      { namespace: "ORDER_TOPIC_CONFIG", table: { TopicTest: "broker-a:4" } },
      { namespace: "empty-ns", table: {} },
    ]);
  });

  it("shares one snapshot per interval, reads topics and KV only every slow refresh, and sends the ETags it holds", async () => {
    let time = 0;
    const conditional: unknown[] = [];
    const { client, requests } = fakeRegistry({
      "/health": healthy,
      "/brokers": { status: 200, body: { now: 0, brokers: [] } },
      "/topics": { status: 200, body: { topicList: ["TopicTest"] } },
      "POST /routes": (_headers, body) => {
        const known = (body as { known?: Record<string, string> }).known ?? {};
        conditional.push(known);
        return known.TopicTest === '"v1"'
          ? { status: 200, body: { routes: {}, unchanged: ["TopicTest"] } }
          : { status: 200, body: { routes: { TopicTest: route("broker-a") }, etags: { TopicTest: '"v1"' } } };
      },
      "/kv?namespace=ORDER_TOPIC_CONFIG": { status: 200, body: { table: {} } },
    });
    const source = new SnapshotSource({
      client,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 10_000,
      minIntervalMillis: 1000,
      now: () => time,
    });
    const namespaces = ["ORDER_TOPIC_CONFIG"];
    const [a, b] = await Promise.all([source.get(namespaces), source.get(namespaces)]);
    expect(a).toBe(b);
    expect(requests.filter((r) => r === "/brokers")).toHaveLength(1);

    time = 2_000;
    await source.get(namespaces);
    expect(requests.filter((r) => r === "/brokers")).toHaveLength(2);
    expect(requests.filter((r) => r === "/topics")).toHaveLength(1);
    expect(requests.filter((r) => r === "/kv?namespace=ORDER_TOPIC_CONFIG")).toHaveLength(1);

    time = 12_000;
    const later = await source.get(namespaces);
    expect(requests.filter((r) => r === "/topics")).toHaveLength(2);
    expect(conditional).toEqual([{}, { TopicTest: '"v1"' }]);
    expect(later.topics?.[0]?.route?.queueDatas[0]?.brokerName).toBe("broker-a");
  });

  it("never holds brokers and health back for a slow topic refresh", async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const answers = fakeRegistry({
      "/health": healthy,
      "/brokers": { status: 200, body: { now: 0, brokers: [live({})] } },
      "/topics": { status: 200, body: { topicList: ["TopicTest"] } },
      "POST /routes": { status: 200, body: { routes: { TopicTest: route("broker-a") } } },
    });
    const slowClient = new NameServerClient(
      API,
      new Transport({
        fetch: (async (input: string | URL | Request, init?: RequestInit) => {
          if (new URL(String(input)).pathname === "/topics") await held;
          return answers.fetch(input, init);
        }) as typeof fetch,
      }),
    );
    const source = new SnapshotSource({
      client: slowClient,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 30_000,
      minIntervalMillis: 0,
      topicWaitMillis: 20,
    });
    const first = await source.get([]);
    expect(first.clusters).toHaveLength(1);
    expect(first.topics).toBeUndefined();
    release();
    await expect.poll(async () => (await source.get([])).topics?.map((t) => t.topic)).toEqual(["TopicTest"]);
  });

  it("reports a failing part and keeps the others", async () => {
    const { client } = fakeRegistry({
      "/health": {
        status: 503,
        body: { error: { code: "SERVICE_UNAVAILABLE", message: "the table cannot be reached" } },
      },
      "/brokers": { status: 200, body: { now: 0, brokers: [live({})] } },
      "/topics": { status: 200, body: { topicList: ["Gone"] } },
      // No POST /routes here: one GET per topic.
      "/route?topic=Gone": {
        status: 404,
        body: {
          error: {
            code: "TOPIC_NOT_EXIST",
            message: "No topic route info in name server for the topic: Gone",
          },
        },
      },
      "/kv?namespace=ORDER_TOPIC_CONFIG": { status: 200, body: { table: {} } },
    });
    const source = new SnapshotSource({
      client,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 0,
      minIntervalMillis: 0,
    });
    const snapshot = await source.get(["ORDER_TOPIC_CONFIG"]);
    expect(snapshot.errors).toEqual([{ part: "health", message: "the table cannot be reached" }]);
    expect(snapshot.health).toBeUndefined();
    expect(snapshot.clusters).toHaveLength(1);
    expect(snapshot.topics).toEqual([
      { topic: "Gone", kind: "normal", error: "No topic route info in name server for the topic: Gone" },
    ]);
  });

  it("keeps the topics it has, and says why, when the routes cannot be read", async () => {
    let failing = false;
    const { client } = fakeRegistry({
      "/health": healthy,
      "/brokers": { status: 200, body: { now: 0, brokers: [] } },
      "/topics": { status: 200, body: { topicList: ["TopicTest"] } },
      "POST /routes": () =>
        failing
          ? { status: 503, body: { error: { code: "SERVICE_UNAVAILABLE", message: "throttled" } } }
          : { status: 200, body: { routes: { TopicTest: route("broker-a") } } },
    });
    const source = new SnapshotSource({
      client,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 0,
      minIntervalMillis: 0,
    });
    expect((await source.get([])).topics).toHaveLength(1);
    failing = true;
    const snapshot = await source.get([]);
    expect(snapshot.errors).toEqual([{ part: "topics", message: "throttled" }]);
    expect(snapshot.topics?.[0]?.route?.queueDatas[0]?.brokerName).toBe("broker-a");
    failing = false;
    expect((await source.get([])).errors).toEqual([]);
  });

  it("on an API without POST /routes, reads one route per topic, revalidated by ETag", async () => {
    let time = 0;
    const conditional: string[] = [];
    const { client, requests } = fakeRegistry({
      "/health": healthy,
      "/brokers": { status: 200, body: { now: 0, brokers: [] } },
      "/topics": { status: 200, body: { topicList: ["%RETRY%g"] } },
      "/route?topic=%RETRY%g": (headers) => {
        const etag = headers.get("if-none-match");
        if (etag !== null) conditional.push(etag);
        return etag === '"v1"'
          ? { status: 304, headers: { etag: '"v1"' } }
          : { status: 200, body: route("broker-a"), headers: { etag: '"v1"' } };
      },
    });
    const source = new SnapshotSource({
      client,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 10_000,
      minIntervalMillis: 0,
      now: () => time,
    });
    expect((await source.get([])).topics?.[0]?.route?.queueDatas[0]?.brokerName).toBe("broker-a");
    time = 10_000;
    const later = await source.get([]);
    expect(later.topics?.[0]?.route?.queueDatas[0]?.brokerName).toBe("broker-a");
    expect(conditional).toEqual(['"v1"']);
    expect(requests.filter((r) => r === "POST /routes")).toHaveLength(1);
  });

  it("falls back to GET /clusters, without heartbeat times, on an API without GET /brokers", async () => {
    const { client } = fakeRegistry({
      "/health": healthy,
      "/clusters": {
        status: 200,
        body: {
          brokerAddrTable: {
            "broker-a": {
              cluster: "DefaultCluster",
              brokerName: "broker-a",
              brokerAddrs: { "0": "10.0.0.1:10911", "1": "10.0.0.2:10911" },
              enableActingMaster: false,
            },
          },
          clusterAddrTable: { DefaultCluster: ["broker-a"] },
        },
      },
      "/topics": { status: 200, body: { topicList: [] } },
    });
    const source = new SnapshotSource({
      client,
      pollIntervalMillis: 2000,
      slowRefreshMillis: 0,
      minIntervalMillis: 0,
    });
    const snapshot = await source.get([]);
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.heartbeats).toBe(false);
    expect(snapshot.clusters?.[0]?.groups[0]?.members).toEqual([
      { brokerId: 0, role: "master", brokerAddr: "10.0.0.1:10911", preserved: false },
      { brokerId: 1, role: "slave", brokerAddr: "10.0.0.2:10911", preserved: false },
    ]);
  });
});

describe("startDashboard's options", () => {
  it("parses --listen", () => {
    expect(parseListen("127.0.0.1:8088")).toEqual({ host: "127.0.0.1", port: 8088 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    expect(parseListen(":9000")).toEqual({ host: "127.0.0.1", port: 9000 });
    for (const bad of ["8088", "host:", "host:70000", "a:b:1"])
      expect(() => parseListen(bad), bad).toThrow(/--listen/);
  });

  it("signs for an execute-api URL, uses NAMESRV_TOKEN locally, and nothing otherwise", () => {
    expect(
      defaultDashboardAuth("https://abc.execute-api.eu-west-1.amazonaws.com", { NAMESRV_TOKEN: "t" }),
    ).toEqual({
      kind: "sigv4",
    });
    expect(defaultDashboardAuth("http://127.0.0.1:9877", { NAMESRV_TOKEN: "t" })).toEqual({
      kind: "bearer",
      token: "t",
    });
    expect(defaultDashboardAuth("http://127.0.0.1:9877", {})).toEqual({ kind: "none" });
  });
});
