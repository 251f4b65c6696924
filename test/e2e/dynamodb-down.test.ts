/**
 * End to end: a DynamoDB that cannot be reached gives 503 SERVICE_UNAVAILABLE with Retry-After, never
 * a 500, and the local server keeps running. This file starts a DynamoDB Local of its own to stop it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../lib/local/dynamodb-local";
import { type LocalRegistry, startLocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, Sweeps, uniqueTableName } from "../support/e2e";

let dynamodb: DynamoDbLocal;
let registry: LocalRegistry;
let api: Client;
const sweeps = new Sweeps();

beforeAll(async () => {
  dynamodb = await startDynamoDbLocal({ dataDir: ":memory:", startTimeoutMs: 150_000 });
  registry = await startLocalRegistry({
    dynamodbEndpoint: dynamodb.endpoint,
    tableName: uniqueTableName("down"),
    sweepIntervalMs: 500,
    logLevel: "CRITICAL",
    onSweep: sweeps.onSweep,
  });
  api = client(registry.url);
}, 240_000);
afterAll(async () => {
  await registry?.stop();
  await dynamodb?.stop();
});

describe("DynamoDB down", () => {
  it("answers 503 SERVICE_UNAVAILABLE with Retry-After, and keeps serving", async () => {
    const broker = registration({ brokerName: "bk-down", brokerAddr: "10.80.0.1:10911" });
    expect((await api.post("/brokers/heartbeat", broker)).status).toBe(200);

    await dynamodb.stop();

    for (const response of [
      await api.post("/brokers/heartbeat", broker),
      await api.get("/topics/TopicTest/route"),
      await api.get("/clusters"),
      await api.put("/kv/ns/k", { value: "v" }),
    ]) {
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe("SERVICE_UNAVAILABLE");
      expect(response.headers.get("retry-after")).toMatch(/^\d+$/);
    }
    // the sweeper keeps failing on its timer (whole sweeps with DynamoDB down) without taking the
    // server down
    const failed = await sweeps.wholeSweepsFromNow(2);
    expect(failed.slice(1).map((outcome) => outcome.ok)).toEqual(failed.slice(1).map(() => false));
    expect((await api.get("/no/such/path")).status).toBe(404);
    expect((await api.get("/clusters")).status).toBe(503);
  });
});
