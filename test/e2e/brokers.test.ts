/**
 * End to end over HTTP: REGISTER_BROKER, UNREGISTER_BROKER, GET_BROKER_MEMBER_GROUP and write perm,
 * against the local registry on DynamoDB Local.
 */
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry, topicConfig, topicPath } from "../support/e2e";

let registry: LocalRegistry;
let api: Client;

beforeAll(async () => {
  registry = await startE2eRegistry("brokers");
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

describe("POST /brokers/heartbeat", () => {
  it("registers a master and a slave; the slave learns its master's addresses", async () => {
    const master = registration({
      brokerName: "bk-ms",
      brokerAddr: "10.1.0.1:10911",
      haServerAddr: "10.1.0.1:10912",
      topicConfigTable: { MsTopic: topicConfig("MsTopic") },
    });
    const masterResponse = await api.post("/brokers/heartbeat", master);
    expect(masterResponse.status).toBe(200);
    expect(masterResponse.body).toEqual({ topicConfigApplied: true });

    const slave = registration({
      brokerName: "bk-ms",
      brokerId: 1,
      brokerAddr: "10.1.0.2:10911",
      topicConfigTable: { MsTopic: topicConfig("MsTopic") },
    });
    const slaveResponse = await api.post("/brokers/heartbeat", slave);
    expect(slaveResponse.status).toBe(200);
    expect(slaveResponse.body).toEqual({
      masterAddr: "10.1.0.1:10911",
      haServerAddr: "10.1.0.1:10912",
      topicConfigApplied: false,
    });

    const route = await api.get(`${topicPath("MsTopic")}/route`);
    expect(route.status).toBe(200);
    expect(route.body.brokerDatas).toEqual([
      {
        cluster: "DefaultCluster",
        brokerName: "bk-ms",
        brokerAddrs: { "0": "10.1.0.1:10911", "1": "10.1.0.2:10911" },
        enableActingMaster: false,
      },
    ]);
    expect(route.body.queueDatas).toEqual([
      { brokerName: "bk-ms", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ]);
  });

  it("answers a steady heartbeat (same registration again) and a light one (no topicConfigTable)", async () => {
    const full = registration({ brokerName: "bk-hb", brokerAddr: "10.2.0.1:10911" });
    expect((await api.post("/brokers/heartbeat", full)).status).toBe(200);
    const steady = await api.post("/brokers/heartbeat", full);
    expect(steady.status).toBe(200);
    expect(steady.body).toEqual({ topicConfigApplied: true });
    const light = await api.post("/brokers/heartbeat", { ...full, topicConfigTable: undefined });
    expect(light.status).toBe(200);
    expect(light.body).toEqual({ topicConfigApplied: false });
  });

  it("answers 409 FULL_REGISTRATION_REQUIRED to a light heartbeat with a dataVersion it does not hold", async () => {
    const full = registration({ brokerName: "bk-409", brokerAddr: "10.3.0.1:10911" });
    expect((await api.post("/brokers/heartbeat", full)).status).toBe(200);
    const stale = registration({
      brokerName: "bk-409",
      brokerAddr: "10.3.0.1:10911",
      dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 2 },
      topicConfigTable: undefined,
    });
    const response = await api.post("/brokers/heartbeat", stale);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe("FULL_REGISTRATION_REQUIRED");
    const unknown = registration({
      brokerName: "bk-never",
      brokerAddr: "10.3.0.9:10911",
      topicConfigTable: undefined,
    });
    expect((await api.post("/brokers/heartbeat", unknown)).status).toBe(409);
  });

  it("rewrites perm from the broker's config when its dataVersion changes", async () => {
    const base = { brokerName: "bk-dv", brokerAddr: "10.4.0.1:10911" };
    await api.post(
      "/brokers/heartbeat",
      registration({ ...base, topicConfigTable: { DvTopic: topicConfig("DvTopic") } }),
    );
    await api.post(
      "/brokers/heartbeat",
      registration({
        ...base,
        dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_001, counter: 2 },
        topicConfigTable: { DvTopic: topicConfig("DvTopic", { perm: 4, readQueueNums: 8 }) },
      }),
    );
    const route = await api.get(`${topicPath("DvTopic")}/route`);
    expect(route.body.queueDatas).toEqual([
      { brokerName: "bk-dv", readQueueNums: 8, writeQueueNums: 4, perm: 4, topicSysFlag: 0 },
    ]);
  });

  it("refuses invalid registrations with 400 naming the field", async () => {
    const bad = registration({
      brokerName: "bk-bad",
      topicConfigTable: { T: topicConfig("T", { perm: 8 }) },
    });
    const response = await api.post("/brokers/heartbeat", bad);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("INVALID_REQUEST");
    expect(response.body.error.details).toEqual([
      { field: "topicConfigTable.T.perm", message: expect.any(String) },
    ]);

    const badAddr = await api.post("/brokers/heartbeat", registration({ brokerAddr: "10.0.0.1" }));
    expect(badAddr.body.error.details[0].field).toBe("brokerAddr");
    const badTimeout = await api.post("/brokers/heartbeat", registration({ heartbeatTimeoutMillis: 999 }));
    expect(badTimeout.body.error.details[0].field).toBe("heartbeatTimeoutMillis");
  });

  it("refuses malformed JSON (400), other media types (415) and bogus gzip (400)", async () => {
    const malformed = await api.request("POST", "/brokers/heartbeat", {
      body: '{"clusterName":',
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("INVALID_REQUEST");
    const text = await api.request("POST", "/brokers/heartbeat", {
      body: "hi",
      headers: { "content-type": "text/plain" },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    const bogus = await api.request("POST", "/brokers/heartbeat", {
      body: "not gzip at all",
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    });
    expect(bogus.status).toBe(400);
  });

  it("refuses bodies over 6 MiB after gunzip with 413, gzip bombs included", async () => {
    const big = registration({ brokerName: "bk-huge", topicConfigTable: undefined, haServerAddr: undefined });
    const padded = { ...big, padding: "x".repeat(7 * 1024 * 1024) };
    const plain = await api.post("/brokers/heartbeat", padded);
    expect(plain.status).toBe(413);
    expect(plain.body.error.code).toBe("PAYLOAD_TOO_LARGE");
    const gzipped = await api.post("/brokers/heartbeat", padded, { gzip: true });
    expect(gzipped.status).toBe(413);

    // about 1 MB on the wire that would inflate to 1 GiB
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    const bombed = await api.request("POST", "/brokers/heartbeat", {
      body: bomb,
      headers: { "content-type": "application/json", "content-encoding": "gzip" },
    });
    expect(bombed.status).toBe(413);
    expect((await api.get("/health")).status).toBe(200);
  });

  it("takes a gzip registration of 5,000 topics", async () => {
    const topicConfigTable: Record<string, Record<string, unknown>> = {};
    for (let i = 0; i < 5000; i++) topicConfigTable[`BigTopic-${i}`] = topicConfig(`BigTopic-${i}`);
    const response = await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "BigCluster",
        brokerName: "bk-big",
        brokerAddr: "10.5.0.1:10911",
        topicConfigTable,
      }),
      { gzip: true },
    );
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ topicConfigApplied: true });
    const topics = await api.get("/clusters/BigCluster/topics");
    expect(topics.body.topicList).toHaveLength(5000);
    expect(topics.body.topicList).toEqual([...topics.body.topicList].sort());
    const route = await api.get(`${topicPath("BigTopic-4999")}/route`);
    expect(route.status).toBe(200);
    expect(route.body.queueDatas[0].brokerName).toBe("bk-big");
  });
});

describe("GET /brokers/{clusterName}/{brokerName}", () => {
  it("lists the group's live members; an unknown group has empty brokerAddrs", async () => {
    await api.post("/brokers/heartbeat", registration({ brokerName: "bk-mg", brokerAddr: "10.6.0.1:10911" }));
    await api.post(
      "/brokers/heartbeat",
      registration({ brokerName: "bk-mg", brokerId: 1, brokerAddr: "10.6.0.2:10911" }),
    );
    const group = await api.get("/brokers/DefaultCluster/bk-mg");
    expect(group.status).toBe(200);
    expect(group.body).toEqual({
      cluster: "DefaultCluster",
      brokerName: "bk-mg",
      brokerAddrs: { "0": "10.6.0.1:10911", "1": "10.6.0.2:10911" },
    });
    const unknown = await api.get("/brokers/DefaultCluster/no-such-group");
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ cluster: "DefaultCluster", brokerName: "no-such-group", brokerAddrs: {} });
  });
});

describe("PUT /brokers/{brokerName}/write-perm", () => {
  it("wipes and adds the WRITE bit on the group's queue data in every topic", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-wp",
        brokerAddr: "10.7.0.1:10911",
        topicConfigTable: {
          WpA: topicConfig("WpA"),
          WpB: topicConfig("WpB"),
          WpC: topicConfig("WpC", { perm: 7 }),
        },
      }),
    );
    const wiped = await api.put("/brokers/bk-wp/write-perm", { writable: false });
    expect(wiped.status).toBe(200);
    expect(wiped.body).toEqual({ affectedTopicCount: 3 });
    expect((await api.get(`${topicPath("WpA")}/route`)).body.queueDatas[0].perm).toBe(4);
    expect((await api.get(`${topicPath("WpC")}/route`)).body.queueDatas[0].perm).toBe(5);

    const added = await api.put("/brokers/bk-wp/write-perm", { writable: true });
    expect(added.body).toEqual({ affectedTopicCount: 3 });
    expect((await api.get(`${topicPath("WpA")}/route`)).body.queueDatas[0].perm).toBe(6);
    expect((await api.get(`${topicPath("WpC")}/route`)).body.queueDatas[0].perm).toBe(7);

    expect((await api.put("/brokers/no-such-group/write-perm", { writable: false })).body).toEqual({
      affectedTopicCount: 0,
    });
    expect((await api.put("/brokers/bk-wp/write-perm", { writable: "no" })).status).toBe(400);
  });
});

describe("POST /brokers/unregister", () => {
  it("removes a slave at once; the group's queue data stays while the master serves", async () => {
    const base = { brokerName: "bk-un1", topicConfigTable: { Un1Topic: topicConfig("Un1Topic") } };
    await api.post("/brokers/heartbeat", registration({ ...base, brokerAddr: "10.8.0.1:10911" }));
    await api.post(
      "/brokers/heartbeat",
      registration({ ...base, brokerId: 1, brokerAddr: "10.8.0.2:10911" }),
    );
    const response = await api.post("/brokers/unregister", {
      clusterName: "DefaultCluster",
      brokerName: "bk-un1",
      brokerId: 1,
      brokerAddr: "10.8.0.2:10911",
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({});
    const route = await api.get(`${topicPath("Un1Topic")}/route`);
    expect(route.body.brokerDatas[0].brokerAddrs).toEqual({ "0": "10.8.0.1:10911" });
  });

  it("cascades: the last member's group leaves the cluster, its topics and queue data disappear", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "UnCluster",
        brokerName: "bk-un2",
        brokerAddr: "10.9.0.1:10911",
        topicConfigTable: { Un2Topic: topicConfig("Un2Topic") },
      }),
    );
    expect((await api.get(`${topicPath("Un2Topic")}/route`)).status).toBe(200);
    const unregister = {
      clusterName: "UnCluster",
      brokerName: "bk-un2",
      brokerId: 0,
      brokerAddr: "10.9.0.1:10911",
    };
    expect((await api.post("/brokers/unregister", unregister)).status).toBe(200);

    const route = await api.get(`${topicPath("Un2Topic")}/route`);
    expect(route.status).toBe(404);
    expect(route.body.error).toEqual({
      code: "TOPIC_NOT_EXIST",
      message: "No topic route info in name server for the topic: Un2Topic",
    });
    const clusters = await api.get("/clusters");
    expect(clusters.body.clusterAddrTable.UnCluster).toBeUndefined();
    expect(clusters.body.brokerAddrTable["bk-un2"]).toBeUndefined();
    expect((await api.get("/topics")).body.topicList).not.toContain("Un2Topic");
    expect((await api.get("/clusters/UnCluster/topics")).body.topicList).toEqual([]);

    // idempotent
    expect((await api.post("/brokers/unregister", unregister)).status).toBe(200);
  });

  it("with enableActingMaster, losing the master clears WRITE on the group's queue data", async () => {
    const base = {
      brokerName: "bk-am",
      enableActingMaster: true,
      topicConfigTable: { AmTopic: topicConfig("AmTopic") },
    };
    await api.post("/brokers/heartbeat", registration({ ...base, brokerAddr: "10.10.0.1:10911" }));
    await api.post(
      "/brokers/heartbeat",
      registration({ ...base, brokerId: 1, brokerAddr: "10.10.0.2:10911" }),
    );
    await api.post("/brokers/unregister", {
      clusterName: "DefaultCluster",
      brokerName: "bk-am",
      brokerId: 0,
      brokerAddr: "10.10.0.1:10911",
    });
    const route = await api.get(`${topicPath("AmTopic")}/route`);
    expect(route.status).toBe(200);
    expect(route.body.queueDatas[0].perm).toBe(4);
    expect(route.body.brokerDatas[0].brokerAddrs).toEqual({ "1": "10.10.0.2:10911" });
  });
});
