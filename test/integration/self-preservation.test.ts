/**
 * Self-preservation against DynamoDB Local: when one sweep would expire most of the fleet at once,
 * the registry blames itself, expires nothing, keeps serving those instances as of its last healthy
 * sweep, says so in health(), and leaves the mode by itself once heartbeats flow again.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import { TopicNotExistError } from "../../lib/domain/errors";
import type { RegisterBrokerRequest } from "../../lib/domain/model";
import {
  DEFAULT_SELF_PRESERVATION,
  type SelfPreservationConfig,
  selfPreservationConfigFromEnv,
} from "../../lib/domain/self-preservation";
import { createRegistryFixture, type RegistryFixture, registration } from "../support/registry-fixture";

const TIMEOUT = 10_000;
let f: RegistryFixture | undefined;
afterEach(async () => {
  await f?.table.drop();
  f = undefined;
});

async function fleet(selfPreservation: SelfPreservationConfig, size: number) {
  f = await createRegistryFixture({ selfPreservation });
  const brokers: RegisterBrokerRequest[] = Array.from({ length: size }, (_, i) =>
    registration({
      brokerName: `sp-${i}`,
      brokerAddr: `10.9.0.${i + 1}:10911`,
      heartbeatTimeoutMillis: TIMEOUT,
      topicConfigTable: { [`SpTopic-${i}`]: { readQueueNums: 4, writeQueueNums: 4, perm: 6 } },
    }),
  );
  for (const broker of brokers) await f.nameServer.registerBroker(broker);
  return { f, brokers };
}

const lightOf = (request: RegisterBrokerRequest): RegisterBrokerRequest => {
  const { topicConfigTable: _omitted, ...light } = request;
  return light;
};

async function served(ns: NameServer, brokerName: string, topic: string): Promise<boolean> {
  const info = await ns.getBrokerClusterInfo();
  let routed = true;
  try {
    await ns.getRouteInfoByTopic(topic);
  } catch (error) {
    if (!(error instanceof TopicNotExistError)) throw error;
    routed = false;
  }
  const inInfo = info.brokerAddrTable[brokerName] !== undefined;
  expect(routed, `${brokerName}: route and cluster info disagree`).toBe(inInfo);
  return inInfo;
}

describe("self-preservation", () => {
  it("trips when most of the fleet would expire at once, keeps serving it, and leaves once heartbeats flow", async () => {
    const { f, brokers } = await fleet({ enabled: true, expiryRatio: 0.5, minExpired: 5 }, 20);
    const healthyAt = f.clock.now();
    expect((await f.nameServer.sweep()).selfPreservation).toBe(false);

    // The registry stops hearing from 15 of 20 brokers (the network between them, say).
    f.clock.advance(5_000);
    const heard = brokers.slice(15);
    for (const b of heard) await f.nameServer.registerBroker(lightOf(b));
    f.clock.advance(TIMEOUT);

    const report = await f.nameServer.sweep();
    expect(report).toMatchObject({ selfPreservation: true, expiredInstances: 0, preservedInstances: 15 });
    expect(await f.nameServer.health()).toEqual({
      status: "ok",
      selfPreservation: { active: true, since: healthyAt },
    });

    // Everything is still served, by every Lambda, and over several sweeps.
    for (let sweep = 0; sweep < 3; sweep++) {
      f.clock.advance(1_000);
      for (const b of heard) await f.nameServer.registerBroker(lightOf(b));
      expect((await f.nameServer.sweep()).selfPreservation).toBe(true);
    }
    const reader = f.another();
    for (let i = 0; i < 20; i++) expect(await served(reader, `sp-${i}`, `SpTopic-${i}`)).toBe(true);
    expect(await reader.getAllTopicList()).toHaveLength(20);
    // The status page sees which instances are only kept by self-preservation.
    const live = await reader.listBrokers();
    expect(live.brokers).toHaveLength(20);
    expect(live.brokers.filter((b) => b.preserved).map((b) => b.brokerName)).toEqual(
      brokers
        .slice(0, 15)
        .map((b) => b.brokerName)
        .sort(),
    );
    expect((await reader.getBrokerMemberGroup("DefaultCluster", "sp-0")).brokerAddrs).toEqual({
      "0": "10.9.0.1:10911",
    });
    expect((await f.nameServer.health()).selfPreservation.since).toBe(healthyAt);

    // Heartbeats flow again, but for three brokers that really are gone.
    for (const b of brokers.slice(0, 12)) await f.nameServer.registerBroker(lightOf(b));
    for (const b of heard) await f.nameServer.registerBroker(lightOf(b));
    const recovery = await f.nameServer.sweep();
    expect(recovery).toMatchObject({ selfPreservation: false, expiredInstances: 3, preservedInstances: 0 });
    expect(await f.nameServer.health()).toEqual({ status: "ok", selfPreservation: { active: false } });
    for (let i = 0; i < 20; i++)
      expect(await served(f.nameServer, `sp-${i}`, `SpTopic-${i}`)).toBe(i < 12 || i >= 15);
  });

  it("an unregister is still immediate while self-preservation is active", async () => {
    const { f, brokers } = await fleet({ enabled: true, expiryRatio: 0.5, minExpired: 5 }, 10);
    await f.nameServer.sweep();
    f.clock.advance(TIMEOUT + 1);
    expect((await f.nameServer.sweep()).selfPreservation).toBe(true);
    const gone = brokers[0] as RegisterBrokerRequest;
    await f.nameServer.unregisterBroker(gone);
    expect(await served(f.nameServer, "sp-0", "SpTopic-0")).toBe(false);
    expect(await served(f.nameServer, "sp-1", "SpTopic-1")).toBe(true);
  });

  it("a two-broker dev setup with the default settings still expires normally", async () => {
    const { f } = await fleet(DEFAULT_SELF_PRESERVATION, 2);
    await f.nameServer.sweep();
    f.clock.advance(TIMEOUT + 1);
    expect(await served(f.nameServer, "sp-0", "SpTopic-0")).toBe(false);
    const report = await f.nameServer.sweep();
    expect(report).toMatchObject({ selfPreservation: false, expiredInstances: 2, removedGroups: 2 });
    expect(await f.store.getGroup("sp-0")).toBeUndefined();
    expect((await f.nameServer.health()).selfPreservation.active).toBe(false);
  });

  it("SELF_PRESERVATION=off expires the whole fleet at once", async () => {
    const { f } = await fleet(selfPreservationConfigFromEnv({ SELF_PRESERVATION: "off" }), 20);
    await f.nameServer.sweep();
    f.clock.advance(TIMEOUT + 1);
    expect(await f.nameServer.sweep()).toMatchObject({ selfPreservation: false, expiredInstances: 20 });
    expect(await f.nameServer.getAllTopicList()).toEqual([]);
  });
});
