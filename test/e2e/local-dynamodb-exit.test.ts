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
import { freePort, startDynamoDbLocal } from "../../lib/local/dynamodb-local";
import { spawnLocalRegistry } from "../../lib/local/registry";
import { client } from "../support/e2e";

/** The DynamoDB Local JVMs that the process `parentPid` started (on `port`, when given). */
function dynamoDbLocalsOf(parentPid: number, port?: number): number[] {
  const listing = execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(
      ([, ppid, ...args]) =>
        Number(ppid) === parentPid &&
        args.join(" ").includes("DynamoDBLocal") &&
        (port === undefined || args.join(" ").includes(`-port ${port}`)),
    )
    .map(([pid]) => Number(pid));
}

function dynamoDbLocalOf(parentPid: number): number {
  const [pid] = dynamoDbLocalsOf(parentPid);
  if (pid === undefined) throw new Error(`no DynamoDB Local under ${parentPid}`);
  return pid;
}

/** Polls (every 20 ms) for a JVM under `parentPid` that is not one of `known`, and kills it at once. */
async function killTheNextOne(parentPid: number, known: number[], port?: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const fresh = dynamoDbLocalsOf(parentPid, port).find((pid) => !known.includes(pid));
    if (fresh !== undefined) {
      process.kill(fresh, "SIGKILL");
      return fresh;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no new DynamoDB Local appeared under ${parentPid}`);
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

  it("notices at once a JVM killed by a signal while it starts, instead of waiting out the start timeout", async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const starting = startDynamoDbLocal({ dataDir: ":memory:", port, startTimeoutMs: 120_000 });
    const outcome = starting.then(
      () => "started",
      (error: Error) => error.message,
    );
    await killTheNextOne(process.pid, [], port);
    const message = await Promise.race([
      outcome,
      new Promise<string>((r) => setTimeout(() => r("still waiting after 20 s"), 20_000)),
    ]);
    expect(message).toMatch(/exited \(signal SIGKILL\)/);
    expect(Date.now() - startedAt).toBeLessThan(20_000);
  }, 150_000);

  it("restarts again when the replacement is killed as soon as it appears", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "namesrv-restart-"));
    const registry = await spawnLocalRegistry({ dataDir, sweepIntervalMs: 60_000 });
    try {
      let exited = false;
      void registry.exited.then(() => {
        exited = true;
      });
      const api = client(registry.url);
      expect((await api.put("/kv/restart/key", { value: "kept" })).status).toBe(200);
      const first = dynamoDbLocalOf(registry.pid);
      process.kill(first, "SIGKILL");
      const second = await killTheNextOne(registry.pid, [first]);
      // The third JVM serves the kept data well before a 120 s start timeout could have run out.
      await expect
        .poll(async () => (await api.get("/kv/restart/key")).status, { timeout: 60_000, interval: 250 })
        .toBe(200);
      expect((await api.get("/kv/restart/key")).body).toEqual({ value: "kept" });
      expect(dynamoDbLocalsOf(registry.pid)).not.toContain(second);
      expect(registry.output()).toMatch(/could not be restarted/);
      expect(exited).toBe(false);
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
