/**
 * The route group cache: fewer requests on warm route queries, and never a dead broker served.
 */
import { describe, expect, it } from "vitest";
import { createNameServer } from "../../lib/app/name-server-service";
import { TopicNotExistError } from "../../lib/domain/errors";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { registration, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();

const cached = () =>
  createNameServer({
    store: f.store,
    now: f.clock.now,
    routeGroupCacheMs: 5000,
    selfPreservation: { ...DEFAULT_SELF_PRESERVATION, enabled: false },
  });

describe("route group cache", () => {
  it("answers a warm route query with one request", async () => {
    const server = cached();
    await f.nameServer.registerBroker(
      registration({ brokerName: "cache-a", topicConfigTable: { CacheWarm: {} } }),
    );
    await server.getRouteInfoByTopic("CacheWarm");
    f.capacity.reset();
    const route = await server.getRouteInfoByTopic("CacheWarm");
    expect(route.brokerDatas[0]?.brokerName).toBe("cache-a");
    expect(f.capacity.totals.requests).toBe(1);
  });

  it("never serves a broker that died while its group was cached", async () => {
    const server = cached();
    await f.nameServer.registerBroker(
      registration({
        brokerName: "cache-dead",
        brokerAddr: "10.9.0.1:10911",
        heartbeatTimeoutMillis: 2000,
        topicConfigTable: { CacheDead: {} },
      }),
    );
    await server.getRouteInfoByTopic("CacheDead");
    f.clock.advance(2001);
    await expect(server.getRouteInfoByTopic("CacheDead")).rejects.toBeInstanceOf(TopicNotExistError);
  });

  it("keeps serving a broker that heartbeated after its group was cached", async () => {
    const server = cached();
    const req = registration({
      brokerName: "cache-live",
      brokerAddr: "10.9.0.2:10911",
      heartbeatTimeoutMillis: 2000,
      topicConfigTable: { CacheLive: {} },
    });
    await f.nameServer.registerBroker(req);
    await server.getRouteInfoByTopic("CacheLive");
    f.clock.advance(1900);
    await f.nameServer.registerBroker(req);
    f.clock.advance(200);
    const route = await server.getRouteInfoByTopic("CacheLive");
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "0": "10.9.0.2:10911" });
  });

  it("reads a group again once its queue data belongs to a new incarnation", async () => {
    const server = cached();
    const req = registration({
      brokerName: "cache-epoch",
      brokerAddr: "10.9.0.3:10911",
      topicConfigTable: { CacheEpoch: {} },
    });
    await f.nameServer.registerBroker(req);
    await server.getRouteInfoByTopic("CacheEpoch");
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName: "cache-epoch",
      brokerId: 0,
      brokerAddr: "10.9.0.3:10911",
    });
    await f.nameServer.registerBroker({ ...req, brokerAddr: "10.9.0.4:10911" });
    const route = await server.getRouteInfoByTopic("CacheEpoch");
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "0": "10.9.0.4:10911" });
  });
});
