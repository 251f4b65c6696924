/**
 * End to end: the `npm start` process (lib/local/main.ts, run by spawnLocalRegistry) starts, serves,
 * and stops cleanly on SIGTERM without leaving its DynamoDB Local (java) behind; several of them are
 * independent NameServers; a missing Java or a bad setting is one clear message and exit code 1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "../../lib/local/dynamodb-local";
import { type SpawnedRegistry, spawnLocalRegistry } from "../../lib/local/registry";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { client, dynamodbEndpoint, registration, uniqueTableName } from "../support/e2e";
import { sendPartialFrame } from "../support/partial-frame";

/** Process ids of running DynamoDB Local JVMs listening on `port`. */
function javaProcessesOnPort(port: string): string[] {
  const listing = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" });
  return listing
    .split("\n")
    .filter((line) => line.includes("DynamoDBLocal") && new RegExp(`-port ${port}(\\s|$)`).test(line))
    .map((line) => line.trim().split(/\s+/)[0] ?? "");
}

/** A registry that started although the test expected it not to: stop it, leave nothing behind. */
async function stopUnexpected(registry: SpawnedRegistry): Promise<undefined> {
  await registry.stop();
  return undefined;
}

describe("the local runner as a process", () => {
  it("starts its own DynamoDB Local, serves, and stops on SIGTERM with exit 0 and no java left", async () => {
    const registry = await spawnLocalRegistry({ tableName: "namesrv", dataDir: ":memory:" });
    try {
      const port = /DynamoDB Local at http:\/\/127\.0\.0\.1:(\d+)/.exec(registry.output())?.[1];
      expect(port, registry.output()).toBeDefined();
      expect(javaProcessesOnPort(port ?? "")).toHaveLength(1);
      expect(registry.output()).toMatch(/in memory/);
      // Progress while the JVM starts, before the banner.
      expect(registry.output()).toMatch(
        /^Starting DynamoDB Local \(Java\) on http:\/\/127\.0\.0\.1:\d+, in memory…\n/,
      );
      expect(registry.output()).toMatch(
        /DynamoDB Local ready after \d+\.\d s\n[\s\S]*NameServer listening on/,
      );

      const api = client(registry.url);
      expect((await api.get("/health")).status).toBe(200);
      expect((await api.post("/brokers/heartbeat", registration())).status).toBe(200);

      expect(await registry.stop()).toBe(0);
      expect(javaProcessesOnPort(port ?? "")).toEqual([]);
    } finally {
      await registry.stop();
    }
  }, 240_000);

  it("runs several independent NameServers at once (one table each)", async () => {
    const endpoint = dynamodbEndpoint();
    const [a, b] = await Promise.all([
      spawnLocalRegistry({ dynamodbEndpoint: endpoint, tableName: uniqueTableName("proc-a") }),
      spawnLocalRegistry({ dynamodbEndpoint: endpoint, tableName: uniqueTableName("proc-b") }),
    ]);
    try {
      expect(a.url).not.toBe(b.url);
      expect((await client(a.url).post("/brokers/heartbeat", registration())).status).toBe(200);
      expect((await client(a.url).get("/topics/TopicTest/route")).status).toBe(200);
      expect((await client(b.url).get("/topics/TopicTest/route")).status).toBe(404);
      expect(a.output()).toMatch(/DYNAMODB_ENDPOINT/);
    } finally {
      expect(await a.stop()).toBe(0);
      expect(await b.stop()).toBe(0);
    }
  }, 240_000);

  it("without Java prints the JavaMissingError message, no stack trace, and exits 1", async () => {
    // node is started by its absolute path; an empty PATH hides `java`
    const emptyDir = mkdtempSync(join(tmpdir(), "no-java-"));
    const error = await spawnLocalRegistry({ env: { PATH: emptyDir } })
      .then(stopUnexpected, (failure: unknown) => failure as Error)
      .finally(() => rmSync(emptyDir, { recursive: true, force: true }));
    expect(error?.message).toMatch(/exited with code 1/);
    expect(error?.message).toMatch(/DynamoDB Local needs Java 17 or newer/);
    expect(error?.message).not.toMatch(/^\s+at /m);
  }, 120_000);

  it("refuses an invalid setting with a message naming it, and exits 1", async () => {
    const error = await spawnLocalRegistry({ env: { SWEEP_INTERVAL_MS: "soon" } }).then(
      stopUnexpected,
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).toMatch(/exited with code 1/);
    expect(error?.message).toMatch(/SWEEP_INTERVAL_MS/);
    expect(error?.message).not.toMatch(/^\s+at /m);
  }, 120_000);

  it("refuses a frame budget out of range, naming the variable and the range, and exits 1", async () => {
    const error = await spawnLocalRegistry({ env: { REMOTING_FRAME_TIMEOUT_MS: "5" } }).then(
      stopUnexpected,
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).toMatch(/exited with code 1/);
    expect(error?.message).toMatch(
      /REMOTING_FRAME_TIMEOUT_MS must be an integer number of milliseconds from 1000 to 600000, got "5"/,
    );
  }, 120_000);

  it("enforces REMOTING_FRAME_BUDGET_FRAMES on its remoting port: a second partial frame is closed while the first is held", async () => {
    const registry = await spawnLocalRegistry({
      dynamodbEndpoint: dynamodbEndpoint(),
      tableName: uniqueTableName("frames"),
      remotingPort: await freePort(),
      env: { REMOTING_FRAME_BUDGET_FRAMES: "1" },
    });
    const sockets: Socket[] = [];
    try {
      expect(registry.output()).toMatch(/frame budget 67108864 bytes, 1 frames, 30000 ms per frame/);
      const [host = "", port = ""] = (registry.remotingAddr ?? "").split(":");
      const first = await sendPartialFrame(Number(port), sockets, { host });
      const second = await sendPartialFrame(Number(port), sockets, { host });
      await second.closed;
      expect(first.state.closed).toBe(false);
      // Whole frames never meet the budget: a normal client is still answered.
      const remoting = new RemotingClient(registry.remotingAddr ?? "", { timeoutMs: 20_000 });
      try {
        expect((await remoting.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).code).toBe(
          ResponseCode.TOPIC_NOT_EXIST,
        );
      } finally {
        remoting.close();
      }
      expect(first.state.closed).toBe(false);
    } finally {
      for (const socket of sockets) socket.destroy();
      await registry.stop();
    }
  }, 120_000);

  it("checks its ports first: a busy one fails at once, naming it, without starting DynamoDB Local", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await spawnLocalRegistry({ port }).then(
        stopUnexpected,
        (failure: unknown) => failure as Error,
      );
      expect(error?.message).toMatch(/exited with code 1/);
      expect(error?.message).toContain(`127.0.0.1:${port} (PORT) is in use`);
      expect(error?.message).toMatch(/another `npm start`/);
      expect(error?.message).not.toMatch(/DynamoDB Local/);
      // No JVM was started: that alone takes many seconds here.
      expect(Date.now() - started).toBeLessThan(30_000);

      const remoting = await spawnLocalRegistry({
        dynamodbEndpoint: dynamodbEndpoint(),
        remotingPort: port,
      }).then(stopUnexpected, (failure: unknown) => failure as Error);
      expect(remoting?.message).toContain(`127.0.0.1:${port} (REMOTING_PORT) is in use`);
    } finally {
      busy.close();
    }
  }, 120_000);

  it("prints one line per HTTP and remoting request, answers HEAD /health, and JSON lines with LOG_FORMAT=json", async () => {
    const endpoint = dynamodbEndpoint();
    const [human, json] = await Promise.all([
      spawnLocalRegistry({
        dynamodbEndpoint: endpoint,
        tableName: uniqueTableName("log-h"),
        remotingPort: await freePort(),
      }),
      spawnLocalRegistry({
        dynamodbEndpoint: endpoint,
        tableName: uniqueTableName("log-j"),
        env: { LOG_FORMAT: "json" },
      }),
    ]);
    const remoting = new RemotingClient(human.remotingAddr ?? "", { timeoutMs: 20_000 });
    try {
      const head = await fetch(`${human.url}/health`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
      expect((await client(human.url).post("/brokers/heartbeat", registration())).status).toBe(200);
      expect((await client(human.url).get("/topics/NoSuchTopic/route")).status).toBe(404);
      const answer = await remoting.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" });
      expect(answer.code).toBe(0);
      expect((await client(json.url).get("/topics/TopicTest/route")).status).toBe(404);

      await expect.poll(() => human.output(), { timeout: 20_000 }).toMatch(/remoting GET_ROUTEINFO_BY_TOPIC/);
      const lines = human.output().split("\n");
      const time = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3}";
      for (const pattern of [
        `^${time} HEAD /health 200 \\d+ ms$`,
        `^${time} POST /brokers/heartbeat 200 \\d+ ms broker=broker-a$`,
        `^${time} GET /topics/NoSuchTopic/route 404 \\d+ ms topic=NoSuchTopic$`,
        `^${time} remoting GET_ROUTEINFO_BY_TOPIC SUCCESS \\d+ ms topic=TopicTest$`,
      ]) {
        expect(
          lines.some((line) => new RegExp(pattern).test(line)),
          `${pattern} in\n${human.output()}`,
        ).toBe(true);
      }
      // The handlers' INFO logs (JSON, as on Lambda) stay out of a person's way.
      expect(lines.filter((line) => line.startsWith("{"))).toEqual([]);

      await expect.poll(() => json.output(), { timeout: 20_000 }).toMatch(/"message":"request"/);
      const request = json
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((entry) => entry.message === "request");
      expect(request).toMatchObject({
        protocol: "http",
        method: "GET",
        path: "/topics/TopicTest/route",
        status: 404,
        topic: "TopicTest",
      });
    } finally {
      remoting.close();
      expect(await human.stop()).toBe(0);
      expect(await json.stop()).toBe(0);
    }
  }, 240_000);
});
