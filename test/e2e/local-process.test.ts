/**
 * End to end: the `npm start` process (lib/local/main.ts, run by spawnLocalRegistry) starts, serves,
 * and stops cleanly on SIGTERM without leaving its DynamoDB Local (java) behind; several of them are
 * independent NameServers; a missing Java or a bad setting is one clear message and exit code 1.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type SpawnedRegistry, spawnLocalRegistry } from "../../lib/local/registry";
import { client, dynamodbEndpoint, registration, uniqueTableName } from "../support/e2e";

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
});
