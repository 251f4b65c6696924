import { describe, expect, it } from "vitest";
import type { TopicRouteData } from "../../lib/domain/model";
import { MAX_TOPICS_PER_BATCH, RouteCache } from "../../lib/gateway/route-cache";
import { fakeRegistryApi, requestError, routeOf } from "../support/fake-registry-api";

const INTERVAL = 30_000;
const TIMEOUT = 5_000;

/** A registry whose routes the test changes, answering GET /route and POST /routes alike; a fake clock. */
function setup() {
  let now = 1_000_000;
  const routes = new Map<string, TopicRouteData>([["T", routeOf("broker-a")]]);
  const api = fakeRegistryApi({
    getRouteInfoByTopic: (topic) => {
      const route = routes.get(topic);
      if (route === undefined) throw requestError(404, "TOPIC_NOT_EXIST");
      return { notModified: false, route, etag: `"${route.queueDatas[0]?.perm}"` };
    },
    getRoutes: (topics, options) => {
      const answer = {
        routes: {} as Record<string, TopicRouteData>,
        etags: {} as Record<string, string>,
        unchanged: [] as string[],
        missing: [] as string[],
      };
      for (const topic of topics) {
        const route = routes.get(topic);
        if (route === undefined) answer.missing.push(topic);
        else if (options?.known?.[topic] === `"${route.queueDatas[0]?.perm}"`) answer.unchanged.push(topic);
        else {
          answer.routes[topic] = route;
          answer.etags[topic] = `"${route.queueDatas[0]?.perm}"`;
        }
      }
      return answer;
    },
  });
  const cache = new RouteCache({ api, intervalMs: INTERVAL, requestTimeoutMs: TIMEOUT, now: () => now });
  return {
    api,
    cache,
    routes,
    advance: (ms: number) => {
      now += ms;
    },
    methods: () => api.calls.map((c) => c.method),
  };
}

describe("RouteCache", () => {
  it("a topic asked for the first time goes straight through; then it is answered from the cache", async () => {
    const { cache, methods } = setup();
    expect((await cache.get("T")).found).toBe(true);
    expect(methods()).toEqual(["getRouteInfoByTopic"]);
    for (let i = 0; i < 5; i++) await cache.get("T");
    expect(methods()).toEqual(["getRouteInfoByTopic"]);
    expect(cache.stats).toMatchObject({ hits: 5, directFetches: 1 });
  });

  it("refreshes every known topic with one POST /routes, sending the ETags it holds", async () => {
    const { api, cache, routes, methods } = setup();
    routes.set("U", routeOf("broker-b"));
    await cache.get("T");
    await cache.get("U");
    await cache.get("Gone");
    await cache.refresh();
    expect(methods()).toEqual([
      "getRouteInfoByTopic",
      "getRouteInfoByTopic",
      "getRouteInfoByTopic",
      "getRoutes",
    ]);
    expect(api.calls[3]?.args).toEqual([
      ["T", "U", "Gone"],
      { known: { T: '"6"', U: '"6"' }, deadlines: true, changesSince: 0 },
    ]);
  });

  it("a change in the registry shows after the next refresh, and a served route is never older than interval + one request", async () => {
    const { cache, routes, advance, methods } = setup();
    await cache.get("T");
    routes.set("T", {
      ...routeOf("broker-a"),
      queueDatas: [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 4, topicSysFlag: 0 }],
    });
    advance(INTERVAL);
    const before = await cache.get("T");
    expect(before.found && before.route.queueDatas[0]?.perm).toBe(6);
    await cache.refresh();
    const after = await cache.get("T");
    expect(after.found && after.route.queueDatas[0]?.perm).toBe(4);
    expect(methods()).toEqual(["getRouteInfoByTopic", "getRoutes"]);
  });

  it("when refreshes fail, an entry older than interval + request timeout is fetched directly", async () => {
    const { api, cache, advance, methods } = setup();
    await cache.get("T");
    api.answers.getRoutes = () => {
      throw requestError(503, "SERVICE_UNAVAILABLE");
    };
    advance(INTERVAL);
    await cache.refresh();
    advance(TIMEOUT);
    await cache.get("T");
    expect(methods()).toEqual(["getRouteInfoByTopic", "getRoutes"]);
    advance(1);
    await cache.get("T");
    expect(methods()).toEqual(["getRouteInfoByTopic", "getRoutes", "getRouteInfoByTopic"]);
    expect(cache.stats.failedBatches).toBe(1);
  });

  it("caches a missing topic too, and notices when it appears", async () => {
    const { cache, routes, methods } = setup();
    expect((await cache.get("New")).found).toBe(false);
    expect((await cache.get("New")).found).toBe(false);
    routes.set("New", routeOf());
    await cache.refresh();
    expect((await cache.get("New")).found).toBe(true);
    expect(methods()).toEqual(["getRouteInfoByTopic", "getRoutes"]);
  });

  it("a write through the gateway invalidates what it touches: the next ask goes through", async () => {
    const { cache, routes, methods } = setup();
    routes.set("U", routeOf("broker-b"));
    await cache.get("T");
    await cache.get("U");
    cache.invalidateBroker("broker-a");
    await cache.get("T");
    await cache.get("U");
    expect(methods()).toEqual(["getRouteInfoByTopic", "getRouteInfoByTopic", "getRouteInfoByTopic"]);
    cache.invalidateTopic("U");
    await cache.get("U");
    expect(methods()).toHaveLength(4);
  });

  it("topics nobody asked for lately are no longer refreshed", async () => {
    const { api, cache, routes, advance } = setup();
    routes.set("U", routeOf("broker-b"));
    await cache.get("T");
    await cache.get("U");
    for (let i = 0; i < 4; i++) {
      advance(INTERVAL);
      await cache.get("T");
      await cache.refresh();
    }
    const last = api.calls.filter((c) => c.method === "getRoutes").at(-1);
    expect(last?.args[0]).toEqual(["T"]);
    expect(cache.size).toBe(1);
  });

  it("concurrent first asks of one topic make one request", async () => {
    const { cache, methods } = setup();
    await Promise.all([cache.get("T"), cache.get("T"), cache.get("T")]);
    expect(methods()).toEqual(["getRouteInfoByTopic"]);
  });

  it("more than 1,000 topics are refreshed in batches of 1,000; zones separately", async () => {
    const { api, cache } = setup();
    for (let i = 0; i < MAX_TOPICS_PER_BATCH + 5; i++) await cache.get(`T${i}`);
    await cache.get("T", "az-1");
    await cache.refresh();
    const batches = api.calls.filter((c) => c.method === "getRoutes");
    expect(batches.map((b) => (b.args[0] as string[]).length).sort((a, b) => a - b)).toEqual([1, 5, 1000]);
    expect(batches.find((b) => (b.args[0] as string[])[0] === "T")?.args[1]).toMatchObject({ zone: "az-1" });
  });

  it("interval 0: no cache, every ask goes through", async () => {
    const api = fakeRegistryApi({ getRouteInfoByTopic: () => ({ notModified: false, route: routeOf() }) });
    const cache = new RouteCache({ api, intervalMs: 0, requestTimeoutMs: TIMEOUT });
    await cache.get("T");
    await cache.get("T");
    await cache.refresh();
    expect(api.calls.map((c) => c.method)).toEqual(["getRouteInfoByTopic", "getRouteInfoByTopic"]);
  });

  it("registry errors are not cached", async () => {
    const api = fakeRegistryApi({
      getRouteInfoByTopic: () => {
        throw requestError(503, "SERVICE_UNAVAILABLE");
      },
    });
    const cache = new RouteCache({ api, intervalMs: INTERVAL, requestTimeoutMs: TIMEOUT });
    await expect(cache.get("T")).rejects.toThrow();
    await expect(cache.get("T")).rejects.toThrow();
    expect(api.calls).toHaveLength(2);
  });
});
