/**
 * End to end over HTTP: the rest of RocketMQ's NameServer requests (API.md "Version 2 additions"), raw
 * and through the typed client (NameServerClient).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { NameServerRequestError, Transport } from "../../lib/client/transport";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry, topicConfig } from "../support/e2e";

let registry: LocalRegistry;
let api: Client;
let typed: NameServerClient;

beforeAll(async () => {
  registry = await startE2eRegistry("requests");
  api = client(registry.url);
  typed = new NameServerClient(registry.url, new Transport());
});
afterAll(async () => {
  await registry?.stop();
});

const member = { clusterName: "DefaultCluster", brokerName: "e2e-touch", brokerAddr: "10.7.0.1:10911" };
const dataVersion = { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 1 };

describe("POST /brokers/touch and /brokers/data-version", () => {
  it("touch answers {} for a registered member and 409 for an unknown address", async () => {
    await api.post("/brokers/heartbeat", registration({ ...member, dataVersion }));
    const touched = await api.post("/brokers/touch", member);
    expect(touched.status).toBe(200);
    expect(touched.body).toEqual({});
    const unknown = await api.post("/brokers/touch", { ...member, brokerAddr: "10.7.0.9:10911" });
    expect(unknown.status).toBe(409);
    expect(unknown.body.error.code).toBe("FULL_REGISTRATION_REQUIRED");
    await typed.touchBroker(member);
  });

  it("data-version says whether the registration is current", async () => {
    const query = { ...member, brokerId: 0, dataVersion };
    expect((await api.post("/brokers/data-version", query)).body).toEqual({ changed: false, dataVersion });
    expect(await typed.queryDataVersion({ ...query, dataVersion: { ...dataVersion, counter: 2 } })).toEqual({
      changed: true,
      dataVersion,
    });
    const bad = await api.post("/brokers/data-version", { ...query, dataVersion: { counter: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe("dataVersion.timestamp");
  });
});

describe("POST /topics, GET /topics?system=true|unit=", () => {
  it("registers a topic on a registered group and lists system and unit topics", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: "E2eCluster",
        brokerName: "e2e-topics",
        brokerAddr: "10.7.0.2:10911",
        topicConfigTable: { "e2e-unit": topicConfig("e2e-unit", { topicSysFlag: 1 }) },
      }),
    );
    const qd = { brokerName: "e2e-topics", readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 2 };
    expect((await api.post("/topics", { topic: "e2e-registered", queueDatas: [qd] })).status).toBe(200);
    expect((await api.get("/topics/e2e-registered/route")).body.queueDatas).toEqual([qd]);

    const system = await api.get("/topics?system=true");
    expect(system.body.topicList).toEqual(expect.arrayContaining(["E2eCluster", "e2e-topics"]));
    expect(system.body.brokerAddr).toMatch(/:10911$/);
    expect((await typed.getSystemTopicList()).topicList).toEqual(system.body.topicList);

    expect((await api.get("/topics?unit=unit")).body.topicList).toContain("e2e-unit");
    expect(await typed.getUnitTopicList("unit-sub-ununit")).toContain("e2e-registered");
    expect((await api.get("/topics?unit=nope")).status).toBe(400);
  });
});

describe("GET / PUT /config", () => {
  it("shows the settings, changes a switch that really switches, and refuses unknown names", async () => {
    const config = (await api.get("/config")).body.config;
    expect(config.enableAllTopicList).toBe("true");
    expect((await api.put("/config", { config: { enableAllTopicList: "false" } })).status).toBe(200);
    try {
      const disabled = await api.get("/topics");
      expect(disabled.status).toBe(403);
      expect(disabled.body.error.code).toBe("DISABLED");
      expect((await typed.getConfig()).enableAllTopicList).toBe("false");
    } finally {
      await typed.updateConfig({ enableAllTopicList: "true" });
    }
    expect((await api.get("/topics")).status).toBe(200);

    const bad = await api.put("/config", { config: { noSuchSetting: "1", configCacheMillis: "0" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field)).toEqual([
      "config.noSuchSetting",
      "config.configCacheMillis",
    ]);
    await expect(typed.updateConfig({ nope: "x" })).rejects.toBeInstanceOf(NameServerRequestError);
  });
});
