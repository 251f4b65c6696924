/**
 * End to end over HTTP: an instance whose last heartbeat is older than its heartbeatTimeoutMillis is
 * dead, and reads never return it, whenever the sweeper last ran (here: it never runs).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import {
  type Client,
  client,
  registration,
  sleep,
  startE2eRegistry,
  topicConfig,
  topicPath,
} from "../support/e2e";

let registry: LocalRegistry;
let api: Client;

beforeAll(async () => {
  registry = await startE2eRegistry("expiry-reads", { sweepIntervalMs: 60 * 60 * 1000 });
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

describe("expiry before any sweep", () => {
  it("a dead instance vanishes from every answer", async () => {
    const table = { ExpTopic: topicConfig("ExpTopic") };
    const slave = await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-exp",
        brokerId: 1,
        brokerAddr: "10.40.0.2:10911",
        topicConfigTable: table,
      }),
    );
    expect(slave.status).toBe(200);
    // the two short-lived instances (different groups: no contention) register together, just before the check
    const registered = await Promise.all([
      api.post(
        "/brokers/heartbeat",
        registration({
          brokerName: "bk-exp",
          brokerAddr: "10.40.0.1:10911",
          heartbeatTimeoutMillis: 1000,
          topicConfigTable: table,
        }),
      ),
      api.post(
        "/brokers/heartbeat",
        registration({
          clusterName: "ExpCluster",
          brokerName: "bk-exp-alone",
          brokerAddr: "10.40.0.3:10911",
          heartbeatTimeoutMillis: 1000,
          topicConfigTable: { ExpAloneTopic: topicConfig("ExpAloneTopic") },
        }),
      ),
    ]);
    expect(registered.map((response) => response.status)).toEqual([200, 200]);
    const before = await api.get("/clusters");
    expect(before.body.brokerAddrTable["bk-exp"].brokerAddrs).toEqual({
      "0": "10.40.0.1:10911",
      "1": "10.40.0.2:10911",
    });
    expect(before.body.clusterAddrTable.ExpCluster).toEqual(["bk-exp-alone"]);

    await sleep(1500);

    // the group keeps its live slave; the dead master is gone from routes and member groups
    const route = await api.get(`${topicPath("ExpTopic")}/route`);
    expect(route.status).toBe(200);
    expect(route.body.brokerDatas[0].brokerAddrs).toEqual({ "1": "10.40.0.2:10911" });
    expect((await api.get("/brokers/DefaultCluster/bk-exp")).body.brokerAddrs).toEqual({
      "1": "10.40.0.2:10911",
    });
    const slaveHeartbeat = await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-exp",
        brokerId: 1,
        brokerAddr: "10.40.0.2:10911",
        topicConfigTable: table,
      }),
    );
    expect(slaveHeartbeat.body.masterAddr).toBeUndefined();

    // a group with no live member contributes nothing anywhere
    const aloneRoute = await api.get(`${topicPath("ExpAloneTopic")}/route`);
    expect(aloneRoute.status).toBe(404);
    expect(aloneRoute.body.error.code).toBe("TOPIC_NOT_EXIST");
    const clusters = await api.get("/clusters");
    expect(clusters.body.brokerAddrTable["bk-exp-alone"]).toBeUndefined();
    expect(clusters.body.clusterAddrTable.ExpCluster).toBeUndefined();
    expect(clusters.body.brokerAddrTable["bk-exp"].brokerAddrs).toEqual({ "1": "10.40.0.2:10911" });
    expect((await api.get("/clusters/ExpCluster/topics")).body.topicList).toEqual([]);
    expect((await api.get("/topics")).body.topicList).not.toContain("ExpAloneTopic");
    expect((await api.get("/brokers/ExpCluster/bk-exp-alone")).body.brokerAddrs).toEqual({});
  });
});
