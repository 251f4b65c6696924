/** End to end: local token mode (NAMESRV_TOKEN) stands in for IAM on the protected routes. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry } from "../support/e2e";

const TOKEN = "e2e-token-0123456789";
let registry: LocalRegistry;
let anonymous: Client;
let authorized: Client;

beforeAll(async () => {
  registry = await startE2eRegistry("token", { token: TOKEN });
  anonymous = client(registry.url);
  authorized = client(registry.url, { authorization: `Bearer ${TOKEN}` });
});
afterAll(async () => {
  await registry?.stop();
});

describe("token mode", () => {
  it("never asks /health for a token", async () => {
    expect((await anonymous.get("/health")).status).toBe(200);
  });

  it("answers 401 UNAUTHORIZED on write routes without the token, and changes nothing", async () => {
    const broker = registration({ brokerName: "bk-token", brokerAddr: "10.70.0.1:10911" });
    const response = await anonymous.post("/brokers/heartbeat", broker);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("UNAUTHORIZED");
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await anonymous.put("/kv/ns/k", { value: "v" })).status).toBe(401);
    expect((await anonymous.delete("/topics/TopicTest")).status).toBe(401);
    expect((await authorized.get("/brokers/DefaultCluster/bk-token")).body.brokerAddrs).toEqual({});
  });

  it("answers 401 on read routes without the token or with a wrong one", async () => {
    expect((await anonymous.get("/topics")).status).toBe(401);
    expect((await anonymous.get("/clusters")).status).toBe(401);
    const wrong = client(registry.url, { authorization: "Bearer not-the-token" });
    expect((await wrong.get("/topics")).status).toBe(401);
    const basic = client(registry.url, { authorization: `Basic ${TOKEN}` });
    expect((await basic.get("/topics")).status).toBe(401);
  });

  it("serves every protected route with the token", async () => {
    const broker = registration({ brokerName: "bk-token", brokerAddr: "10.70.0.1:10911" });
    expect((await authorized.post("/brokers/heartbeat", broker)).status).toBe(200);
    expect((await authorized.get("/topics/TopicTest/route")).status).toBe(200);
    expect((await authorized.get("/clusters")).status).toBe(200);
    expect((await authorized.put("/kv/ns/k", { value: "v" })).status).toBe(200);
  });
});
