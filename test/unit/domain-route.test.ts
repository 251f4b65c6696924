import { describe, expect, it } from "vitest";
import { livenessView } from "../../lib/domain/liveness";
import type { TopicRouteData } from "../../lib/domain/model";
import {
  assembleClusterInfo,
  assembleRoute,
  brokerLiveTable,
  filterByZone,
  memberDeadlines,
  withActingMasters,
} from "../../lib/domain/route";
import { group, member, queueData, T0 } from "../support/domain-factories";

const master = member({ filterServerList: ["10.0.0.1:30000"] });
const slave = member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", topicAuthority: false });
const deadSlave = member({ brokerId: 2, brokerAddr: "10.0.0.3:10911", lastUpdateTimestamp: T0 - 200_000 });

describe("assembleRoute (pickupTopicRouteData over live instances)", () => {
  it("answers queue data, live broker data and filter servers", () => {
    const groups = new Map([["broker-a", group([master, slave, deadSlave], { zoneName: "az-1" })]]);
    const route = assembleRoute({ queueDatas: [queueData()], groups, at: T0, orderTopicConf: "broker-a:4" });
    expect(route).toEqual({
      queueDatas: [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [
        {
          cluster: "DefaultCluster",
          brokerName: "broker-a",
          brokerAddrs: { "0": "10.0.0.1:10911", "1": "10.0.0.2:10911" },
          zoneName: "az-1",
          enableActingMaster: false,
        },
      ],
      filterServerTable: { "10.0.0.1:10911": ["10.0.0.1:30000"] },
      orderTopicConf: "broker-a:4",
    });
  });

  it("a group with no live member contributes neither queue data nor broker data", () => {
    const groups = new Map([
      ["broker-a", group([master])],
      ["broker-b", group([member({ lastUpdateTimestamp: T0 - 200_000 })], { brokerName: "broker-b" })],
    ]);
    const route = assembleRoute({
      queueDatas: [queueData(), queueData({ brokerName: "broker-b" })],
      groups,
      at: T0,
    });
    expect(route?.queueDatas.map((q) => q.brokerName)).toEqual(["broker-a"]);
    expect(route?.brokerDatas.map((b) => b.brokerName)).toEqual(["broker-a"]);
  });

  it("answers nothing when no live group is left", () => {
    const groups = new Map([["broker-a", group([member({ lastUpdateTimestamp: T0 - 200_000 })])]]);
    expect(assembleRoute({ queueDatas: [queueData()], groups, at: T0 })).toBeUndefined();
  });

  it("ignores queue data of another incarnation of the group and of unknown groups", () => {
    const groups = new Map([["broker-a", group([master], { epoch: "epoch-2" })]]);
    expect(assembleRoute({ queueDatas: [queueData({ epoch: "epoch-1" })], groups, at: T0 })).toBeUndefined();
    expect(
      assembleRoute({ queueDatas: [queueData({ brokerName: "ghost" })], groups, at: T0 }),
    ).toBeUndefined();
  });

  it("lists groups in brokerName order, so equal routes have equal bodies (ETag)", () => {
    const groups = new Map([
      ["broker-b", group([master], { brokerName: "broker-b" })],
      ["broker-a", group([member({ brokerAddr: "10.0.0.5:10911" })])],
    ]);
    const route = assembleRoute({
      queueDatas: [queueData({ brokerName: "broker-b" }), queueData()],
      groups,
      at: T0,
    });
    expect(route?.queueDatas.map((q) => q.brokerName)).toEqual(["broker-a", "broker-b"]);
  });
});

describe("filterByZone (ZoneRouteRPCHook)", () => {
  const route: TopicRouteData = {
    queueDatas: [
      queueData(),
      queueData({ brokerName: "broker-b" }),
      queueData({ brokerName: "broker-c" }),
    ].map(({ topic: _t, epoch: _e, ...qd }) => qd),
    brokerDatas: [
      {
        cluster: "C",
        brokerName: "broker-a",
        brokerAddrs: { "0": "a:1" },
        zoneName: "az-1",
        enableActingMaster: false,
      },
      {
        cluster: "C",
        brokerName: "broker-b",
        brokerAddrs: { "0": "b:1" },
        zoneName: "az-2",
        enableActingMaster: false,
      },
      {
        cluster: "C",
        brokerName: "broker-c",
        brokerAddrs: { "1": "c:1" },
        zoneName: "az-2",
        enableActingMaster: false,
      },
    ],
    filterServerTable: { "b:1": ["b:2"], "a:1": ["a:2"] },
  };

  it("keeps groups of the zone and masterless groups of any zone", () => {
    const filtered = filterByZone(route, "az-1");
    expect(filtered.brokerDatas.map((b) => b.brokerName)).toEqual(["broker-a", "broker-c"]);
    expect(filtered.queueDatas.map((q) => q.brokerName)).toEqual(["broker-a", "broker-c"]);
    expect(filtered.filterServerTable).toEqual({ "a:1": ["a:2"] });
  });

  it("compares zone names ignoring case (ZoneRouteRPCHook)", () => {
    expect(filterByZone(route, "AZ-1").brokerDatas.map((b) => b.brokerName)).toEqual([
      "broker-a",
      "broker-c",
    ]);
  });
});

describe("assembleClusterInfo (GET_BROKER_CLUSTER_INFO)", () => {
  it("lists live groups by cluster and leaves out groups with no live member", () => {
    const info = assembleClusterInfo(
      [
        group([master]),
        group([member({ lastUpdateTimestamp: T0 - 200_000 })], { brokerName: "broker-dead" }),
        group([member({ brokerAddr: "10.0.1.1:10911" })], { brokerName: "broker-x", clusterName: "Other" }),
      ],
      T0,
    );
    expect(Object.keys(info.brokerAddrTable)).toEqual(["broker-a", "broker-x"]);
    expect(info.clusterAddrTable).toEqual({ DefaultCluster: ["broker-a"], Other: ["broker-x"] });
  });
});

describe("livenessView", () => {
  it("is the real clock outside self-preservation, and keeps those live at `since` inside it until protectUntil", () => {
    expect(livenessView(T0, { selfPreservation: false, since: T0 - 5 })).toEqual({ now: T0 });
    expect(livenessView(T0, { selfPreservation: true, since: T0 - 5, protectUntil: T0 })).toEqual({
      now: T0,
      preservedSince: T0 - 5,
    });
    expect(livenessView(T0 + 1, { selfPreservation: true, since: T0 - 5, protectUntil: T0 })).toEqual({
      now: T0 + 1,
    });
  });
});

describe("acting-master groups in a route", () => {
  const acting = { enableActingMaster: true };
  const deadMaster = member({ lastUpdateTimestamp: T0 - 200_000 });

  it("never shows the queue data of a group whose master is dead as writable, swept or not", () => {
    const groups = new Map([["broker-a", group([deadMaster, slave], acting)]]);
    const route = assembleRoute({ queueDatas: [queueData({ perm: 6 })], groups, at: T0 });
    expect(route?.queueDatas[0]?.perm).toBe(4);
    expect(route?.brokerDatas[0]?.brokerAddrs).toEqual({ "1": "10.0.0.2:10911" });
  });

  it("keeps WRITE for a plain group whose master is dead (RocketMQ clears it only in acting-master mode)", () => {
    const groups = new Map([["broker-a", group([deadMaster, slave])]]);
    expect(assembleRoute({ queueDatas: [queueData()], groups, at: T0 })?.queueDatas[0]?.perm).toBe(6);
  });

  it("withholds WRITE while the clearing after a master's removal is under way", () => {
    const groups = new Map([["broker-a", group([slave], { ...acting, writeClearPending: true })]]);
    expect(assembleRoute({ queueDatas: [queueData()], groups, at: T0 })?.queueDatas[0]?.perm).toBe(4);
  });

  it("supportActingMaster lists the lowest-id live slave of a masterless group as id 0", () => {
    const third = member({ brokerId: 3, brokerAddr: "10.0.0.4:10911", topicAuthority: false });
    const groups = new Map([["broker-a", group([deadMaster, slave, third], acting)]]);
    const input = { queueDatas: [queueData({ perm: 4 })], groups, at: T0 };
    expect(assembleRoute({ ...input, supportActingMaster: true })?.brokerDatas[0]?.brokerAddrs).toEqual({
      "0": "10.0.0.2:10911",
      "3": "10.0.0.4:10911",
    });
    expect(assembleRoute(input)?.brokerDatas[0]?.brokerAddrs).toEqual({
      "1": "10.0.0.2:10911",
      "3": "10.0.0.4:10911",
    });
    expect(
      assembleRoute({ ...input, supportActingMaster: true, topic: "rmq_sys_SYNC_BROKER_MEMBER_broker-a" })
        ?.brokerDatas[0]?.brokerAddrs,
    ).toEqual({ "1": "10.0.0.2:10911", "3": "10.0.0.4:10911" });
  });

  it("supportActingMaster leaves plain groups and writable queue data alone", () => {
    const route: TopicRouteData = {
      queueDatas: [
        { brokerName: "a", readQueueNums: 1, writeQueueNums: 1, perm: 4, topicSysFlag: 0 },
        { brokerName: "b", readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 },
      ],
      brokerDatas: [
        { cluster: "C", brokerName: "a", brokerAddrs: { "1": "a:1" }, enableActingMaster: false },
        { cluster: "C", brokerName: "b", brokerAddrs: { "1": "b:1" }, enableActingMaster: true },
      ],
      filterServerTable: {},
    };
    expect(withActingMasters(route).brokerDatas.map((b) => b.brokerAddrs)).toEqual([
      { "1": "a:1" },
      { "1": "b:1" },
    ]);
  });

  it("serves each group's TopicQueueMappingInfo as topicQueueMappingByBroker", () => {
    const info = { topic: "TopicA", bname: "broker-a", totalQueues: 8 };
    const groups = new Map([["broker-a", group([master])]]);
    const route = assembleRoute({ queueDatas: [queueData({ mapping: info })], groups, at: T0 });
    expect(route?.topicQueueMappingByBroker).toEqual({ "broker-a": info });
    expect(assembleRoute({ queueDatas: [queueData()], groups, at: T0 })).not.toHaveProperty(
      "topicQueueMappingByBroker",
    );
  });
});

describe("brokerLiveTable (GET /brokers)", () => {
  it("lists live members sorted by cluster, group and id, with heartbeat time and timeout", () => {
    const groups = [
      group([slave, master, deadSlave], { zoneName: "az-1" }),
      group([member({ brokerAddr: "10.1.0.1:10911", haServerAddr: undefined })], {
        brokerName: "broker-b",
        clusterName: "AnotherCluster",
        enableActingMaster: true,
      }),
    ];
    const table = brokerLiveTable(groups, T0, T0);
    expect(table.map((b) => `${b.clusterName}/${b.brokerName}/${b.brokerId}`)).toEqual([
      "AnotherCluster/broker-b/0",
      "DefaultCluster/broker-a/0",
      "DefaultCluster/broker-a/1",
    ]);
    expect(table[0]).toEqual({
      clusterName: "AnotherCluster",
      brokerName: "broker-b",
      enableActingMaster: true,
      brokerId: 0,
      brokerAddr: "10.1.0.1:10911",
      lastUpdateTimestamp: T0,
      heartbeatTimeoutMillis: 120_000,
      dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
      preserved: false,
    });
    expect(table[1]).toMatchObject({ zoneName: "az-1", haServerAddr: "10.0.0.1:10912" });
  });

  it("judges liveness by the liveness clock and marks what only self-preservation keeps", () => {
    const groups = [group([master, deadSlave])];
    const preserved = brokerLiveTable(
      groups,
      T0,
      livenessView(T0, { selfPreservation: true, since: T0 - 150_000, protectUntil: T0 }),
    );
    expect(preserved.map((b) => [b.brokerId, b.preserved])).toEqual([
      [0, false],
      [2, true],
    ]);
    expect(brokerLiveTable(groups, T0 + 120_001, T0 + 120_001)).toEqual([]);
  });
});

describe("memberDeadlines (POST /routes with deadlines)", () => {
  it("gives every listed member its ms left, keyed by group and address; the preserved are left out", () => {
    const older = member({ brokerId: 1, brokerAddr: "10.0.0.2:10911", lastUpdateTimestamp: T0 - 100_000 });
    const groups = new Map([["broker-a", group([master, older, deadSlave])]]);
    const at = livenessView(T0, { selfPreservation: true, since: T0 - 150_000, protectUntil: T0 });
    const route = assembleRoute({ queueDatas: [queueData()], groups, at });
    expect(route).toBeDefined();
    // deadSlave is listed only because self-preservation keeps it: no deadline.
    expect(memberDeadlines([route as TopicRouteData], groups, T0)).toEqual({
      "broker-a": { "10.0.0.1:10911": 120_000, "10.0.0.2:10911": 20_000 },
    });
    // Exactly at the timeout a member is still live (strict): 0 left; one ms later it is not listed.
    expect(memberDeadlines([route as TopicRouteData], groups, T0 + 20_000)["broker-a"]).toMatchObject({
      "10.0.0.2:10911": 0,
    });
    expect(memberDeadlines([route as TopicRouteData], groups, T0 + 20_001)["broker-a"]).not.toHaveProperty(
      "10.0.0.2:10911",
    );
    expect(memberDeadlines([], groups, T0)).toEqual({});
  });
});
