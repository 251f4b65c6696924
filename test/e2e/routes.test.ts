/**
 * End to end over HTTP: routes, listings, topic deletion, and the HTTP edges (404/405, query
 * parameters, percent-encoded topics, ETag/304).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry, topicConfig, topicPath } from "../support/e2e";

let registry: LocalRegistry;
let api: Client;

beforeAll(async () => {
  registry = await startE2eRegistry("routes");
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

describe("GET /topics/{topic}/route", () => {
  it("resolves a percent-encoded %RETRY% topic to exactly that topic", async () => {
    const topic = "%RETRY%group-a";
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-retry",
        brokerAddr: "10.20.0.1:10911",
        topicConfigTable: { [topic]: topicConfig(topic) },
      }),
    );
    expect(topicPath(topic)).toBe("/topics/%25RETRY%25group-a");
    const route = await api.get("/topics/%25RETRY%25group-a/route");
    expect(route.status).toBe(200);
    expect(route.body.queueDatas[0].brokerName).toBe("bk-retry");
    // %25 is a valid piece of a name on its own: the path must be decoded once, not twice
    expect((await api.get("/topics/%2525RETRY%2525group-a/route")).status).toBe(404);
    expect((await api.get("/topics")).body.topicList).toContain(topic);
  });

  it("filters by ?zone=, keeping a group whose master is not live", async () => {
    const topic = "ZoneTopic";
    const table = { [topic]: topicConfig(topic) };
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-z1",
        brokerAddr: "10.21.0.1:10911",
        zoneName: "az-1",
        topicConfigTable: table,
      }),
    );
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-z2",
        brokerAddr: "10.21.0.2:10911",
        zoneName: "az-2",
        topicConfigTable: table,
      }),
    );
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-z3",
        brokerId: 1,
        brokerAddr: "10.21.0.3:10911",
        zoneName: "az-2",
        topicConfigTable: table,
      }),
    );
    const all = await api.get(`${topicPath(topic)}/route`);
    expect(all.body.brokerDatas.map((b: { brokerName: string }) => b.brokerName).sort()).toEqual([
      "bk-z1",
      "bk-z2",
      "bk-z3",
    ]);
    const zone1 = await api.get(`${topicPath(topic)}/route?zone=az-1`);
    expect(zone1.status).toBe(200);
    const names = zone1.body.brokerDatas.map((b: { brokerName: string }) => b.brokerName).sort();
    expect(names).toContain("bk-z1");
    expect(names).not.toContain("bk-z2");
    expect(names).toContain("bk-z3"); // no live master: kept whatever its zone
    expect(
      zone1.body.brokerDatas.find((b: { brokerName: string }) => b.brokerName === "bk-z1").zoneName,
    ).toBe("az-1");

    const invalid = await api.get(`${topicPath(topic)}/route?zone=a%20b`);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].field).toBe("query.zone");
    const unknown = await api.get(`${topicPath(topic)}/route?zon=az-1`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].field).toBe("query.zon");
  });

  it("carries an ETag; If-None-Match with it answers 304 with no body until the route changes", async () => {
    const topic = "EtagTopic";
    const base = {
      brokerName: "bk-etag",
      brokerAddr: "10.22.0.1:10911",
      topicConfigTable: { [topic]: topicConfig(topic) },
    };
    await api.post("/brokers/heartbeat", registration(base));
    const first = await api.get(`${topicPath(topic)}/route`);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[^"]+"$/);

    const notModified = await api.get(`${topicPath(topic)}/route`, {
      headers: { "if-none-match": etag ?? "" },
    });
    expect(notModified.status).toBe(304);
    expect(notModified.text).toBe("");
    expect(notModified.headers.get("etag")).toBe(etag);

    // a heartbeat alone changes nothing in the route: still 304
    await api.post("/brokers/heartbeat", registration(base));
    expect(
      (await api.get(`${topicPath(topic)}/route`, { headers: { "if-none-match": etag ?? "" } })).status,
    ).toBe(304);

    await api.put("/brokers/bk-etag/write-perm", { writable: false });
    const changed = await api.get(`${topicPath(topic)}/route`, { headers: { "if-none-match": etag ?? "" } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("404 TOPIC_NOT_EXIST for an unknown topic; 400 for an invalid name", async () => {
    const missing = await api.get("/topics/NoSuchTopic/route");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      error: {
        code: "TOPIC_NOT_EXIST",
        message: "No topic route info in name server for the topic: NoSuchTopic",
      },
    });
    const invalid = await api.get(`/topics/${encodeURIComponent("bad topic")}/route`);
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details[0].field).toBe("path.topic");
  });

  it("carries the filter servers of the route's brokers", async () => {
    const topic = "FilterTopic";
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-filter",
        brokerAddr: "10.23.0.1:10911",
        filterServerList: ["10.23.0.1:30000"],
        topicConfigTable: { [topic]: topicConfig(topic) },
      }),
    );
    const route = await api.get(`${topicPath(topic)}/route`);
    expect(route.body.filterServerTable).toEqual({ "10.23.0.1:10911": ["10.23.0.1:30000"] });
  });
});

describe("GET /clusters and topic lists", () => {
  it("answers cluster info with live instances", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "InfoCluster",
        brokerName: "bk-info",
        brokerAddr: "10.24.0.1:10911",
        zoneName: "az-9",
        topicConfigTable: { InfoTopic: topicConfig("InfoTopic") },
      }),
    );
    const info = await api.get("/clusters");
    expect(info.status).toBe(200);
    expect(info.body.clusterAddrTable.InfoCluster).toEqual(["bk-info"]);
    expect(info.body.brokerAddrTable["bk-info"]).toEqual({
      cluster: "InfoCluster",
      brokerName: "bk-info",
      brokerAddrs: { "0": "10.24.0.1:10911" },
      zoneName: "az-9",
      enableActingMaster: false,
    });
  });

  it("lists all topics sorted, and a cluster's topics (unknown cluster: empty)", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "ListCluster",
        brokerName: "bk-list",
        brokerAddr: "10.25.0.1:10911",
        topicConfigTable: { ListB: topicConfig("ListB"), ListA: topicConfig("ListA") },
      }),
    );
    const all = (await api.get("/topics")).body.topicList as string[];
    expect(all).toEqual(expect.arrayContaining(["ListA", "ListB"]));
    expect(all).toEqual([...all].sort());
    expect((await api.get("/clusters/ListCluster/topics")).body).toEqual({ topicList: ["ListA", "ListB"] });
    expect((await api.get("/clusters/NoCluster/topics")).body).toEqual({ topicList: [] });
    expect((await api.get("/topics?x=1")).status).toBe(400);
  });
});

describe("DELETE /topics/{topic}", () => {
  it("removes the whole topic; idempotent", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-del",
        brokerAddr: "10.26.0.1:10911",
        topicConfigTable: { DelTopic: topicConfig("DelTopic") },
      }),
    );
    const deleted = await api.delete(topicPath("DelTopic"));
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    expect((await api.get(`${topicPath("DelTopic")}/route`)).status).toBe(404);
    expect((await api.get("/topics")).body.topicList).not.toContain("DelTopic");
    expect((await api.delete(topicPath("DelTopic"))).status).toBe(200);
  });

  it("with ?cluster=C removes only C's queue data; the topic goes when nothing is left", async () => {
    const table = { SharedTopic: topicConfig("SharedTopic") };
    await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "C1",
        brokerName: "bk-c1",
        brokerAddr: "10.27.0.1:10911",
        topicConfigTable: table,
      }),
    );
    await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "C2",
        brokerName: "bk-c2",
        brokerAddr: "10.27.0.2:10911",
        topicConfigTable: table,
      }),
    );
    expect((await api.delete(`${topicPath("SharedTopic")}?cluster=C1`)).status).toBe(200);
    const route = await api.get(`${topicPath("SharedTopic")}/route`);
    expect(route.body.queueDatas.map((q: { brokerName: string }) => q.brokerName)).toEqual(["bk-c2"]);
    expect((await api.get("/clusters/C1/topics")).body.topicList).toEqual([]);

    expect((await api.delete(`${topicPath("SharedTopic")}?cluster=C2`)).status).toBe(200);
    expect((await api.get(`${topicPath("SharedTopic")}/route`)).status).toBe(404);
  });

  it("a typo (?clustr=) is a 400 and deletes nothing", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-typo",
        brokerAddr: "10.28.0.1:10911",
        topicConfigTable: { TypoTopic: topicConfig("TypoTopic") },
      }),
    );
    const response = await api.delete(`${topicPath("TypoTopic")}?clustr=DefaultCluster`);
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe("query.clustr");
    const empty = await api.delete(`${topicPath("TypoTopic")}?cluster=`);
    expect(empty.status).toBe(400);
    expect((await api.get(`${topicPath("TypoTopic")}/route`)).status).toBe(200);
  });
});

describe("HTTP edges", () => {
  it("404 NOT_FOUND for no such path, 405 METHOD_NOT_ALLOWED with Allow for a known one", async () => {
    const missing = await api.get("/no/such/path");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("NOT_FOUND");
    const wrongMethod = await api.request("PATCH", "/kv/ns/key");
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.body.error.code).toBe("METHOD_NOT_ALLOWED");
    expect(wrongMethod.headers.get("allow")).toBe("DELETE, GET, PUT");
    expect((await api.post("/clusters", {})).headers.get("allow")).toBe("GET");
    expect((await api.request("PATCH", "/topics")).headers.get("allow")).toBe("DELETE, GET, POST");
  });

  it("a malformed percent-escape in the path is a 400, never a 500", async () => {
    const response = await api.get("/topics/%E0%A4%A/route");
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_REQUEST");
  });

  it("GET /health answers ok", async () => {
    const health = await api.get("/health");
    expect(health.status).toBe(200);
    expect(health.body.status).toBe("ok");
  });
});
