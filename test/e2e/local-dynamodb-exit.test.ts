/**
 * End to end: when the DynamoDB Local of `npm start` dies, the registry never serves 503 forever. With
 * a data directory it restarts DynamoDB Local on the same port and serves the data it kept; in memory
 * there is nothing to come back to, so the process exits non-zero.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawnLocalRegistry } from "../../lib/local/registry";
import { client } from "../support/e2e";

/** The DynamoDB Local JVM that the registry process `parentPid` started. */
function dynamoDbLocalOf(parentPid: number): number {
  const listing = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  const line = listing
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .find(([, ppid, ...args]) => Number(ppid) === parentPid && args.join(" ").includes("DynamoDBLocal"));
  if (line?.[0] === undefined) throw new Error(`no DynamoDB Local under ${parentPid}:\n${listing}`);
  return Number(line[0]);
}

describe("the local runner when DynamoDB Local exits", () => {
  it("restarts DynamoDB Local from its data directory and serves what it kept", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "namesrv-restart-"));
    const registry = await spawnLocalRegistry({ dataDir, sweepIntervalMs: 60_000 });
    try {
      const api = client(registry.url);
      expect((await api.put("/kv/restart/key", { value: "kept" })).status).toBe(200);
      process.kill(dynamoDbLocalOf(registry.pid), "SIGKILL");
      await expect
        .poll(async () => (await api.get("/kv/restart/key")).status, { timeout: 120_000, interval: 500 })
        .toBe(200);
      expect((await api.get("/kv/restart/key")).body).toEqual({ value: "kept" });
      expect(registry.output()).toMatch(/restarting/);
      expect(await registry.stop()).toBe(0);
    } finally {
      await registry.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);

  it("in memory, exits non-zero instead of answering 503 forever", async () => {
    const registry = await spawnLocalRegistry({ dataDir: ":memory:", sweepIntervalMs: 60_000 });
    try {
      process.kill(dynamoDbLocalOf(registry.pid), "SIGKILL");
      const code = await Promise.race([
        registry.exited,
        new Promise((resolve) => setTimeout(() => resolve("still running"), 60_000)),
      ]);
      expect(code).toBe(1);
      expect(registry.output()).toMatch(/DynamoDB Local exited/);
    } finally {
      await registry.stop();
    }
  }, 240_000);
});
