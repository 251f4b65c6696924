/**
 * The gateway's cached routes never list a member past its heartbeat timeout (README "Where it
 * differs"): with a fake clock, a route cached while broker-a had 20 s left is no longer served from
 * memory once those 20 s are over, though the cache interval has not run out. The deadlines come with
 * the refresh's own `POST /routes` answers (`deadlines: true`), for changed and unchanged routes alike.
 */
import { describe, expect, it } from "vitest";
import { NameServerUnreachableError } from "../../lib/client/transport";
import type { BrokerLiveInfo, MemberDeadlines, TopicRouteData } from "../../lib/domain/model";
import { RouteCache, withoutMembers } from "../../lib/gateway/route-cache";
import { fakeRegistryApi } from "../support/fake-registry-api";

const INTERVAL = 30_000;
const A = "10.0.0.1:10911";
const B = "10.0.0.2:10911";

function routeOn(groups: Record<string, string>): TopicRouteData {
  const names = Object.keys(groups);
  return {
    queueDatas: names.map((brokerName) => ({
      brokerName,
      readQueueNums: 4,
      writeQueueNums: 4,
      perm: 6,
      topicSysFlag: 0,
    })),
    brokerDatas: names.map((brokerName) => ({
      cluster: "DefaultCluster",
      brokerName,
      brokerAddrs: { "0": groups[brokerName] as string },
      enableActingMaster: false,
    })),
    filterServerTable: {},
  };
}

function live(
  brokerName: string,
  brokerAddr: string,
  lastUpdateTimestamp: number,
  preserved = false,
): BrokerLiveInfo {
  return {
    clusterName: "DefaultCluster",
    brokerName,
    enableActingMaster: false,
    brokerId: 0,
    brokerAddr,
    lastUpdateTimestamp,
    heartbeatTimeoutMillis: 120_000,
    dataVersion: { stateVersion: 0, timestamp: 0, counter: 0 },
    preserved,
  };
}

/** The registry runs on its own clock, 5 hours ahead of the gateway's: only differences count. */
function setup() {
  let now = 1_000_000;
  const skew = 5 * 3600_000;
  const state = {
    route: routeOn({ "broker-a": A, "broker-b": B }) as TopicRouteData | undefined,
    brokers: [live("broker-a", A, now + skew - 100_000), live("broker-b", B, now + skew)],
    down: false,
  };
  const api = fakeRegistryApi({
    getRouteInfoByTopic: () => {
      if (state.down) throw new NameServerUnreachableError("http://registry.test", "network");
      return { notModified: false, route: state.route, etag: `"${JSON.stringify(state.route).length}"` };
    },
    // As the registry answers with `deadlines`: ms left on its own clock, preserved members left out;
    // a route whose ETag the gateway holds comes back only in `unchanged`.
    getRoutes: (topics, options) => {
      const etag = `"${JSON.stringify(state.route).length}"`;
      const unchanged = topics.filter((t) => options?.known?.[t] === etag);
      const changed = topics.filter((t) => !unchanged.includes(t));
      const deadlines: MemberDeadlines = {};
      for (const b of state.brokers) {
        if (b.preserved) continue;
        const ofGroup = deadlines[b.brokerName] ?? {};
        ofGroup[b.brokerAddr] = b.lastUpdateTimestamp + b.heartbeatTimeoutMillis - (now + skew);
        deadlines[b.brokerName] = ofGroup;
      }
      return {
        routes: Object.fromEntries(changed.map((t) => [t, state.route])),
        etags: Object.fromEntries(changed.map((t) => [t, etag])),
        unchanged,
        missing: [],
        ...(options?.deadlines === true ? { deadlines } : {}),
      };
    },
  });
  const cache = new RouteCache({ api, intervalMs: INTERVAL, requestTimeoutMs: 5_000, now: () => now });
  const addrs = async () => {
    const lookup = await cache.get("T");
    return lookup.found ? lookup.route.brokerDatas.flatMap((b) => Object.values(b.brokerAddrs)) : [];
  };
  return {
    api,
    cache,
    state,
    addrs,
    advance: (ms: number) => {
      now += ms;
    },
    count: (method: string) => api.calls.filter((c) => c.method === method).length,
  };
}

describe("the route cache and heartbeat deadlines", () => {
  it("stops serving a cached route from memory once a member's time runs out, and asks the registry", async () => {
    const t = setup();
    expect(await t.addrs()).toEqual([A, B]);
    await t.cache.refresh(); // broker-a has 20 s left
    // The deadlines come with the refresh's own batch: no other request.
    expect(t.api.calls.map((c) => c.method)).toEqual(["getRouteInfoByTopic", "getRoutes"]);
    expect(t.api.calls[1]?.args[1]).toMatchObject({ deadlines: true });
    t.advance(19_000);
    expect(await t.addrs()).toEqual([A, B]);
    t.advance(1_000); // exactly at the deadline: the registry's liveness is strict (now - last > timeout)
    expect(await t.addrs()).toEqual([A, B]);
    expect(t.count("getRouteInfoByTopic")).toBe(1);

    t.state.route = routeOn({ "broker-b": B }); // what the registry answers once broker-a's time is up
    t.advance(1_000); // 21 s after the refresh: well within the cache interval
    expect(await t.addrs()).toEqual([B]);
    expect(t.count("getRouteInfoByTopic")).toBe(2);
    expect(t.cache.stats.expiredMemberFetches).toBe(1);
    // The new answer is served from memory again.
    expect(await t.addrs()).toEqual([B]);
    expect(t.count("getRouteInfoByTopic")).toBe(2);
  });

  it("a member that heartbeated since is listed again, and costs one ask only", async () => {
    const t = setup();
    await t.addrs();
    await t.cache.refresh();
    t.advance(21_000);
    expect(await t.addrs()).toEqual([A, B]); // the registry still lists broker-a: it heartbeated
    t.advance(1_000);
    expect(await t.addrs()).toEqual([A, B]);
    expect(t.count("getRouteInfoByTopic")).toBe(2);
  });

  it("learns deadlines from unchanged routes too: a member that heartbeated is kept in memory", async () => {
    const t = setup();
    await t.addrs();
    await t.cache.refresh(); // broker-a has 20 s left
    t.advance(10_000);
    t.state.brokers[0] = {
      ...(t.state.brokers[0] as BrokerLiveInfo),
      lastUpdateTimestamp: 1_010_000 + 5 * 3600_000,
    };
    await t.cache.refresh(); // the route is unchanged; broker-a now has 120 s left
    const last = t.api.calls.at(-1);
    expect(last?.method).toBe("getRoutes");
    expect(last?.args[1]).toMatchObject({ deadlines: true, known: { T: expect.any(String) } });
    t.advance(15_000); // 25 s after its first deadline was learnt
    expect(await t.addrs()).toEqual([A, B]);
    expect(t.count("getRouteInfoByTopic")).toBe(1);
    expect(t.cache.stats.expiredMemberFetches).toBe(0);
  });

  it("serves the held route without the expired member when the registry cannot be asked", async () => {
    const t = setup();
    await t.addrs();
    await t.cache.refresh();
    t.state.down = true;
    t.advance(21_000);
    expect(await t.addrs()).toEqual([B]);
    const lookup = await t.cache.get("T");
    expect(lookup.found && lookup.route.queueDatas.map((q) => q.brokerName)).toEqual(["broker-b"]);
  });

  it("keeps members the registry preserves (self-preservation)", async () => {
    const t = setup();
    t.state.brokers = [live("broker-a", A, 0, true), t.state.brokers[1] as BrokerLiveInfo];
    await t.addrs();
    await t.cache.refresh();
    t.advance(25_000);
    expect(await t.addrs()).toEqual([A, B]);
    expect(t.count("getRouteInfoByTopic")).toBe(1);
  });
});

describe("withoutMembers", () => {
  it("drops the members, a group left empty with its queue data, and their filter servers", () => {
    const route = {
      ...routeOn({ "broker-a": A, "broker-b": B }),
      filterServerTable: { [A]: ["f:1"], [B]: ["f:2"] },
    };
    const left = withoutMembers(route, new Set([`broker-a\u0000${A}`]));
    expect(left?.brokerDatas.map((b) => b.brokerName)).toEqual(["broker-b"]);
    expect(left?.queueDatas.map((q) => q.brokerName)).toEqual(["broker-b"]);
    expect(left?.filterServerTable).toEqual({ [B]: ["f:2"] });
    expect(withoutMembers(route, new Set([`broker-a\u0000${A}`, `broker-b\u0000${B}`]))).toBeUndefined();
  });
});
