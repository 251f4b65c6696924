import { describe, expect, it } from "vitest";
import { TopicNotExistError } from "../../lib/domain/errors";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../../lib/domain/model";
import { PERM_WRITE } from "../../lib/domain/perm";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();

let n = 0;
/** A group name and addresses no other test uses. */
function names() {
  n++;
  return {
    brokerName: `cascade-${n}`,
    master: `10.2.${n}.1:10911`,
    slave: `10.2.${n}.2:10911`,
    slave2: `10.2.${n}.3:10911`,
  };
}

describe("master and slave", () => {
  it("only the master's topic config is applied; the slave is told the master", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: master, topicConfigTable: topics(2, brokerName) }),
    );
    const out = await f.nameServer.registerBroker(
      registration({
        brokerName,
        brokerId: 1,
        brokerAddr: slave,
        topicConfigTable: topics(5, brokerName, 4),
      }),
    );
    expect(out.response).toEqual({
      masterAddr: master,
      haServerAddr: "10.0.0.1:10912",
      topicConfigApplied: false,
    });
    const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`);
    expect(route.queueDatas[0]?.perm).toBe(6);
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "0": master, "1": slave });
    await expect(f.nameServer.getRouteInfoByTopic(`${brokerName}-4`)).rejects.toBeInstanceOf(
      TopicNotExistError,
    );
  });

  it("a steady slave heartbeat still answers the live master", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: master }));
    const slaveReq = registration({ brokerName, brokerId: 1, brokerAddr: slave });
    await f.nameServer.registerBroker(slaveReq);
    const out = await f.nameServer.registerBroker(slaveReq);
    expect(out.kind).toBe("steady");
    expect(out.response.masterAddr).toBe(master);
  });

  it("when the master unregisters, the group keeps its queue data and the slave serves reads", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: master, topicConfigTable: topics(2, brokerName) }),
    );
    await f.nameServer.registerBroker(registration({ brokerName, brokerId: 1, brokerAddr: slave }));
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName,
      brokerId: 0,
      brokerAddr: master,
    });
    const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-1`);
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "1": slave });
    expect(route.queueDatas[0]?.perm).toBe(6);
  });

  it("with enableActingMaster, the master leaving clears WRITE on all of the group's queue data", async () => {
    const { brokerName, master, slave } = names();
    const common = { brokerName, enableActingMaster: true, topicConfigTable: topics(3, brokerName) };
    await f.nameServer.registerBroker(registration({ ...common, brokerAddr: master }));
    await f.nameServer.registerBroker(registration({ ...common, brokerId: 1, brokerAddr: slave }));
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName,
      brokerId: 0,
      brokerAddr: master,
    });
    for (let i = 0; i < 3; i++) {
      const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-${i}`);
      expect(route.queueDatas[0]?.perm).toBe(4);
    }
  });

  it("the prime slave of an acting-master group adds topics the masterless group lacks, with WRITE cleared", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(
      registration({
        brokerName,
        brokerAddr: master,
        enableActingMaster: true,
        topicConfigTable: topics(1, brokerName),
      }),
    );
    const slaveReq = registration({
      brokerName,
      brokerId: 1,
      brokerAddr: slave,
      enableActingMaster: true,
      topicConfigTable: topics(2, brokerName),
    });
    await f.nameServer.registerBroker(slaveReq);
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName,
      brokerId: 0,
      brokerAddr: master,
    });
    const out = await f.nameServer.registerBroker(slaveReq);
    expect(out.kind).toBe("full");
    expect(out.response.topicConfigApplied).toBe(true);
    // Topic 0 keeps the master's queue data (unchanged dataVersion), WRITE cleared by the master's
    // leaving; topic 1 is new, from the prime slave.
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).queueDatas[0]?.perm).toBe(
      6 & ~PERM_WRITE,
    );
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-1`)).queueDatas[0]?.perm).toBe(
      6 & ~PERM_WRITE,
    );
  });

  it("promotion: a slave re-registering as id 0 leaves id 1 and rewrites the queue data", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: master, topicConfigTable: topics(1, brokerName) }),
    );
    await f.nameServer.registerBroker(registration({ brokerName, brokerId: 1, brokerAddr: slave }));
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName,
      brokerId: 0,
      brokerAddr: master,
    });
    await f.nameServer.registerBroker(
      registration({
        brokerName,
        brokerId: 0,
        brokerAddr: slave,
        topicConfigTable: topics(1, brokerName, 7),
      }),
    );
    const route = await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`);
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "0": slave });
    expect(route.queueDatas[0]?.perm).toBe(7);
  });
});

describe("unregister and expiry cascade", () => {
  it("an emptied group leaves its cluster and every topic; topics left without queue data disappear", async () => {
    const { brokerName, master } = names();
    const other = names();
    const clusterName = `Cluster-${brokerName}`;
    await f.nameServer.registerBroker(
      registration({ clusterName, brokerName, brokerAddr: master, topicConfigTable: topics(2, brokerName) }),
    );
    await f.nameServer.registerBroker(
      registration({
        clusterName,
        brokerName: other.brokerName,
        brokerAddr: other.master,
        topicConfigTable: { [`${brokerName}-1`]: {} },
      }),
    );
    await f.nameServer.unregisterBroker({ clusterName, brokerName, brokerId: 0, brokerAddr: master });

    await expect(f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).rejects.toBeInstanceOf(
      TopicNotExistError,
    );
    const shared = await f.nameServer.getRouteInfoByTopic(`${brokerName}-1`);
    expect(shared.queueDatas.map((q) => q.brokerName)).toEqual([other.brokerName]);
    expect((await f.nameServer.getBrokerClusterInfo()).clusterAddrTable[clusterName]).toEqual([
      other.brokerName,
    ]);
    expect(await f.store.getGroup(brokerName)).toBeUndefined();
    expect(await f.store.getGroupQueueData(brokerName)).toEqual([]);

    await f.nameServer.unregisterBroker({
      clusterName,
      brokerName: other.brokerName,
      brokerId: 0,
      brokerAddr: other.master,
    });
    expect((await f.nameServer.getBrokerClusterInfo()).clusterAddrTable[clusterName]).toBeUndefined();
  });

  it("unregister is idempotent", async () => {
    const { brokerName, master } = names();
    const req = { clusterName: "DefaultCluster", brokerName, brokerId: 0, brokerAddr: master };
    await f.nameServer.unregisterBroker(req);
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: master }));
    await f.nameServer.unregisterBroker(req);
    await f.nameServer.unregisterBroker(req);
    expect(await f.store.getGroup(brokerName)).toBeUndefined();
  });

  it("a broker that re-registers after being swept is a first registration again", async () => {
    const { brokerName, master } = names();
    const req = registration({
      brokerName,
      brokerAddr: master,
      heartbeatTimeoutMillis: 5000,
      topicConfigTable: topics(1, brokerName),
    });
    await f.nameServer.registerBroker(req);
    f.clock.advance(6000);
    await f.nameServer.sweep();
    const out = await f.nameServer.registerBroker({ ...req });
    expect(out.kind).toBe("full");
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).brokerDatas[0]?.brokerAddrs).toEqual({
      "0": master,
    });
  });

  it("a dead slave disappears from the route at once, and the sweep removes it alone", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: master, heartbeatTimeoutMillis: 60_000 }),
    );
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerId: 1, brokerAddr: slave, heartbeatTimeoutMillis: 5000 }),
    );
    f.clock.advance(5001);
    const route = await f.nameServer.getRouteInfoByTopic("Topic-0");
    expect(route.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs).toEqual({ "0": master });
    await f.nameServer.sweep();
    expect(Object.keys((await f.store.getGroup(brokerName))?.members ?? {})).toEqual(["0"]);
  });
});

describe("operator actions", () => {
  it("write-perm wipe and add count the group's topics; a changed dataVersion rewrites perm", async () => {
    const { brokerName, master } = names();
    const req = registration({ brokerName, brokerAddr: master, topicConfigTable: topics(3, brokerName) });
    await f.nameServer.registerBroker(req);
    expect(await f.nameServer.setWritePerm(brokerName, false)).toEqual({ affectedTopicCount: 3 });
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).queueDatas[0]?.perm).toBe(4);
    // Same dataVersion: the steady heartbeat does not restore WRITE (as in RocketMQ).
    expect((await f.nameServer.registerBroker(req)).kind).toBe("steady");
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).queueDatas[0]?.perm).toBe(4);
    expect(await f.nameServer.setWritePerm(brokerName, true)).toEqual({ affectedTopicCount: 3 });
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-0`)).queueDatas[0]?.perm).toBe(6);
    await f.nameServer.setWritePerm(brokerName, false);
    await f.nameServer.registerBroker({ ...req, dataVersion: { ...req.dataVersion, counter: 2 } });
    expect((await f.nameServer.getRouteInfoByTopic(`${brokerName}-2`)).queueDatas[0]?.perm).toBe(6);
    expect(await f.nameServer.setWritePerm("no-such-group", false)).toEqual({ affectedTopicCount: 0 });
  });

  it("deleting a topic per cluster removes only that cluster's queue data; the broker re-adds it on its next heartbeat", async () => {
    const a = names();
    const b = names();
    const topic = `Deleted-${a.brokerName}`;
    const reqA = registration({
      clusterName: "C1",
      brokerName: a.brokerName,
      brokerAddr: a.master,
      topicConfigTable: { [topic]: {} },
    });
    const reqB = registration({
      clusterName: "C2",
      brokerName: b.brokerName,
      brokerAddr: b.master,
      topicConfigTable: { [topic]: {} },
    });
    await f.nameServer.registerBroker(reqA);
    await f.nameServer.registerBroker(reqB);

    await f.nameServer.deleteTopic(topic, "C1");
    expect((await f.nameServer.getRouteInfoByTopic(topic)).queueDatas.map((q) => q.brokerName)).toEqual([
      b.brokerName,
    ]);
    await f.nameServer.deleteTopic(topic);
    await expect(f.nameServer.getRouteInfoByTopic(topic)).rejects.toBeInstanceOf(TopicNotExistError);
    await f.nameServer.deleteTopic(topic);

    const again = await f.nameServer.registerBroker(reqA);
    expect(again.kind).toBe("full");
    expect((await f.nameServer.getRouteInfoByTopic(topic)).queueDatas.map((q) => q.brokerName)).toEqual([
      a.brokerName,
    ]);
  });

  it("topic lists: all, per cluster, live groups only, sorted", async () => {
    const a = names();
    const b = names();
    const cluster = `List-${a.brokerName}`;
    await f.nameServer.registerBroker(
      registration({
        clusterName: cluster,
        brokerName: a.brokerName,
        brokerAddr: a.master,
        topicConfigTable: { [`${cluster}-z`]: {}, [`${cluster}-a`]: {} },
      }),
    );
    await f.nameServer.registerBroker(
      registration({
        clusterName: cluster,
        brokerName: b.brokerName,
        brokerAddr: b.master,
        heartbeatTimeoutMillis: 1000,
        topicConfigTable: { [`${cluster}-dead`]: {} },
      }),
    );
    f.clock.advance(1001);
    expect(await f.nameServer.getTopicsByCluster(cluster)).toEqual([`${cluster}-a`, `${cluster}-z`]);
    const all = await f.nameServer.getAllTopicList();
    expect(all).toContain(`${cluster}-a`);
    expect(all).not.toContain(`${cluster}-dead`);
    expect(all).toEqual([...all].sort());
    expect(await f.nameServer.getTopicsByCluster("NoSuchCluster")).toEqual([]);
  });

  it("member group: live members only; unknown group gives empty brokerAddrs", async () => {
    const { brokerName, master, slave } = names();
    await f.nameServer.registerBroker(registration({ brokerName, brokerAddr: master }));
    await f.nameServer.registerBroker(registration({ brokerName, brokerId: 1, brokerAddr: slave }));
    expect(await f.nameServer.getBrokerMemberGroup("DefaultCluster", brokerName)).toEqual({
      cluster: "DefaultCluster",
      brokerName,
      brokerAddrs: { "0": master, "1": slave },
    });
    expect((await f.nameServer.getBrokerMemberGroup("DefaultCluster", "nope")).brokerAddrs).toEqual({});
  });

  it("ORDER_TOPIC_CONFIG in KV appears as the route's orderTopicConf, and goes with it", async () => {
    const { brokerName, master } = names();
    const topic = `Ordered-${brokerName}`;
    await f.nameServer.registerBroker(
      registration({ brokerName, brokerAddr: master, topicConfigTable: { [topic]: {} } }),
    );
    await f.nameServer.putKvConfig(ORDER_TOPIC_CONFIG_NAMESPACE, topic, `${brokerName}:4`);
    expect((await f.nameServer.getRouteInfoByTopic(topic)).orderTopicConf).toBe(`${brokerName}:4`);
    expect((await f.nameServer.getKvList(ORDER_TOPIC_CONFIG_NAMESPACE))[topic]).toBe(`${brokerName}:4`);
    await f.nameServer.deleteKvConfig(ORDER_TOPIC_CONFIG_NAMESPACE, topic);
    expect((await f.nameServer.getRouteInfoByTopic(topic)).orderTopicConf).toBeUndefined();
  });

  it("the zone filter keeps the zone's groups and masterless groups", async () => {
    const a = names();
    const b = names();
    const topic = `Zoned-${a.brokerName}`;
    await f.nameServer.registerBroker(
      registration({
        brokerName: a.brokerName,
        brokerAddr: a.master,
        zoneName: "az-1",
        topicConfigTable: { [topic]: {} },
      }),
    );
    await f.nameServer.registerBroker(
      registration({
        brokerName: b.brokerName,
        brokerAddr: b.master,
        zoneName: "az-2",
        topicConfigTable: { [topic]: {} },
      }),
    );
    const route = await f.nameServer.getRouteInfoByTopic(topic, "az-1");
    expect(route.brokerDatas.map((bd) => bd.brokerName)).toEqual([a.brokerName]);
    expect(route.queueDatas.map((qd) => qd.brokerName)).toEqual([a.brokerName]);
  });
});

describe("large registrations", () => {
  it.each([5000, 10_000])(
    "a first registration of %i topics is written whole (batched, bounded concurrency)",
    async (count) => {
      const { brokerName, master } = names();
      const started = performance.now();
      await f.nameServer.registerBroker(
        registration({ brokerName, brokerAddr: master, topicConfigTable: topics(count, brokerName) }),
      );
      const elapsed = performance.now() - started;
      console.info(`first registration of ${count} topics: ${Math.round(elapsed)} ms`);
      expect(await f.store.getGroupQueueData(brokerName)).toHaveLength(count);
      const steady = await f.nameServer.registerBroker(
        registration({ brokerName, brokerAddr: master, topicConfigTable: topics(count, brokerName) }),
      );
      expect(steady.kind).toBe("steady");
    },
  );
});
