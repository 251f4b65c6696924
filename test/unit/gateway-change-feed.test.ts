/**
 * The route cache's change-feed rounds (lib/gateway/route-cache.ts), against a scripted registry on its
 * own clock (five hours ahead: only differences count) with a history of changes and a sweeper's
 * liveness digest, and a fake clock:
 * - a steady round is one `POST /routes` with no topics, and clients keep being answered from memory;
 * - a change refetches, in the same round, exactly the topics it names and the routes listing its group;
 * - what the feed cannot vouch for (a cut entry, an incomplete feed, a missing or old digest, 30 minutes
 *   since the last full round, a registry without the feed) refetches everything;
 * - a broker that stops heartbeating is never served past its deadline (random phases, seed printed).
 */
import { describe, expect, it } from "vitest";
import { UnexpectedResponseError } from "../../lib/client/name-server-client";
import { NameServerUnreachableError } from "../../lib/client/transport";
import type { RouteChange } from "../../lib/domain/change-feed";
import { digestSilentAfterMs } from "../../lib/domain/change-feed";
import type { MemberDeadlines, TopicRouteData } from "../../lib/domain/model";
import type { RoutesAnswer } from "../../lib/gateway/registry-api";
import { DEFAULT_FULL_REFRESH_EVERY_MS, FEED_OVERLAP_MS, RouteCache } from "../../lib/gateway/route-cache";
import { fakeRegistryApi, requestError } from "../support/fake-registry-api";
import { createPrng, testSeed } from "../support/prng";

const INTERVAL = 30_000;
const TIMEOUT = 5_000;
const HEARTBEAT_TIMEOUT = 120_000;
const SKEW = 5 * 3600_000;

interface Member {
  brokerName: string;
  addr: string;
  lastHeartbeat: number;
}

function routeOver(topic: string, groups: readonly string[], members: readonly Member[], now: number) {
  const live = groups.filter((g) =>
    members.some((m) => m.brokerName === g && now - m.lastHeartbeat <= HEARTBEAT_TIMEOUT),
  );
  if (live.length === 0) return undefined;
  const route: TopicRouteData = {
    queueDatas: live.map((brokerName) => ({
      brokerName,
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: live.map((brokerName) => ({
      cluster: "DefaultCluster",
      brokerName,
      brokerAddrs: Object.fromEntries(
        members
          .filter((m) => m.brokerName === brokerName && now - m.lastHeartbeat <= HEARTBEAT_TIMEOUT)
          .map((m, i) => [String(i), m.addr]),
      ),
      enableActingMaster: false,
    })),
    filterServerTable: {},
  };
  void topic;
  return route;
}

/**
 * A registry with topics over groups, members with heartbeat times, a history of changes and a
 * digest the test's sweeps publish. Its clock is the gateway's plus SKEW.
 */
function setup(options: { feed?: boolean; fullRefreshEveryMs?: number } = {}) {
  let now = 1_000_000;
  const reg = () => now + SKEW;
  const topics = new Map<string, string[]>([
    ["T1", ["broker-a"]],
    ["T2", ["broker-b"]],
    ["T3", ["broker-a", "broker-b"]],
  ]);
  const members: Member[] = [
    { brokerName: "broker-a", addr: "10.0.0.1:10911", lastHeartbeat: reg() },
    { brokerName: "broker-b", addr: "10.0.0.2:10911", lastHeartbeat: reg() },
  ];
  const history: RouteChange[] = [];
  let digest:
    | { sweptAt: number; members: Array<{ brokerName: string; addr: string; deadline: number }>; cut?: true }
    | undefined;
  const state = { complete: true, down: false, giveGroups: true };
  let sequence = 0;

  const etagOf = (route: TopicRouteData | undefined) => `"${JSON.stringify(route ?? null).length}"`;
  const api = fakeRegistryApi({
    getRouteInfoByTopic: (topic) => {
      if (state.down) throw new NameServerUnreachableError("http://registry.test", "network");
      const route = routeOver(topic, topics.get(topic) ?? [], members, reg());
      if (route === undefined) throw requestError(404, "TOPIC_NOT_EXIST");
      return { notModified: false, route, etag: etagOf(route) };
    },
    getRoutes: (asked, opts) => {
      if (state.down) throw new NameServerUnreachableError("http://registry.test", "network");
      const answer: RoutesAnswer = { routes: {}, etags: {}, unchanged: [], missing: [] };
      const deadlines: MemberDeadlines = {};
      for (const topic of asked) {
        const route = routeOver(topic, topics.get(topic) ?? [], members, reg());
        if (route === undefined) {
          answer.missing.push(topic);
          continue;
        }
        if (opts?.known?.[topic] === etagOf(route)) answer.unchanged.push(topic);
        else {
          answer.routes[topic] = route;
          answer.etags[topic] = etagOf(route);
        }
        for (const broker of route.brokerDatas) {
          for (const addr of Object.values(broker.brokerAddrs)) {
            const m = members.find((x) => x.addr === addr);
            if (m === undefined) continue;
            deadlines[broker.brokerName] = {
              ...deadlines[broker.brokerName],
              [addr]: m.lastHeartbeat + HEARTBEAT_TIMEOUT - reg(),
            };
          }
        }
      }
      if (opts?.deadlines === true) answer.deadlines = deadlines;
      if (opts?.changesSince !== undefined && options.feed !== false) {
        const since = opts.changesSince;
        const tooOld = since < reg() - 600_000;
        const digestDeadlines: MemberDeadlines = {};
        for (const m of digest?.members ?? []) {
          digestDeadlines[m.brokerName] = { ...digestDeadlines[m.brokerName], [m.addr]: m.deadline - reg() };
        }
        const entries = tooOld ? [] : history.filter((c) => c.time >= since);
        // As the registry: the membership of the groups membership-only entries name, as routes list it.
        const groups: NonNullable<RoutesAnswer["changes"]>["groups"] = {};
        for (const c of entries) {
          if (c.broker === undefined || c.topics.length > 0 || !c.action.startsWith("broker.")) continue;
          const live = members.filter(
            (m) => m.brokerName === c.broker && reg() - m.lastHeartbeat <= HEARTBEAT_TIMEOUT,
          );
          groups[c.broker] =
            live.length === 0
              ? null
              : {
                  brokerData: {
                    cluster: "DefaultCluster",
                    brokerName: c.broker,
                    brokerAddrs: Object.fromEntries(live.map((m, i) => [String(i), m.addr])),
                    enableActingMaster: false,
                  },
                  filterServers: {},
                };
        }
        answer.changes = {
          until: reg(),
          complete: state.complete && !tooOld,
          entries,
          ...(state.giveGroups && Object.keys(groups).length > 0 ? { groups } : {}),
          ...(digest === undefined
            ? {}
            : {
                liveness: {
                  sweptAgoMs: reg() - digest.sweptAt,
                  deadlines: digestDeadlines,
                  ...(digest.cut === true ? { cut: true as const } : {}),
                },
              }),
        };
      }
      return answer;
    },
  });
  const cache = new RouteCache({
    api,
    intervalMs: INTERVAL,
    requestTimeoutMs: TIMEOUT,
    now: () => now,
    ...(options.fullRefreshEveryMs === undefined ? {} : { fullRefreshEveryMs: options.fullRefreshEveryMs }),
  });
  const t = {
    api,
    cache,
    topics,
    members,
    state,
    advance(ms: number) {
      now += ms;
    },
    now: () => now,
    /** A change as the registry records it, at its current time. */
    record(change: Omit<RouteChange, "id" | "time">, at = reg()) {
      const id = `${String(at).padStart(13, "0")}-${String(sequence++).padStart(4, "0")}`;
      history.push({ id, time: at, ...change });
    },
    /** The next sweep's digest says it was cut (more members silent than it lists). */
    cutNextDigest: false,
    /** The sweeper's digest: members silent over 30 s, with their deadlines. */
    sweep() {
      const at = reg();
      digest = {
        sweptAt: at,
        members: members
          .filter((m) => at - m.lastHeartbeat > digestSilentAfterMs(HEARTBEAT_TIMEOUT))
          .map((m) => ({
            brokerName: m.brokerName,
            addr: m.addr,
            deadline: m.lastHeartbeat + HEARTBEAT_TIMEOUT,
          })),
        ...(t.cutNextDigest ? { cut: true as const } : {}),
      };
    },
    async askAll() {
      for (const topic of topics.keys()) await cache.get(topic);
    },
    heartbeatAll() {
      for (const m of members) m.lastHeartbeat = reg();
    },
    /** The getRoutes calls since call index `from`: topics and whether they asked for the feed. */
    routesCalls(from = 0) {
      return api.calls
        .slice(from)
        .filter((c) => c.method === "getRoutes")
        .map((c) => ({
          topics: [...(c.args[0] as string[])].sort(),
          changesSince: (c.args[1] as { changesSince?: number } | undefined)?.changesSince,
        }));
    },
    /** Warm: every topic asked once (direct fetches), a sweep, and one full round. */
    async warm() {
      for (const topic of topics.keys()) await cache.get(topic);
      t.sweep();
      await cache.refresh();
    },
    /** A 30 s interval: brokers heartbeat, the sweeper runs, clients ask, the gateway's round. */
    async interval() {
      t.advance(INTERVAL);
      t.heartbeatAll();
      t.sweep();
      for (const topic of topics.keys()) await cache.get(topic);
      await cache.refresh();
    },
  };
  return t;
}

describe("the route cache's change-feed rounds", () => {
  it("a steady round is one POST /routes with no topics, from the last answer's time minus the overlap", async () => {
    const t = setup();
    await t.warm();
    const afterWarm = t.api.calls.length;
    const warmRound = t.routesCalls();
    expect(warmRound).toEqual([{ topics: ["T1", "T2", "T3"], changesSince: 0 }]);
    for (let i = 0; i < 5; i++) await t.interval();
    const rounds = t.routesCalls(afterWarm);
    expect(rounds).toHaveLength(5);
    for (const round of rounds) expect(round.topics).toEqual([]);
    // Each round asks from the previous answer's `until` (the registry's time then) minus the overlap.
    expect(rounds[1]?.changesSince).toBe((rounds[0]?.changesSince as number) + INTERVAL);
    expect(t.cache.stats).toMatchObject({ fullRounds: 1, feedRounds: 5, feedRefetchedTopics: 0 });
    // Clients were answered from memory throughout: no ask went through.
    expect(t.api.calls.slice(afterWarm).every((c) => c.method === "getRoutes")).toBe(true);
    void FEED_OVERLAP_MS;
  });

  it("a change refetches, in the same round, the topics it names and the routes listing its group", async () => {
    const t = setup();
    await t.warm();
    t.advance(INTERVAL);
    t.heartbeatAll();
    t.sweep();
    t.record({ action: "topic.registered", topics: ["T1"] });
    t.record({ action: "writePerm.wiped", broker: "broker-b", topics: [] });
    const from = t.api.calls.length;
    await t.cache.refresh();
    const calls = t.routesCalls(from);
    expect(calls[0]).toMatchObject({ topics: [] });
    // T1 by name; T2 and T3 list broker-b.
    expect(calls[1]).toMatchObject({ topics: ["T1", "T2", "T3"] });
    expect(calls).toHaveLength(2);

    // The next round sees the same entries again (the overlap) and does not act on them twice.
    const next = t.api.calls.length;
    t.advance(5_000);
    await t.cache.refresh();
    expect(t.routesCalls(next)).toEqual([{ topics: [], changesSince: expect.any(Number) }]);
  });

  it("a restart (membership only) patches the routes listing the group: no refetch, the registry's route", async () => {
    const t = setup();
    await t.warm();
    t.advance(INTERVAL);
    t.heartbeatAll();
    t.sweep();
    // broker-b gets a second member (a slave comes back): the registration names no topic.
    t.members.push({ brokerName: "broker-b", addr: "10.0.0.3:10911", lastHeartbeat: t.now() + SKEW });
    t.record({ action: "broker.registered", broker: "broker-b", topics: [] });
    const from = t.api.calls.length;
    await t.cache.refresh();
    expect(t.routesCalls(from)).toEqual([{ topics: [], changesSince: expect.any(Number) }]);
    expect(t.cache.stats.feedPatchedTopics).toBe(2);
    const t2 = await t.cache.get("T2");
    expect(t2.found && t2.route.brokerDatas[0]?.brokerAddrs).toEqual({
      "0": "10.0.0.2:10911",
      "1": "10.0.0.3:10911",
    });

    // Without the group's membership in the answer (an older registry), the routes are refetched.
    t.state.giveGroups = false;
    t.advance(INTERVAL);
    t.heartbeatAll();
    t.sweep();
    t.record({ action: "broker.unregistered", broker: "broker-b", topics: [] });
    const next = t.api.calls.length;
    await t.cache.refresh();
    expect(t.routesCalls(next)[1]?.topics).toEqual(["T2", "T3"]);
  });

  it("a registration naming a new topic of a group refetches only what it names and what lists the group", async () => {
    const t = setup();
    await t.warm();
    t.advance(INTERVAL);
    t.heartbeatAll();
    t.sweep();
    t.topics.set("T2", ["broker-b", "broker-a"]);
    t.record({ action: "broker.registered", broker: "broker-a", topics: ["T2"] });
    const from = t.api.calls.length;
    await t.cache.refresh();
    const calls = t.routesCalls(from);
    expect(calls[1]?.topics).toEqual(["T1", "T2", "T3"]);
    const route = await t.cache.get("T2");
    expect(route.found && route.route.brokerDatas.map((b) => b.brokerName).sort()).toEqual([
      "broker-a",
      "broker-b",
    ]);
    expect(t.cache.stats.feedRefetchedTopics).toBe(3);
  });

  it("a cut entry, an incomplete feed, a missing or old digest refetch everything", async () => {
    const t = setup();
    await t.warm();
    const full = () => t.cache.stats.fullRounds;
    expect(full()).toBe(1);

    t.advance(INTERVAL);
    t.sweep();
    t.record({ action: "broker.registered", broker: "broker-a", topics: [], allTopics: true });
    await t.askAll();
    await t.cache.refresh();
    expect(full()).toBe(2);

    t.advance(INTERVAL);
    t.sweep();
    t.state.complete = false;
    await t.askAll();
    await t.cache.refresh();
    expect(full()).toBe(3);
    t.state.complete = true;

    // A cut digest (more members silent than it lists) cannot vouch for the members it leaves out.
    t.advance(INTERVAL);
    t.cutNextDigest = true;
    t.sweep();
    t.cutNextDigest = false;
    await t.askAll();
    await t.cache.refresh();
    expect(full()).toBe(4);

    // The digest is 50 s old: its silence list cannot vouch for the members it leaves out.
    t.advance(50_000);
    await t.askAll();
    await t.cache.refresh();
    expect(full()).toBe(5);
    t.sweep();
    t.advance(10_000);
    await t.askAll();
    await t.cache.refresh();
    expect(full()).toBe(5);
    expect(t.cache.stats.feedRounds).toBeGreaterThan(0);
  });

  it("refetches everything every hour (by default), whatever the feed says", async () => {
    const t = setup();
    await t.warm();
    const rounds = DEFAULT_FULL_REFRESH_EVERY_MS / INTERVAL;
    for (let i = 0; i < rounds + 1; i++) await t.interval();
    expect(t.cache.stats.fullRounds).toBe(2);
    expect(t.cache.stats.feedRounds).toBe(rounds);
  });

  it("a registry without the feed gets full rounds, as before", async () => {
    const t = setup({ feed: false });
    await t.warm();
    for (let i = 0; i < 3; i++) await t.interval();
    expect(t.cache.stats).toMatchObject({ fullRounds: 4, feedRounds: 0 });
    for (const call of t.routesCalls()) expect(call.topics).toEqual(["T1", "T2", "T3"]);
  });

  it("an answer whose feed this gateway cannot read: full rounds without the feed from then on", async () => {
    const t = setup();
    await t.warm();
    const real = t.api.answers.getRoutes;
    t.api.answers.getRoutes = (topics, opts) => {
      if (opts?.changesSince !== undefined) {
        throw new UnexpectedResponseError("http://registry.test", "unexpected answer (changes.entries: …)");
      }
      return real?.(topics, opts) as RoutesAnswer;
    };
    const from = t.api.calls.length;
    for (let i = 0; i < 3; i++) await t.interval();
    // The first round tries the feed once; every round then refetches every topic, and succeeds.
    const calls = t.routesCalls(from);
    expect(calls.filter((c) => c.changesSince !== undefined)).toHaveLength(1);
    expect(calls.filter((c) => c.topics.length === 3 && c.changesSince === undefined)).toHaveLength(3);
    expect(t.cache.stats).toMatchObject({ fullRounds: 4, failedBatches: 1 });
  });

  it("a refetch that fails is not confirmed by a later round: the topic is refetched again", async () => {
    const t = setup();
    await t.warm();
    t.advance(INTERVAL);
    t.sweep();
    t.record({ action: "topic.registered", topics: ["T1"] });
    let failNext = true;
    const real = t.api.answers.getRoutes;
    t.api.answers.getRoutes = (topics, opts) => {
      if (topics.length > 0 && failNext) {
        failNext = false;
        throw new NameServerUnreachableError("http://registry.test", "network");
      }
      return real?.(topics, opts) as RoutesAnswer;
    };
    await t.cache.refresh();
    t.advance(INTERVAL);
    t.sweep();
    const from = t.api.calls.length;
    await t.cache.refresh();
    expect(t.routesCalls(from)[1]?.topics).toEqual(["T1"]);
  });

  it("a deadline already past stays, though the member has left the digest before the feed's entry of it lands", async () => {
    const t = setup();
    await t.warm();
    const b = t.members.find((m) => m.brokerName === "broker-b") as Member;
    const a = t.members.find((m) => m.brokerName === "broker-a") as Member;
    // broker-b stops heartbeating; its deadline is 120 s after the warm-up.
    for (let i = 0; i < 4; i++) {
      t.advance(INTERVAL);
      a.lastHeartbeat = t.now() + SKEW;
      t.sweep();
      await t.askAll();
      await t.cache.refresh();
    }
    // The sweep expires it (so the digest no longer lists it), and its history entry is late: the
    // round learns nothing of it. The route cached before its deadline must not list it again.
    t.advance(INTERVAL);
    t.members.splice(t.members.indexOf(b), 1);
    t.sweep();
    await t.cache.refresh();
    const t3 = await t.cache.get("T3");
    expect(t3.found && t3.route.brokerDatas.map((x) => x.brokerName)).toEqual(["broker-a"]);
    expect(t.cache.stats.expiredMemberFetches).toBeGreaterThan(0);
  });

  it("an unreachable registry: the round does nothing, entries age out, and the feed resumes where it was", async () => {
    const t = setup();
    await t.warm();
    t.advance(INTERVAL);
    t.sweep();
    t.state.down = true;
    await t.cache.refresh();
    t.state.down = false;
    t.record({ action: "topic.registered", topics: ["T2"] });
    t.advance(INTERVAL);
    t.sweep();
    const from = t.api.calls.length;
    await t.cache.refresh();
    const calls = t.routesCalls(from);
    expect(calls[1]?.topics).toEqual(["T2"]);
    expect(t.cache.stats.fullRounds).toBe(1);
  });
});

describe("freshness through the feed: a silent broker is never served past its timeout", () => {
  const seed = testSeed("FEED_FRESHNESS_SEED", "feed freshness");
  it(`broker-b stops heartbeating at a random phase of the sweeps and rounds (seed ${seed})`, async () => {
    const prng = createPrng(seed);
    const next = () => prng.next();
    for (let run = 0; run < 20; run++) {
      const t = setup();
      await t.warm();
      // Sweeps, rounds, heartbeats and client asks at their own phases, one simulated second at a time.
      const sweepPhase = Math.floor(next() * 30);
      const roundPhase = Math.floor(next() * 30);
      const heartbeatPhase = Math.floor(next() * 30);
      const stopsAt = 60 + Math.floor(next() * 60);
      const b = t.members.find((m) => m.brokerName === "broker-b") as Member;
      let silentSince: number | undefined;
      let lastServed = Number.NEGATIVE_INFINITY;
      for (let second = 1; second <= 400; second++) {
        t.advance(1_000);
        if (second % 30 === heartbeatPhase) {
          for (const m of t.members) {
            if (m === b && second >= stopsAt) continue;
            m.lastHeartbeat = t.now() + SKEW;
          }
        }
        if (second >= stopsAt && silentSince === undefined) silentSince = b.lastHeartbeat - SKEW;
        if (second % 30 === sweepPhase) t.sweep();
        if (second % 30 === roundPhase) await t.cache.refresh();
        for (const topic of ["T2", "T3"]) {
          const answer = await t.cache.get(topic);
          const lists = answer.found && answer.route.brokerDatas.some((x) => x.brokerName === "broker-b");
          if (lists) lastServed = t.now();
        }
      }
      const deadline = (silentSince as number) + HEARTBEAT_TIMEOUT;
      expect(
        lastServed,
        `run ${run}: served ${lastServed - deadline} ms past the deadline`,
      ).toBeLessThanOrEqual(deadline);
      // And it was served while alive: the feed does not drop live members.
      expect(lastServed).toBeGreaterThan((silentSince as number) + 60_000);
      expect(t.cache.stats.feedRounds).toBeGreaterThan(5);
    }
  });
});
