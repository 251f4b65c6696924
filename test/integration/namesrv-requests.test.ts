/**
 * The rest of RocketMQ's NameServer requests (API.md "Version 2 additions") on DynamoDB Local:
 * BROKER_HEARTBEAT, QUERY_DATA_VERSION, REGISTER_TOPIC_IN_NAMESRV, the system and unit topic lists,
 * GET/UPDATE_NAMESRV_CONFIG and the switches they carry, the heartbeat's orderTopicConfig, static topics.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { DEFAULT_CONFIG_CACHE_MS } from "../../lib/app/name-server-service";
import { DisabledError, FullRegistrationRequiredError, InvalidRequestError } from "../../lib/domain/errors";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();

let n = 0;
const uniqueName = () => `req-${++n}`;
const addr = (i: number) => `10.8.${n}.${i}:10911`;
const cluster = "DefaultCluster";

describe("POST /brokers/touch (BROKER_HEARTBEAT)", () => {
  it("keeps the member at that address live, whatever its id; the sweeper does not expire it", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: addr(1), heartbeatTimeoutMillis: 10_000 }),
    );
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerId: 1, brokerAddr: addr(2), heartbeatTimeoutMillis: 10_000 }),
    );
    for (let i = 0; i < 3; i++) {
      f.clock.advance(6_000);
      await f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(2) });
    }
    const report = await f.nameServer.sweep();
    expect(report.expiredInstances).toBeGreaterThanOrEqual(1); // the master, never touched
    expect((await f.nameServer.getBrokerMemberGroup(cluster, brokerName)).brokerAddrs).toEqual({
      "1": addr(2),
    });
  });

  it("is 409 FULL_REGISTRATION_REQUIRED for an address the group does not hold, or another cluster", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: addr(1) }));
    await expect(
      f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(9) }),
    ).rejects.toBeInstanceOf(FullRegistrationRequiredError);
    await expect(
      f.nameServer.touchBroker({ clusterName: "Other", brokerName, brokerAddr: addr(1) }),
    ).rejects.toBeInstanceOf(FullRegistrationRequiredError);
    await expect(
      f.nameServer.touchBroker({ clusterName: cluster, brokerName: uniqueName(), brokerAddr: addr(1) }),
    ).rejects.toBeInstanceOf(FullRegistrationRequiredError);
  });

  it("an address that left (unregister, or displaced from its id) cannot be touched back", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: addr(1) }));
    await f.nameServer.registerBroker(registration({ brokerName, brokerId: 1, brokerAddr: addr(2) }));
    await f.nameServer.unregisterBroker({
      clusterName: cluster,
      brokerName,
      brokerId: 1,
      brokerAddr: addr(2),
    });
    await expect(
      f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(2) }),
    ).rejects.toBeInstanceOf(FullRegistrationRequiredError);
    f.clock.advance(200_000); // addr(1) is dead: addr(3) takes id 0
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: addr(3) }));
    await expect(
      f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(1) }),
    ).rejects.toBeInstanceOf(FullRegistrationRequiredError);
    await f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(3) });
  });
});

describe("POST /brokers/touch on a group item written before member addresses were kept", () => {
  it("finds the member by its address, touches it by id, and records the address for the next touch", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: addr(1), heartbeatTimeoutMillis: 10_000 }),
    );
    await f.table.client.send(
      new UpdateCommand({
        TableName: f.table.tableName,
        Key: { pk: "GROUPS", sk: `GROUP#${brokerName}` },
        UpdateExpression: "REMOVE addrs",
      }),
    );
    f.capacity.reset();
    f.clock.advance(8_000);
    await f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(1) });
    expect(f.capacity.totals.requests).toBe(2);
    f.clock.advance(8_000); // alive only thanks to the touch
    expect((await f.nameServer.getBrokerMemberGroup(cluster, brokerName)).brokerAddrs).toEqual({
      "0": addr(1),
    });
    f.capacity.reset();
    await f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(1) });
    expect(f.capacity.totals.requests).toBe(1);
  });

  it("removals and registrations still work on such an item", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: addr(1) }));
    await f.nameServer.registerBroker(registration({ brokerName, brokerId: 1, brokerAddr: addr(2) }));
    await f.table.client.send(
      new UpdateCommand({
        TableName: f.table.tableName,
        Key: { pk: "GROUPS", sk: `GROUP#${brokerName}` },
        UpdateExpression: "REMOVE addrs",
      }),
    );
    await f.nameServer.unregisterBroker({
      clusterName: cluster,
      brokerName,
      brokerId: 1,
      brokerAddr: addr(2),
    });
    expect((await f.nameServer.getBrokerMemberGroup(cluster, brokerName)).brokerAddrs).toEqual({
      "0": addr(1),
    });
    await f.nameServer.registerBroker(registration({ brokerName, brokerId: 1, brokerAddr: addr(3) }));
    await f.nameServer.touchBroker({ clusterName: cluster, brokerName, brokerAddr: addr(3) });
    f.clock.advance(200_000);
    expect((await f.nameServer.sweep()).expiredInstances).toBeGreaterThanOrEqual(2);
    expect((await f.nameServer.getBrokerMemberGroup(cluster, brokerName)).brokerAddrs).toEqual({});
  });
});

describe("POST /brokers/data-version (QUERY_DATA_VERSION)", () => {
  it("changed: false for the stored dataVersion, true with the stored one otherwise, and null when not held", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName, brokerAddr: addr(1), heartbeatTimeoutMillis: 10_000 });
    await f.nameServer.registerBroker(req);
    const query = { clusterName: cluster, brokerName, brokerId: 0, brokerAddr: addr(1) };
    expect(await f.nameServer.queryDataVersion({ ...query, dataVersion: req.dataVersion })).toEqual({
      changed: false,
      dataVersion: req.dataVersion,
    });
    const newer = { ...req.dataVersion, counter: req.dataVersion.counter + 1 };
    expect(await f.nameServer.queryDataVersion({ ...query, dataVersion: newer })).toEqual({
      changed: true,
      dataVersion: req.dataVersion,
    });
    expect(
      await f.nameServer.queryDataVersion({ ...query, brokerAddr: addr(7), dataVersion: req.dataVersion }),
    ).toEqual({ changed: true, dataVersion: null });
  });

  it("refreshes liveness whenever the registry holds the member", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName, brokerAddr: addr(1), heartbeatTimeoutMillis: 10_000 });
    await f.nameServer.registerBroker(req);
    const query = { clusterName: cluster, brokerName, brokerId: 0, brokerAddr: addr(1) };
    for (let i = 0; i < 3; i++) {
      f.clock.advance(6_000);
      await f.nameServer.queryDataVersion({
        ...query,
        dataVersion: { stateVersion: 9, timestamp: 9, counter: 9 },
      });
    }
    expect((await f.nameServer.getBrokerMemberGroup(cluster, brokerName)).brokerAddrs).toEqual({
      "0": addr(1),
    });
  });
});

describe("POST /topics (REGISTER_TOPIC_IN_NAMESRV)", () => {
  it("adds queue data for registered groups and ignores others", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: addr(1), topicConfigTable: {} }),
    );
    const topic = `${brokerName}-registered`;
    const qd = { readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 };
    await f.nameServer.registerTopic({
      topic,
      queueDatas: [
        { brokerName, ...qd },
        { brokerName: "never-registered", ...qd },
      ],
    });
    const route = await f.nameServer.getRouteInfoByTopic(topic);
    expect(route.queueDatas).toEqual([{ brokerName, ...qd }]);
    expect(route.brokerDatas.map((b) => b.brokerName)).toEqual([brokerName]);
  });
});

describe("GET /topics?system=true and ?unit=", () => {
  it("the system list has cluster and broker names and a live master's address", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({ brokerName, clusterName: "SysCluster", brokerAddr: addr(1) }),
    );
    const list = await f.nameServer.getSystemTopicList();
    expect(list.topicList).toEqual(expect.arrayContaining(["SysCluster", brokerName]));
    expect(list.topicList).toEqual([...list.topicList].sort());
    expect(list.brokerAddr).toMatch(/:10911$/);
  });

  it("the unit lists filter by the unit (1) and unit-sub (2) bits of topicSysFlag", async () => {
    const brokerName = uniqueName();
    const config = (topicSysFlag: number) => ({ readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag });
    await f.nameServer.registerBroker(
      registration({
        brokerName,
        brokerAddr: addr(1),
        topicConfigTable: {
          [`${brokerName}-plain`]: config(0),
          [`${brokerName}-unit`]: config(1),
          [`${brokerName}-sub`]: config(2),
          [`${brokerName}-both`]: config(3),
        },
      }),
    );
    const mine = (list: string[]) => list.filter((t) => t.startsWith(`${brokerName}-`));
    expect(mine(await f.nameServer.getUnitTopicList("unit"))).toEqual([
      `${brokerName}-both`,
      `${brokerName}-unit`,
    ]);
    expect(mine(await f.nameServer.getUnitTopicList("unit-sub"))).toEqual([
      `${brokerName}-both`,
      `${brokerName}-sub`,
    ]);
    expect(mine(await f.nameServer.getUnitTopicList("unit-sub-ununit"))).toEqual([`${brokerName}-sub`]);
  });
});

describe("GET / PUT /config (GET_/UPDATE_NAMESRV_CONFIG)", () => {
  it("shows every setting; a change is in force on another instance once its cache expires", async () => {
    const other = f.another();
    await other.getAllTopicList(); // reads and caches the settings
    const config = await f.nameServer.getConfig();
    expect(config).toMatchObject({
      orderMessageEnable: "true",
      returnOrderTopicConfigToBroker: "true",
      enableAllTopicList: "true",
      enableTopicList: "true",
      deleteTopicWithBrokerRegistration: "false",
      supportActingMaster: "false",
      defaultHeartbeatTimeoutMillis: "120000",
    });
    await f.nameServer.updateConfig({ enableAllTopicList: "false" });
    await expect(f.nameServer.getAllTopicList()).rejects.toBeInstanceOf(DisabledError);
    expect((await other.getConfig()).enableAllTopicList).toBe("false");
    f.clock.advance(DEFAULT_CONFIG_CACHE_MS);
    await expect(other.getAllTopicList()).rejects.toBeInstanceOf(DisabledError);
    await f.nameServer.updateConfig({ enableAllTopicList: true });
    await f.nameServer.getAllTopicList();
  });

  it("refuses unknown and read-only names and bad values, naming each, and changes nothing", async () => {
    const before = await f.nameServer.getConfig();
    const error = await f.nameServer
      .updateConfig({
        enableTopicList: "false",
        nope: "1",
        defaultHeartbeatTimeoutMillis: "1",
        supportActingMaster: "yes",
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).details?.map((d) => d.field)).toEqual([
      "config.nope",
      "config.defaultHeartbeatTimeoutMillis",
      "config.supportActingMaster",
    ]);
    expect(await f.nameServer.getConfig()).toEqual(before);
  });

  it("enableTopicList=false switches off the cluster and unit topic lists", async () => {
    await f.nameServer.updateConfig({ enableTopicList: "false" });
    try {
      await expect(f.nameServer.getTopicsByCluster(cluster)).rejects.toBeInstanceOf(DisabledError);
      await expect(f.nameServer.getUnitTopicList("unit")).rejects.toBeInstanceOf(DisabledError);
    } finally {
      await f.nameServer.updateConfig({ enableTopicList: "true" });
    }
  });

  it("orderMessageEnable=false leaves orderTopicConf out of routes", async () => {
    const brokerName = uniqueName();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: addr(1), topicConfigTable: topics(1, brokerName) }),
    );
    await f.nameServer.putKvConfig("ORDER_TOPIC_CONFIG", `${brokerName}-0`, `${brokerName}:4`);
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).orderTopicConf).toBe(
      `${brokerName}:4`,
    );
    await f.nameServer.updateConfig({ orderMessageEnable: "false" });
    try {
      expect(await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).not.toHaveProperty("orderTopicConf");
    } finally {
      await f.nameServer.updateConfig({ orderMessageEnable: "true" });
      await f.nameServer.deleteKvConfig("ORDER_TOPIC_CONFIG", `${brokerName}-0`);
    }
  });

  it("deleteTopicWithBrokerRegistration: topics the master stops listing leave its group", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName, brokerAddr: addr(1), topicConfigTable: topics(3, brokerName) });
    await f.nameServer.registerBroker(req);
    const fewer = { ...req, topicConfigTable: topics(1, brokerName) };
    await f.nameServer.registerBroker(fewer); // the switch is off: kept (RocketMQ's default)
    expect(
      (await f.nameServer.getTopicsByCluster(cluster)).filter((t) => t.startsWith(`${brokerName}-`)),
    ).toHaveLength(3);
    await f.nameServer.updateConfig({ deleteTopicWithBrokerRegistration: "true" });
    try {
      // A steady heartbeat of the same table: turning the switch on made it a full one.
      expect((await f.nameServer.registerBroker(fewer)).kind).toBe("full");
      const left = (await f.nameServer.getTopicsByCluster(cluster)).filter((t) =>
        t.startsWith(`${brokerName}-`),
      );
      expect(left).toEqual([`${brokerName}-0`]);
    } finally {
      await f.nameServer.updateConfig({ deleteTopicWithBrokerRegistration: "false" });
    }
  });

  it("supportActingMaster lists the lowest-id live slave of a masterless acting-master group as id 0", async () => {
    const brokerName = uniqueName();
    const common = { brokerName, enableActingMaster: true, topicConfigTable: topics(1, brokerName) };
    await f.nameServer.registerBroker(registration({ ...common, brokerId: 2, brokerAddr: addr(2) }));
    await f.nameServer.registerBroker(registration({ ...common, brokerId: 3, brokerAddr: addr(3) }));
    const topic = `${brokerName}-0`;
    expect((await f.nameServer.getRouteInfoByTopic(topic)).brokerDatas[0]?.brokerAddrs).toEqual({
      "2": addr(2),
      "3": addr(3),
    });
    await f.nameServer.updateConfig({ supportActingMaster: "true" });
    try {
      expect((await f.nameServer.getRouteInfoByTopic(topic)).brokerDatas[0]?.brokerAddrs).toEqual({
        "0": addr(2),
        "3": addr(3),
      });
    } finally {
      await f.nameServer.updateConfig({ supportActingMaster: "false" });
    }
  });
});

describe("REGISTER_BROKER answer and static topics", () => {
  it("a master's answer carries ORDER_TOPIC_CONFIG when it exists and returnOrderTopicConfigToBroker is on", async () => {
    const brokerName = uniqueName();
    const req = registration({ brokerName, brokerAddr: addr(1), topicConfigTable: topics(1, brokerName) });
    await f.nameServer.putKvConfig("ORDER_TOPIC_CONFIG", `${brokerName}-0`, `${brokerName}:4`);
    try {
      const full = await f.nameServer.registerBroker(req);
      expect(full.response.orderTopicConfig?.table[`${brokerName}-0`]).toBe(`${brokerName}:4`);
      const steady = await f.nameServer.registerBroker(req);
      expect(steady.kind).toBe("steady");
      expect(steady.response.orderTopicConfig?.table[`${brokerName}-0`]).toBe(`${brokerName}:4`);
      const slave = await f.nameServer.registerBroker(
        registration({ brokerName, brokerId: 1, brokerAddr: addr(2) }),
      );
      expect(slave.response).not.toHaveProperty("orderTopicConfig");
      await f.nameServer.updateConfig({ returnOrderTopicConfigToBroker: "false" });
      expect((await f.nameServer.registerBroker(req)).response).not.toHaveProperty("orderTopicConfig");
    } finally {
      await f.nameServer.updateConfig({ returnOrderTopicConfigToBroker: "true" });
      await f.nameServer.deleteKvConfig("ORDER_TOPIC_CONFIG", `${brokerName}-0`);
    }
  });

  it("topicQueueMappingInfoMap is kept and served as the route's topicQueueMappingByBroker", async () => {
    const brokerName = uniqueName();
    const topic = `${brokerName}-0`;
    const info = {
      topic,
      scope: "__global__",
      totalQueues: 8,
      bname: brokerName,
      epoch: 1,
      dirty: false,
      currIdMap: { "0": 0 },
    };
    await f.nameServer.registerBroker(
      registration({
        brokerName,
        brokerAddr: addr(1),
        topicConfigTable: topics(1, brokerName),
        topicQueueMappingInfoMap: { [topic]: info },
      }),
    );
    expect((await f.nameServer.getRouteInfoByTopic(topic)).topicQueueMappingByBroker).toEqual({
      [brokerName]: info,
    });
  });
});
