/**
 * How long a dead broker stays in the answers each topology gives, on a fake clock (README
 * "Freshness per topology"). The broker heartbeats last at t0 with RocketMQ's 120 s timeout; the
 * sweeper runs every 30 s; clients poll every 30 s.
 *
 * - http-clients: the registry's own answers drop the broker as soon as its timeout passes (reads
 *   judge liveness; the sweep removes it within one more period): ≤ 120 s, and the client's next
 *   poll (≤ 30 s) shows it: ≤ 150 s.
 * - host-gateways and managed-endpoint: the gateway's route cache serves an answer at most its
 *   interval plus one request timeout (30 + 5 s) after asking, so ≤ 155 s, and the RocketMQ client's
 *   poll of the gateway adds ≤ 30 s: ≤ 185 s.
 * - gateways by the change feed: the rounds keep routes without refetching them, and the deadlines
 *   come from the sweeper's liveness digest (members silent over 30 s): gone at the timeout, ≤ 150 s
 *   with the client's poll, whatever the phases of the sweeps and the rounds.
 * RocketMQ's own: 120 s + its 5 s scan + the 30 s client poll, ≤ 155 s.
 */
import { afterEach, describe, expect, it } from "vitest";
import { RouteCache } from "../../lib/gateway/route-cache";
import { inProcessRegistryApi } from "../support/in-process-registry-api";
import {
  createRegistryFixture,
  type RegistryFixture,
  registration,
  topics,
} from "../support/registry-fixture";

const TIMEOUT_MS = 120_000;
const SWEEP_MS = 30_000;
const INTERVAL_MS = 30_000;
const REQUEST_TIMEOUT_MS = 5_000;

let fixture: RegistryFixture | undefined;
afterEach(async () => {
  await fixture?.table.drop();
  fixture = undefined;
});

/** Brokers serving Topic-0: a-live (heartbeats every 30 s) and b-dead (last heartbeat at t0). */
async function twoBrokers(f: RegistryFixture) {
  const live = registration({
    brokerName: "a-live",
    brokerAddr: "10.0.0.1:10911",
    topicConfigTable: topics(2),
  });
  const dead = registration({
    brokerName: "b-dead",
    brokerAddr: "10.0.0.2:10911",
    topicConfigTable: topics(2),
  });
  await f.nameServer.registerBroker(live);
  await f.nameServer.registerBroker(dead);
  return Object.assign(live, { dead });
}

const names = (route: { brokerDatas: Array<{ brokerName: string }> } | undefined) =>
  (route?.brokerDatas.map((b) => b.brokerName) ?? []).sort();

/** A gateway's route cache over the registry in process, on the fixture's clock, and its ask of Topic-0. */
function gatewayCache(f: RegistryFixture, extensions = true) {
  const cache = new RouteCache({
    api: inProcessRegistryApi(f, extensions).api,
    intervalMs: INTERVAL_MS,
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    now: f.clock.now,
  });
  const ask = async () => {
    const lookup = await cache.get("Topic-0");
    return lookup.found ? names(lookup.route) : [];
  };
  return { cache, ask };
}

describe("freshness per topology (fake clock)", () => {
  it("http-clients: the registry drops a dead broker at its timeout, the sweep removes it within one period", async () => {
    fixture = await createRegistryFixture();
    const f = fixture;
    const live = await twoBrokers(f);
    const t0 = f.clock.now();
    let gone: number | undefined;
    let swept: number | undefined;
    for (let t = 0; t <= TIMEOUT_MS + 2 * SWEEP_MS; t += 1_000) {
      f.clock.time = t0 + t;
      if (t % 30_000 === 0) await f.nameServer.registerBroker(live);
      if (t % SWEEP_MS === 0 && (await f.nameServer.sweep()).expiredInstances > 0) swept ??= t;
      const route = (await f.nameServer.getRoutes(["Topic-0"])).routes.get("Topic-0");
      if (!names(route).includes("b-dead")) gone ??= t;
    }
    expect(gone).toBeGreaterThan(TIMEOUT_MS - 1_000);
    expect(gone).toBeLessThanOrEqual(TIMEOUT_MS + 1_000);
    expect(swept).toBeLessThanOrEqual(TIMEOUT_MS + SWEEP_MS);
    // What a client polling every 30 s sees: at most one poll later.
    expect((gone ?? Number.POSITIVE_INFINITY) + INTERVAL_MS).toBeLessThanOrEqual(150_000 + 1_000);
  });

  it("host-gateways and managed-endpoint: the gateway's cache drops it within timeout + interval + one request", async () => {
    fixture = await createRegistryFixture();
    const f = fixture;
    const live = await twoBrokers(f);
    const t0 = f.clock.now();
    const { cache, ask } = gatewayCache(f, false);
    expect(await ask()).toEqual(["a-live", "b-dead"]);
    let gone: number | undefined;
    // The worst case: the refresh fails until the entry is too old to serve (a refresh that runs
    // sooner only shortens it); the direct fetch after that reads the registry's current answer.
    for (let t = 0; t <= TIMEOUT_MS + INTERVAL_MS + REQUEST_TIMEOUT_MS + 10_000; t += 1_000) {
      f.clock.time = t0 + t;
      if (t % 30_000 === 0) await f.nameServer.registerBroker(live);
      if (t === TIMEOUT_MS - 1_000) {
        // Cached just before the timeout: the longest the dead broker can stay in the gateway's answer.
        cache.invalidateAll();
        expect(await ask()).toEqual(["a-live", "b-dead"]);
      }
      const seen = await ask();
      expect(seen).toContain("a-live");
      if (!seen.includes("b-dead")) gone ??= t;
    }
    expect(gone).toBeGreaterThan(TIMEOUT_MS);
    expect(gone).toBeLessThanOrEqual(TIMEOUT_MS + INTERVAL_MS + REQUEST_TIMEOUT_MS);
    // And the RocketMQ client's own 30 s poll of the gateway on top: ≤ 185 s after the last heartbeat.
    expect((gone ?? Number.POSITIVE_INFINITY) + INTERVAL_MS).toBeLessThanOrEqual(185_000);
  });

  it("gateways with deadlines (POST /routes answers of each refresh round): a member past its deadline is not served", async () => {
    fixture = await createRegistryFixture();
    const f = fixture;
    const live = await twoBrokers(f);
    const t0 = f.clock.now();
    const { cache, ask } = gatewayCache(f);
    expect(await ask()).toEqual(["a-live", "b-dead"]);
    let gone: number | undefined;
    // Asks on the deadline's phase: at the exact deadline instant the registry still counts the member
    // alive (dead is strictly past the timeout), and so does the gateway; one millisecond later, neither.
    for (let t = 0; t <= TIMEOUT_MS + INTERVAL_MS; t += 1_000) {
      f.clock.time = t0 + t;
      if (t === TIMEOUT_MS + 1_000) {
        f.clock.time = t0 + TIMEOUT_MS + 1;
        expect(await ask()).toEqual(["a-live"]);
        gone ??= TIMEOUT_MS + 1;
        f.clock.time = t0 + t;
      }
      if (t % 30_000 === 0) {
        await f.nameServer.registerBroker(live);
        await cache.refresh();
      }
      const seen = await ask();
      expect(seen).toContain("a-live");
      if (!seen.includes("b-dead")) gone ??= t;
    }
    // Gone at its timeout, as from the registry itself: ≤ 150 s with the client's poll.
    expect(gone).toBe(TIMEOUT_MS + 1);
  });

  // The gateway's rounds by the change feed (one POST /routes with changesSince and no topics) keep
  // the route without refetching it; the sweeper's digest, through the real use cases, says when
  // b-dead's time runs out. b-dead heartbeats twice after the gateway's first (full) round, so the
  // deadline that round learnt is not its last: only the digest knows when it stops. Sweeps and
  // rounds at several phases of each other.
  for (const [sweepPhase, roundPhase] of [
    [0, 0],
    [7, 19],
    [29, 1],
    [12, 11],
  ] as const) {
    it(`gateways by the change feed (sweeps at +${sweepPhase} s, rounds at +${roundPhase} s): a member past its deadline is not served`, async () => {
      fixture = await createRegistryFixture();
      const f = fixture;
      const live = await twoBrokers(f);
      const t0 = f.clock.now();
      const lastHeartbeat = 60_000;
      const deadline = lastHeartbeat + TIMEOUT_MS;
      const { cache, ask } = gatewayCache(f);
      expect(await ask()).toEqual(["a-live", "b-dead"]);
      let gone: number | undefined;
      for (let t = 0; t <= deadline + 2 * SWEEP_MS; t += 1_000) {
        f.clock.time = t0 + t;
        if (t === deadline + 1_000) {
          // One millisecond past the deadline: gone, as from the registry itself.
          f.clock.time = t0 + deadline + 1;
          expect(await ask()).toEqual(["a-live"]);
          gone ??= deadline + 1;
          f.clock.time = t0 + t;
        }
        if (t % 30_000 === 0) await f.nameServer.registerBroker(live);
        if (t > 0 && t <= lastHeartbeat && t % 30_000 === 0) await f.nameServer.registerBroker(live.dead);
        if (t % SWEEP_MS === sweepPhase * 1_000) await f.nameServer.sweep();
        if (t % INTERVAL_MS === roundPhase * 1_000) await cache.refresh();
        const seen = await ask();
        expect(seen).toContain("a-live");
        if (!seen.includes("b-dead")) gone ??= t;
      }
      expect(gone).toBe(deadline + 1);
      // The rounds did go by the feed (the first one refetched everything).
      expect(cache.stats.feedRounds).toBeGreaterThanOrEqual(4);
    });
  }
});
