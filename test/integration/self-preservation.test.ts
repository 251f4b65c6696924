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
  staleAfterMs,
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

const SP: SelfPreservationConfig = {
  ...DEFAULT_SELF_PRESERVATION,
  expiryRatio: 0.5,
  minExpired: 5,
  sweepIntervalMs: 10_000,
  maxDurationMs: 120_000,
  recoveryGraceMs: 5_000,
};

describe("self-preservation", () => {
  it("trips when most of the fleet would expire at once, keeps serving it, and leaves once heartbeats flow", async () => {
    const { f, brokers } = await fleet(SP, 20);
    const healthyAt = f.clock.now();
    expect((await f.nameServer.sweep()).selfPreservation).toBe(false);

    // The registry stops hearing from 15 of 20 brokers (the network between them, say).
    f.clock.advance(5_000);
    const heard = brokers.slice(15);
    for (const b of heard) await f.nameServer.registerBroker(lightOf(b));
    f.clock.advance(TIMEOUT);

    const report = await f.nameServer.sweep();
    expect(report).toMatchObject({
      selfPreservation: true,
      selfPreservationEvent: "entered",
      expiredInstances: 0,
      preservedInstances: 15,
    });
    expect(await f.nameServer.health()).toEqual({
      status: "ok",
      selfPreservation: {
        active: true,
        since: healthyAt,
        enteredAt: f.clock.now(),
        protectUntil: f.clock.now() + staleAfterMs(SP),
      },
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

    // Heartbeats flow again, but for three brokers that really are gone: renewals, not the dead
    // coming back, end the mode, a grace period later.
    for (const b of brokers.slice(0, 2)) await f.nameServer.registerBroker(lightOf(b));
    for (const b of heard) await f.nameServer.registerBroker(lightOf(b));
    expect(await f.nameServer.sweep()).toMatchObject({ selfPreservation: true, expiredInstances: 0 });
    expect(await served(reader, "sp-5", "SpTopic-5")).toBe(true);
    f.clock.advance(SP.recoveryGraceMs);
    for (const b of [...brokers.slice(0, 12), ...heard]) await f.nameServer.registerBroker(lightOf(b));
    const recovery = await f.nameServer.sweep();
    expect(recovery).toMatchObject({
      selfPreservation: false,
      selfPreservationEvent: "recovered",
      expiredInstances: 3,
      preservedInstances: 0,
    });
    expect(await f.nameServer.health()).toEqual({ status: "ok", selfPreservation: { active: false } });
    for (let i = 0; i < 20; i++)
      expect(await served(f.nameServer, `sp-${i}`, `SpTopic-${i}`)).toBe(i < 12 || i >= 15);
  });

  it("a broker that heartbeats during the mode and then dies leaves the routes and is expired", async () => {
    const { f, brokers } = await fleet(SP, 10);
    await f.nameServer.sweep();
    const survivor = brokers[0] as RegisterBrokerRequest;
    f.clock.advance(5_000);
    await f.nameServer.registerBroker(lightOf(survivor));
    f.clock.advance(TIMEOUT - 1_000);
    expect((await f.nameServer.sweep()).selfPreservation).toBe(true);
    expect(await served(f.nameServer, "sp-0", "SpTopic-0")).toBe(true);
    // sp-0 was heard after `since`: once it is silent for its timeout, it is dead, mode or not.
    f.clock.advance(5_000);
    expect(await served(f.nameServer, "sp-0", "SpTopic-0")).toBe(false);
    expect(await served(f.nameServer, "sp-1", "SpTopic-1")).toBe(true);
    expect(await f.nameServer.sweep()).toMatchObject({ selfPreservation: true, expiredInstances: 1 });
    expect(await f.store.getGroup("sp-0")).toBeUndefined();
  });

  it("ends after its maximum duration and expires the silent, even with 6 of 10 dead for good", async () => {
    const { f, brokers } = await fleet(SP, 10);
    await f.nameServer.sweep();
    const alive = brokers.slice(0, 4);
    const beat = async () => {
      for (const b of alive) await f.nameServer.registerBroker(lightOf(b));
    };
    f.clock.advance(5_000);
    await beat();
    f.clock.advance(TIMEOUT);
    expect((await f.nameServer.sweep()).selfPreservationEvent).toBe("entered");
    let report = await f.nameServer.sweep();
    for (let t = 0; t < SP.maxDurationMs && report.selfPreservation; t += SP.sweepIntervalMs) {
      f.clock.advance(SP.sweepIntervalMs);
      await beat();
      report = await f.nameServer.sweep();
    }
    expect(report).toMatchObject({
      selfPreservation: false,
      selfPreservationEvent: "timedOut",
      expiredInstances: 6,
    });
    expect(Object.keys((await f.nameServer.getBrokerClusterInfo()).brokerAddrTable).sort()).toEqual([
      "sp-0",
      "sp-1",
      "sp-2",
      "sp-3",
    ]);
  });

  it("after a sweeper outage, reads never bring the dead back and the next sweep expires them", async () => {
    const { f } = await fleet(SP, 10);
    await f.nameServer.sweep();
    f.clock.advance(TIMEOUT + 1);
    expect((await f.nameServer.sweep()).selfPreservation).toBe(true);
    expect(await served(f.nameServer, "sp-0", "SpTopic-0")).toBe(true);
    // The sweeper stops for two hours (an outage, a redeploy): the mode's state says active.
    f.clock.advance(2 * 60 * 60_000);
    expect(await served(f.another(), "sp-0", "SpTopic-0")).toBe(false);
    expect(await f.nameServer.getAllTopicList()).toEqual([]);
    expect(await f.nameServer.sweep()).toMatchObject({
      selfPreservation: false,
      selfPreservationEvent: "staleSince",
      expiredInstances: 10,
    });
  });

  it("an unregister is still immediate while self-preservation is active", async () => {
    const { f, brokers } = await fleet(SP, 10);
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
