/** End to end over HTTP: the KV config, and ORDER_TOPIC_CONFIG in routes. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry, topicConfig, topicPath } from "../support/e2e";

let registry: LocalRegistry;
let api: Client;

beforeAll(async () => {
  registry = await startE2eRegistry("kv");
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

describe("KV config", () => {
  it("puts, gets, lists and deletes items", async () => {
    expect((await api.put("/kv/ns1/k1", { value: "v1" })).body).toEqual({});
    await api.put("/kv/ns1/k2", { value: "v2" });
    expect((await api.get("/kv/ns1/k1")).body).toEqual({ value: "v1" });
    expect((await api.get("/kv/ns1")).body).toEqual({ table: { k1: "v1", k2: "v2" } });

    await api.put("/kv/ns1/k1", { value: "v1b" });
    expect((await api.get("/kv/ns1/k1")).body).toEqual({ value: "v1b" });

    const deleted = await api.delete("/kv/ns1/k1");
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({});
    expect((await api.delete("/kv/ns1/k1")).status).toBe(200);
    expect((await api.get("/kv/ns1")).body).toEqual({ table: { k2: "v2" } });
  });

  it("404 QUERY_NOT_FOUND for a missing item or namespace", async () => {
    const item = await api.get("/kv/ns2/missing");
    expect(item.status).toBe(404);
    expect(item.body.error).toEqual({
      code: "QUERY_NOT_FOUND",
      message: "No config item, Namespace: ns2 Key: missing",
    });
    const namespace = await api.get("/kv/ns-empty");
    expect(namespace.status).toBe(404);
    expect(namespace.body.error).toEqual({
      code: "QUERY_NOT_FOUND",
      message: "No config item, Namespace: ns-empty",
    });
  });

  it("keys are printable text, percent-encoded in the path", async () => {
    const key = "a key:with odd?chars#%|λ";
    await api.put(`/kv/ns3/${encodeURIComponent(key)}`, { value: "x" });
    expect((await api.get(`/kv/ns3/${encodeURIComponent(key)}`)).body).toEqual({ value: "x" });
    expect((await api.get("/kv/ns3")).body.table).toEqual({ [key]: "x" });
  });

  it("a key holding '/' cannot be addressed: the path is decoded before routing, as API Gateway does", async () => {
    const response = await api.put(`/kv/ns3/${encodeURIComponent("a/b")}`, { value: "x" });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("NOT_FOUND");
  });

  it("refuses invalid bodies and names", async () => {
    expect((await api.put("/kv/ns4/k", { value: 1 })).body.error.details[0].field).toBe("value");
    expect((await api.put("/kv/bad%20ns/k", { value: "v" })).body.error.details[0].field).toBe(
      "path.namespace",
    );
  });

  it("ORDER_TOPIC_CONFIG → orderTopicConf in the topic's route", async () => {
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-order",
        brokerAddr: "10.30.0.1:10911",
        topicConfigTable: { OrderTopic: topicConfig("OrderTopic") },
      }),
    );
    expect((await api.get(`${topicPath("OrderTopic")}/route`)).body.orderTopicConf).toBeUndefined();
    await api.put("/kv/ORDER_TOPIC_CONFIG/OrderTopic", { value: "bk-order:4" });
    expect((await api.get(`${topicPath("OrderTopic")}/route`)).body.orderTopicConf).toBe("bk-order:4");
  });
});
