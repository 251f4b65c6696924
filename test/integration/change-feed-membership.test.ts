/**
 * A restart through the change feed, over DynamoDB Local: when a member leaves, joins again, or its
 * whole group goes, the gateway's route cache patches the routes it holds with the group's membership
 * the feed answer carries (`groups`), sends no refetch, and serves exactly what the registry answers.
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

let fixture: RegistryFixture | undefined;
afterEach(async () => {
  await fixture?.table.drop();
  fixture = undefined;
});

const master = (brokerName: string, n: number, topicCount: number) =>
  registration({
    brokerName,
    brokerId: 0,
    brokerAddr: `10.0.${n}.1:10911`,
    topicConfigTable: topics(topicCount, "Restart"),
  });
const slave = (brokerName: string, n: number, topicCount: number) =>
  registration({
    brokerName,
    brokerId: 1,
    brokerAddr: `10.0.${n}.2:10911`,
    topicConfigTable: topics(topicCount, "Restart"),
  });

describe("a restart through the change feed (DynamoDB Local)", () => {
  it("a member leaving, joining again and a whole group going: routes patched, none refetched, as the registry answers", async () => {
    fixture = await createRegistryFixture();
    const f = fixture;
    // g-a (master and slave) serves Restart-0..3, g-b (master only) Restart-0..1: Restart-0/1 on both.
    const brokers = [master("g-a", 1, 4), slave("g-a", 1, 4), master("g-b", 2, 2)];
    for (const b of brokers) await f.nameServer.registerBroker(b);
    const { api, fetched } = inProcessRegistryApi(f);
    const cache = new RouteCache({ api, intervalMs: 30_000, requestTimeoutMs: 5_000, now: f.clock.now });
    const names = ["Restart-0", "Restart-1", "Restart-2", "Restart-3"];
    const alive = new Set(brokers);
    /** 30 s: the live brokers heartbeat, a sweep, clients ask, the gateway's round. */
    const interval = async () => {
      f.clock.advance(30_000);
      for (const b of alive) await f.nameServer.registerBroker(b);
      await f.nameServer.sweep();
      for (const topic of names) await cache.get(topic);
      await cache.refresh();
    };
    /** Every cached route is what the registry answers now. */
    const matchesRegistry = async () => {
      for (const topic of names) {
        const held = await cache.get(topic);
        const fresh = await f.nameServer.getRouteInfoByTopic(topic).catch(() => undefined);
        expect(held.found ? held.route : undefined, topic).toEqual(fresh);
      }
    };
    await interval(); // first asks, then the first (full) round
    await interval();
    expect(cache.stats.feedRounds).toBe(1);
    fetched.length = 0;

    // g-a's slave stops gracefully (an unregister): a membership change.
    alive.delete(brokers[1] as (typeof brokers)[number]);
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName: "g-a",
      brokerAddr: "10.0.1.2:10911",
      brokerId: 1,
    });
    await interval();
    expect(fetched).toEqual([]);
    expect(cache.stats.feedPatchedTopics).toBe(4);
    await matchesRegistry();

    // It comes back: its registration names no new topic, so it is one more membership change.
    alive.add(brokers[1] as (typeof brokers)[number]);
    await interval();
    expect(fetched).toEqual([]);
    expect(cache.stats.feedPatchedTopics).toBe(8);
    await matchesRegistry();

    // g-b's only member goes: g-b leaves Restart-0/1's routes.
    alive.delete(brokers[2] as (typeof brokers)[number]);
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName: "g-b",
      brokerAddr: "10.0.2.1:10911",
      brokerId: 0,
    });
    await interval();
    expect(fetched).toEqual([]);
    await matchesRegistry();
    const r0 = await cache.get("Restart-0");
    expect(r0.found && r0.route.brokerDatas.map((b) => b.brokerName)).toEqual(["g-a"]);
    expect(cache.stats.feedRefetchedTopics).toBe(0);
  });
});
