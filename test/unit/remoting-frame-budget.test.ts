/**
 * The budget of unfinished frames over all remoting connections (lib/remoting/frame-budget.ts):
 * the accounting with a fake clock, then the gateway's server under many partial frames and a slow
 * sender. Each limit is answered by closing the offender, while a normal client is still answered.
 */
import type { Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { FrameBudget } from "../../lib/remoting/frame-budget";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi, routeOf } from "../support/fake-registry-api";
import { type PartialFrame, sendPartialFrame } from "../support/partial-frame";

describe("FrameBudget", () => {
  const limits = { maxPendingBytes: 1000, maxFramesInProgress: 3, frameTimeoutMs: 100 };

  it("holds the bytes of unfinished frames and frees them when a frame completes or a connection goes", () => {
    const budget = new FrameBudget<string>(limits, () => 0);
    expect(budget.update("a", 400, false)).toBeUndefined();
    expect(budget.update("b", 300, false)).toBeUndefined();
    expect(budget.pendingBytes).toBe(700);
    expect(budget.update("a", 0, true)).toBeUndefined();
    budget.release("b");
    expect([budget.pendingBytes, budget.framesInProgress]).toEqual([0, 0]);
  });

  it("refuses the connection that would take the total past the budget, and forgets what it held", () => {
    const budget = new FrameBudget<string>(limits, () => 0);
    budget.update("a", 600, false);
    budget.update("b", 300, false);
    expect(budget.update("b", 401, false)).toMatch(/would hold 1001 bytes \(at most 1000/);
    expect(budget.pendingBytes).toBe(600);
    expect(budget.update("c", 401, false)).toBeDefined();
    expect(budget.update("c", 400, false)).toBeUndefined();
    expect(budget.pendingBytes).toBe(1000);
  });

  it("refuses one more connection with an unfinished frame past maxFramesInProgress", () => {
    const budget = new FrameBudget<string>(limits, () => 0);
    for (const key of ["a", "b", "c"]) expect(budget.update(key, 1, false)).toBeUndefined();
    expect(budget.update("d", 1, false)).toMatch(/3 connections already hold an unfinished frame/);
    expect(budget.update("a", 2, false)).toBeUndefined();
  });

  it("times a frame from its first byte, whatever arrives meanwhile; a new frame starts a new clock", () => {
    let now = 0;
    const budget = new FrameBudget<string>(limits, () => now);
    budget.update("slow", 1, false);
    budget.update("busy", 10, false);
    for (now = 10; now <= 100; now += 10) {
      expect(budget.update("slow", now / 10 + 1, false)).toBeUndefined();
      // Every read completes a frame and begins the next: each frame is quick.
      expect(budget.update("busy", 10, true)).toBeUndefined();
    }
    now = 101;
    expect(budget.update("slow", 12, false)).toMatch(/unfinished after 101 ms/);
    expect(budget.framesInProgress).toBe(1);
    budget.update("slow", 1, false);
    now = 150;
    expect(budget.expired()).toEqual([]);
    now = 190;
    budget.update("busy", 10, true);
    now = 202;
    expect(budget.expired().map((e) => e.key)).toEqual(["slow"]);
    expect(budget.framesInProgress).toBe(1);
    expect(budget.pendingBytes).toBe(10);
  });
});

let gateway: RemotingGateway | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await gateway?.close();
  gateway = undefined;
});

describe("the remoting server's frame budget", () => {
  it("keeps the bytes of many partial frames under the budget by closing offenders, and answers a normal client", async () => {
    const budgetBytes = 1024 * 1024;
    gateway = await startRemotingGateway({
      port: 0,
      client: fakeRegistryApi({ getRouteInfoByTopic: () => ({ route: routeOf(), etag: '"1"' }) }),
      routeCacheIntervalMs: 0,
      log: () => undefined,
      frameBudget: { maxPendingBytes: budgetBytes },
    });
    const port = gateway.port;
    const server = gateway.server;
    const peak = { bytes: 0 };
    const sample = setInterval(() => {
      peak.bytes = Math.max(peak.bytes, server.pendingFrameBytes);
    }, 5);
    try {
      // 40 connections each send 100 KiB of a 16 MiB frame they never finish: 4 MiB in all.
      const partials: PartialFrame[] = [];
      for (let i = 0; i < 40; i++)
        partials.push(
          await sendPartialFrame(port, sockets, { frameLength: 16 * 1024 * 1024 - 4, sent: 100 * 1024 }),
        );
      // At most 10 of them fit (10 × 100 KiB ≤ 1 MiB): the rest are closed, none grows the total.
      await expect.poll(() => partials.filter((p) => p.state.closed).length).toBeGreaterThanOrEqual(30);
      expect(server.pendingFrameBytes).toBeLessThanOrEqual(budgetBytes);
      expect(server.pendingFrameBytes).toBeGreaterThan(budgetBytes / 2);
      expect(partials.filter((p) => !p.state.closed).length).toBeLessThanOrEqual(10);

      const client = new RemotingClient(`127.0.0.1:${port}`);
      try {
        const answer = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" });
        expect(answer.code).toBe(ResponseCode.SUCCESS);
      } finally {
        client.close();
      }
      expect(peak.bytes).toBeLessThanOrEqual(budgetBytes);
      for (const p of partials) p.socket.destroy();
      await expect.poll(() => server.pendingFrameBytes).toBe(0);
    } finally {
      clearInterval(sample);
    }
  });

  it("closes one more connection with an unfinished frame past maxFramesInProgress", async () => {
    gateway = await startRemotingGateway({
      port: 0,
      client: fakeRegistryApi(),
      routeCacheIntervalMs: 0,
      log: () => undefined,
      frameBudget: { maxFramesInProgress: 5 },
    });
    const partials: PartialFrame[] = [];
    for (let i = 0; i < 6; i++)
      partials.push(await sendPartialFrame(gateway.port, sockets, { frameLength: 1000, sent: 10 }));
    await expect.poll(() => partials.filter((p) => p.state.closed).length).toBe(1);
    expect(gateway.server.framesInProgress).toBe(5);
  });

  it("cuts off a slow sender whose bytes keep the connection from being idle but never finish a frame", async () => {
    const logs: string[] = [];
    gateway = await startRemotingGateway({
      port: 0,
      client: fakeRegistryApi(),
      routeCacheIntervalMs: 0,
      log: (line) => logs.push(line),
      idleTimeoutMs: 120_000,
      frameBudget: { frameTimeoutMs: 400 },
    });
    const slow = await sendPartialFrame(gateway.port, sockets, { frameLength: 1000, sent: 1 });
    const drip = setInterval(() => {
      if (!slow.state.closed) slow.socket.write(Buffer.from([1]));
    }, 50);
    // A quick client on another connection, sending whole frames meanwhile, is never cut off.
    const quick = new RemotingClient(`127.0.0.1:${gateway.port}`);
    try {
      const started = Date.now();
      while (!slow.state.closed && Date.now() - started < 5000) {
        expect((await quick.invoke(RequestCode.GET_BROKER_CLUSTER_INFO, {})).code).toBe(ResponseCode.SUCCESS);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(slow.state.closed).toBe(true);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(logs.join("\n")).toMatch(/a frame unfinished after \d+ ms/);
      expect((await quick.invoke(RequestCode.GET_BROKER_CLUSTER_INFO, {})).code).toBe(ResponseCode.SUCCESS);
    } finally {
      clearInterval(drip);
      quick.close();
    }
  });
});
