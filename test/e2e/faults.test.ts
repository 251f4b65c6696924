/**
 * Faults: DynamoDB going away under a running registry. Its answers must be 503 SERVICE_UNAVAILABLE
 * with Retry-After, quickly (a Lambda has 15 s, API Gateway 30 s), the server must stay up, and it
 * must serve again by itself once DynamoDB is back (same port, same data directory), data intact.
 * Also, at the store level, the two ways a table can be unreachable that a stopped process does not
 * show: nothing listening at all, and a server that accepts connections but never answers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNameServer } from "../../lib/app/name-server-service";
import { ServiceUnavailableError } from "../../lib/domain/errors";
import { type DynamoDbLocal, freePort, startDynamoDbLocal } from "../../lib/local/dynamodb-local";
import { type LocalRegistry, startLocalRegistry } from "../../lib/local/registry";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import {
  type ApiResponse,
  type Client,
  client,
  registration,
  sleep,
  topicConfig,
  uniqueTableName,
} from "../support/e2e";

/** The longest a request may take to come back as a 503 while DynamoDB is down. */
const TIME_TO_503_BUDGET_MS = 5_000;
/** The store-level bound for a table that accepts connections and never answers (3 attempts × 3 s). */
const HUNG_TABLE_BUDGET_MS = 12_000;

let dataDir: string;
let port: number;
let dynamodb: DynamoDbLocal | undefined;
let registry: LocalRegistry;
let api: Client;

const broker = registration({
  brokerName: "faults-a",
  brokerAddr: "10.81.0.1:10911",
  heartbeatTimeoutMillis: 3_600_000,
  topicConfigTable: { FaultsTopic: topicConfig("FaultsTopic") },
});

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "namesrv-faults-"));
  port = await freePort();
  dynamodb = await startDynamoDbLocal({ dataDir, port });
  registry = await startLocalRegistry({
    dynamodbEndpoint: dynamodb.endpoint,
    tableName: uniqueTableName("faults"),
    // The sweeper keeps running (and failing) through the outage.
    sweepIntervalMs: 500,
    logLevel: "CRITICAL",
  });
  api = client(registry.url);
  expect((await api.post("/brokers/heartbeat", broker)).status).toBe(200);
  expect((await api.put("/kv/FaultsNs/k", { value: "kept" })).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await dynamodb?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface Timed {
  label: string;
  ms: number;
  response: ApiResponse;
}

async function timed(label: string, call: () => Promise<ApiResponse>): Promise<Timed> {
  const started = performance.now();
  const response = await call();
  return { label, ms: performance.now() - started, response };
}

/** Every route that needs the table, once. */
function everyTableRoute(): Array<[string, () => Promise<ApiResponse>]> {
  return [
    ["heartbeat", () => api.post("/brokers/heartbeat", broker)],
    ["light heartbeat", () => api.post("/brokers/heartbeat", { ...broker, topicConfigTable: undefined })],
    ["unregister", () => api.post("/brokers/unregister", { ...broker, brokerName: "faults-none" })],
    ["route", () => api.get("/topics/FaultsTopic/route")],
    ["cluster info", () => api.get("/clusters")],
    ["topic list", () => api.get("/topics")],
    ["cluster topics", () => api.get("/clusters/DefaultCluster/topics")],
    ["member group", () => api.get("/brokers/DefaultCluster/faults-a")],
    ["write perm", () => api.put("/brokers/faults-none/write-perm", { writable: true })],
    ["delete topic", () => api.delete("/topics/FaultsNoSuchTopic")],
    ["kv put", () => api.put("/kv/FaultsNs/other", { value: "x" })],
    ["kv get", () => api.get("/kv/FaultsNs/k")],
    ["kv list", () => api.get("/kv/FaultsNs")],
    ["kv delete", () => api.delete("/kv/FaultsNs/other")],
    ["health", () => api.get("/health")],
  ];
}

describe("DynamoDB stops and comes back under a running registry", () => {
  it("every route answers 503 with Retry-After within seconds, the server keeps running, and serves again by itself", async () => {
    const stoppedAt = performance.now();
    await dynamodb?.stop();
    dynamodb = undefined;

    // Several passes over every route, for a few seconds of outage; the sweeper fails meanwhile.
    const answers: Timed[] = [];
    for (let pass = 0; pass < 3; pass++) {
      for (const [label, call] of everyTableRoute()) answers.push(await timed(label, call));
      await sleep(2000);
    }
    for (const { label, response } of answers) {
      expect(response.status, `${label}: ${response.text}`).toBe(503);
      expect(response.body?.error?.code, label).toBe("SERVICE_UNAVAILABLE");
      expect(response.headers.get("retry-after"), label).toMatch(/^[1-9]\d*$/);
    }
    const slowest = Math.max(...answers.map((a) => a.ms));
    const byRoute = Object.fromEntries(
      answers.slice(0, everyTableRoute().length).map((a) => [a.label, Math.round(a.ms)]),
    );
    console.info(
      `time to 503 with DynamoDB down: slowest ${Math.round(slowest)} ms; first pass ${JSON.stringify(byRoute)}`,
    );
    expect(slowest).toBeLessThan(TIME_TO_503_BUDGET_MS);
    // The server itself is fine: what needs no table still answers.
    expect((await api.get("/no/such/path")).status).toBe(404);

    // DynamoDB Local back on the same port with the same data directory.
    dynamodb = await startDynamoDbLocal({ dataDir, port });
    const backAt = performance.now();
    let firstOk: number | undefined;
    for (let i = 0; i < 100 && firstOk === undefined; i++) {
      if ((await api.get("/topics/FaultsTopic/route")).status === 200) firstOk = performance.now();
      else await sleep(100);
    }
    expect(firstOk, "the registry did not serve again within 10 s of DynamoDB's return").toBeDefined();
    console.info(
      `outage survived: ${Math.round(backAt - stoppedAt)} ms (DynamoDB Local stopped → answering again); ` +
        `first 200 ${Math.round((firstOk ?? backAt) - backAt)} ms after it was back`,
    );

    // Nothing was lost, and every route works again.
    const route = await api.get("/topics/FaultsTopic/route");
    expect(route.body.brokerDatas[0].brokerAddrs).toEqual({ "0": "10.81.0.1:10911" });
    expect((await api.get("/kv/FaultsNs/k")).body).toEqual({ value: "kept" });
    for (const [label, call] of everyTableRoute()) {
      const response = await call();
      expect(response.status, `${label} after the outage: ${response.text}`).toBeLessThan(500);
    }
    expect((await api.post("/brokers/heartbeat", broker)).body).toMatchObject({ topicConfigApplied: true });
  }, 120_000);
});

describe("an unreachable table, at the store level", () => {
  const routeThrough = (endpoint: string) => {
    const ddb = createDocumentClient({ endpoint });
    const nameServer = createNameServer({
      store: new DynamoRegistryStore({ client: ddb, tableName: "namesrv" }),
    });
    return { ddb, nameServer };
  };

  async function timeToUnavailable(endpoint: string): Promise<number> {
    const { ddb, nameServer } = routeThrough(endpoint);
    const started = performance.now();
    try {
      await expect(nameServer.getRouteInfoByTopic("TopicTest")).rejects.toBeInstanceOf(
        ServiceUnavailableError,
      );
      return performance.now() - started;
    } finally {
      ddb.destroy();
    }
  }

  it("nothing listening: 503 at once", async () => {
    const ms = await timeToUnavailable(`http://127.0.0.1:${await freePort()}`);
    console.info(`time to 503, connection refused: ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(TIME_TO_503_BUDGET_MS);
  });

  it("a server that accepts connections and never answers: 503 within the bound, not a hang", async () => {
    const sockets = new Set<Socket>();
    const server: Server = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const hungPort = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const ms = await timeToUnavailable(`http://127.0.0.1:${hungPort}`);
      console.info(`time to 503, table accepts but never answers: ${Math.round(ms)} ms`);
      expect(ms).toBeLessThan(HUNG_TABLE_BUDGET_MS);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});
