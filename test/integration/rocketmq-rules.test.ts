/**
 * RocketMQ's registerBroker rules that a close reading of RouteInfoManager found differing (issue 9),
 * on DynamoDB Local: each test failed before the change it covers.
 */
import { describe, expect, it } from "vitest";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();

let n = 0;
const uniqueName = () => `rules-${++n}`;
const addr = (i: number) => `10.9.${n}.${i}:10911`;

describe("group settings overwritten by every registration", () => {
  it("zoneName and enableActingMaster follow the last registration, also a steady or light heartbeat", async () => {
    const brokerName = uniqueName();
    const master = registration({
      brokerName,
      brokerAddr: addr(1),
      zoneName: "az-1",
      enableActingMaster: true,
      topicConfigTable: topics(2, brokerName),
    });
    const slave = registration({
      brokerName,
      brokerId: 1,
      brokerAddr: addr(2),
      zoneName: "az-2",
      enableActingMaster: false,
      topicConfigTable: topics(2, brokerName),
    });
    // Joins bump the topology: a couple of rounds until both heartbeats are steady.
    for (let round = 0; round < 3; round++) {
      await f.nameServer.registerBroker(master);
      await f.nameServer.registerBroker(slave);
    }
    expect((await f.nameServer.registerBroker(master)).kind).toBe("steady");
    let group = await f.store.getGroup(brokerName);
    expect(group?.zoneName).toBe("az-1");
    expect(group?.enableActingMaster).toBe(true);

    f.capacity.reset();
    expect((await f.nameServer.registerBroker(slave)).kind).toBe("steady");
    expect(f.capacity.totals).toMatchObject({ requests: 1, wcu: 1 });
    group = await f.store.getGroup(brokerName);
    expect(group?.zoneName).toBe("az-2");
    expect(group?.enableActingMaster).toBe(false);

    await f.nameServer.registerBroker({ ...master, topicConfigTable: undefined });
    group = await f.store.getGroup(brokerName);
    expect(group?.zoneName).toBe("az-1");
    expect(group?.enableActingMaster).toBe(true);
  });

  it("a group registered again under another clusterName joins that cluster", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName, brokerAddr: addr(1), topicConfigTable: topics(2, brokerName) });
    await f.nameServer.registerBroker(req);
    await f.nameServer.registerBroker({ ...req, clusterName: "OtherCluster" });
    const info = await f.nameServer.getBrokerClusterInfo();
    expect(info.clusterAddrTable.OtherCluster).toEqual([brokerName]);
    expect(info.clusterAddrTable.DefaultCluster ?? []).not.toContain(brokerName);
    expect(info.brokerAddrTable[brokerName]?.cluster).toBe("OtherCluster");
    expect(await f.nameServer.getTopicsByCluster("OtherCluster")).toEqual([
      `${brokerName}-0`,
      `${brokerName}-1`,
    ]);
    expect(await f.nameServer.getTopicsByCluster("DefaultCluster")).not.toContain(`${brokerName}-0`);
  });
});

describe("prime slave", () => {
  it("of a plain group keeps WRITE; of an acting-master group has it cleared", async () => {
    for (const enableActingMaster of [false, true]) {
      const brokerName = uniqueName();
      await f.nameServer.registerBroker(
        registration({
          brokerName,
          brokerId: 1,
          brokerAddr: addr(2),
          enableActingMaster,
          topicConfigTable: topics(1, brokerName),
        }),
      );
      const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`);
      expect(route.queueDatas[0]?.perm).toBe(enableActingMaster ? 4 : 6);
    }
  });
});

describe("stateVersion rejection (RocketMQ 5)", () => {
  it("the promotion clean-up happens first and the rejected address leaves the registry", async () => {
    const brokerName = uniqueName();
    const common = { brokerName, topicConfigTable: topics(1, brokerName) };
    await f.nameServer.registerBroker(
      registration({
        ...common,
        brokerAddr: addr(1),
        dataVersion: { stateVersion: 5, timestamp: 1, counter: 1 },
      }),
    );
    await f.nameServer.registerBroker(registration({ ...common, brokerId: 1, brokerAddr: addr(2) }));
    // The slave claims id 0 with an older stateVersion than the live master's: rejected.
    const out = await f.nameServer.registerBroker(
      registration({
        ...common,
        brokerAddr: addr(2),
        dataVersion: { stateVersion: 4, timestamp: 1, counter: 1 },
      }),
    );
    expect(out.response).toEqual({ topicConfigApplied: false });
    expect((await f.nameServer.getBrokerMemberGroup("DefaultCluster", brokerName)).brokerAddrs).toEqual({
      "0": addr(1),
    });
  });
});

describe("acting-master group with a dead master", () => {
  it("is never shown writable, before the sweeper ran", async () => {
    const brokerName = uniqueName();
    const common = { brokerName, enableActingMaster: true, topicConfigTable: topics(1, brokerName) };
    await f.nameServer.registerBroker(
      registration({ ...common, brokerAddr: addr(1), heartbeatTimeoutMillis: 10_000 }),
    );
    await f.nameServer.registerBroker(registration({ ...common, brokerId: 1, brokerAddr: addr(2) }));
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).queueDatas[0]?.perm).toBe(6);
    f.clock.advance(11_000); // the master is dead; no sweep has run
    const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`);
    expect(route.queueDatas[0]?.perm).toBe(4);
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "1": addr(2) });
  });
});

describe("zone filter", () => {
  it("compares zone names ignoring case", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({
        brokerName,
        brokerAddr: addr(1),
        zoneName: "AZ-1",
        topicConfigTable: topics(1, brokerName),
      }),
    );
    const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`, "az-1");
    expect(route.brokerDatas.map((b) => b.brokerName)).toEqual([brokerName]);
  });
});
