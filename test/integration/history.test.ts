/**
 * The history of changes over DynamoDB Local: one entry per kind of change, with who, what, before
 * and after; steady and light heartbeats record nothing and stay one request and 1 WCU; the sweeper's
 * expiries are its own; GET /history's filters and pages; retention (the sweeper deletes what is past
 * it, since DynamoDB Local never expires items).
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { NameServer } from "../../lib/app/name-server";
import { createNameServer } from "../../lib/app/name-server-service";
import { runAsCaller } from "../../lib/caller-context";
import type { HistoryCaller, HistoryEntry } from "../../lib/domain/history";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const OPERATOR: HistoryCaller = {
  actor: { kind: "iam", principal: "arn:aws:sts::123456789012:assumed-role/ops/alice" },
  sourceIp: "198.51.100.7",
};
const BROKER: HistoryCaller = {
  actor: { kind: "token" },
  remoting: { accessKey: "broker-a-key", remoteAddress: "127.0.0.1:40111" },
};

const f = useRegistryFixture({ perTest: true });
let ns: NameServer;
beforeEach(() => {
  ns = createNameServer({
    store: f.store,
    now: f.clock.now,
    selfPreservation: { ...DEFAULT_SELF_PRESERVATION, enabled: false },
    historyRetentionDays: 2,
  });
});

const as = <T>(caller: HistoryCaller, run: () => Promise<T>) => runAsCaller(caller, run);

async function all(query: { broker?: string; topic?: string; since?: number } = {}): Promise<HistoryEntry[]> {
  return (await ns.getHistory({ limit: 1000, ...query })).entries;
}

async function last(): Promise<HistoryEntry | undefined> {
  const entries = await all();
  return entries[entries.length - 1];
}

describe("what is recorded", () => {
  it("a first registration: the member and its topics, as the remoting broker that sent it", async () => {
    await as(BROKER, () => ns.registerBroker(registration({ topicConfigTable: topics(2) })));
    const entries = await all();
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action: "broker.registered",
      time: f.clock.time,
      caller: BROKER,
      target: { cluster: "DefaultCluster", broker: "broker-a" },
      changes: [
        { field: "members.0", after: "10.0.0.1:10911" },
        { field: "topics.Topic-0", after: { perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 } },
        { field: "topics.Topic-1", after: { perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 } },
      ],
    });
    expect(entries[0]?.changes[0]).not.toHaveProperty("before");
  });

  it("steady and light heartbeats record nothing and stay one request, 1 WCU", async () => {
    const master = registration({ topicConfigTable: topics(50) });
    await ns.registerBroker(master);
    await ns.registerBroker(master); // the digest is stored once every topic is written
    const before = (await all()).length;
    f.capacity.reset();
    await ns.registerBroker(master);
    expect(f.capacity.totals).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    f.capacity.reset();
    await ns.registerBroker({ ...master, topicConfigTable: undefined });
    expect(f.capacity.totals).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    f.capacity.reset();
    await ns.touchBroker({
      clusterName: "DefaultCluster",
      brokerName: "broker-a",
      brokerAddr: master.brokerAddr,
    });
    expect(f.capacity.totals).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    expect(await all()).toHaveLength(before);
  });

  it("a re-registration with one topic changed: only that topic, before and after", async () => {
    await ns.registerBroker(registration());
    const changed = topics(3);
    (changed["Topic-1"] as { perm: number }).perm = 4;
    f.clock.advance(1000);
    await as(BROKER, () =>
      ns.registerBroker(
        registration({
          topicConfigTable: changed,
          dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 2 },
        }),
      ),
    );
    expect((await last())?.changes).toEqual([
      {
        field: "topics.Topic-1",
        before: { perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 },
        after: { perm: 4, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 },
      },
    ]);
    // The same again (a restart, new dataVersion, same topics): nothing changed, nothing recorded.
    const count = (await all()).length;
    await ns.registerBroker(
      registration({
        topicConfigTable: changed,
        dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 3 },
      }),
    );
    expect(await all()).toHaveLength(count);
  });

  it("a slave joining, then unregistering", async () => {
    await ns.registerBroker(registration());
    const slave = registration({ brokerId: 1, brokerAddr: "10.0.0.2:10911", haServerAddr: "10.0.0.2:10912" });
    await as(BROKER, () => ns.registerBroker(slave));
    expect(await last()).toMatchObject({
      action: "broker.registered",
      changes: [{ field: "members.1", after: "10.0.0.2:10911" }],
    });
    f.clock.advance(1000);
    await as(BROKER, () => ns.unregisterBroker({ ...slave, brokerAddr: "10.0.0.2:10911" }));
    expect(await last()).toMatchObject({
      action: "broker.unregistered",
      caller: BROKER,
      target: { broker: "broker-a" },
      changes: [{ field: "members.1", before: "10.0.0.2:10911" }],
    });
  });

  it("an expiry by the sweeper", async () => {
    await ns.registerBroker(registration());
    f.clock.advance(121_000);
    await ns.sweep();
    expect(await last()).toMatchObject({
      action: "broker.expired",
      caller: { actor: { kind: "sweeper" } },
      target: { cluster: "DefaultCluster", broker: "broker-a" },
      changes: [{ field: "members.0", before: "10.0.0.1:10911" }],
    });
  });

  it("write permission wiped and added, per topic, by the operator", async () => {
    await ns.registerBroker(registration({ topicConfigTable: topics(2) }));
    await as(OPERATOR, () => ns.setWritePerm("broker-a", false));
    expect(await last()).toMatchObject({
      action: "writePerm.wiped",
      caller: OPERATOR,
      changes: [
        { field: "topics.Topic-0.perm", before: 6, after: 4 },
        { field: "topics.Topic-1.perm", before: 6, after: 4 },
      ],
    });
    const count = (await all()).length;
    await ns.setWritePerm("broker-a", false); // already wiped: nothing changed
    expect(await all()).toHaveLength(count);
    await ns.setWritePerm("broker-a", true);
    expect((await last())?.action).toBe("writePerm.added");
  });

  it("a topic registered on a group, then deleted", async () => {
    await ns.registerBroker(registration());
    await as(OPERATOR, () =>
      ns.registerTopic({
        topic: "Extra",
        queueDatas: [
          { brokerName: "broker-a", readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 },
        ],
      }),
    );
    expect(await last()).toMatchObject({
      action: "topic.registered",
      target: { topic: "Extra" },
      changes: [{ field: "topics.Extra.broker-a", after: { perm: 6, readQueueNums: 8, writeQueueNums: 8 } }],
    });
    await as(OPERATOR, () => ns.deleteTopic("Extra"));
    expect(await last()).toMatchObject({
      action: "topic.deleted",
      target: { topic: "Extra" },
      changes: [{ field: "topics.Extra.broker-a", before: { perm: 6, readQueueNums: 8 } }],
    });
    const count = (await all()).length;
    await ns.deleteTopic("Extra"); // nothing left to delete
    expect(await all()).toHaveLength(count);
  });

  it("KV values before and after; a delete of nothing records nothing", async () => {
    await as(OPERATOR, () => ns.putKvConfig("ORDER_TOPIC_CONFIG", "T1", "broker-a:4"));
    expect((await last())?.changes).toEqual([{ field: "value", after: "broker-a:4" }]);
    await as(OPERATOR, () => ns.putKvConfig("ORDER_TOPIC_CONFIG", "T1", "broker-a:8"));
    expect(await last()).toMatchObject({
      action: "kv.put",
      target: { namespace: "ORDER_TOPIC_CONFIG", key: "T1" },
      changes: [{ field: "value", before: "broker-a:4", after: "broker-a:8" }],
    });
    const count = (await all()).length;
    await ns.putKvConfig("ORDER_TOPIC_CONFIG", "T1", "broker-a:8"); // the same value
    expect(await all()).toHaveLength(count);
    await as(OPERATOR, () => ns.deleteKvConfig("ORDER_TOPIC_CONFIG", "T1"));
    expect((await last())?.changes).toEqual([{ field: "value", before: "broker-a:8" }]);
    await ns.deleteKvConfig("ORDER_TOPIC_CONFIG", "T1");
    expect(await all()).toHaveLength(count + 1);
  });

  it("settings before and after", async () => {
    await as(OPERATOR, () => ns.updateConfig({ orderMessageEnable: "false" }));
    expect(await last()).toMatchObject({
      action: "config.updated",
      changes: [{ field: "orderMessageEnable", before: true, after: false }],
    });
    const count = (await all()).length;
    await ns.updateConfig({ orderMessageEnable: "false" }); // already so
    expect(await all()).toHaveLength(count);
  });
});

describe("reading it back", () => {
  it("filters by broker and by topic, pages with a cursor, starts at since", async () => {
    await ns.registerBroker(registration({ topicConfigTable: topics(1, "A") }));
    f.clock.advance(1000);
    const middle = f.clock.time;
    await ns.registerBroker(
      registration({
        brokerName: "broker-b",
        brokerAddr: "10.0.0.9:10911",
        topicConfigTable: topics(1, "B"),
      }),
    );
    f.clock.advance(1000);
    await ns.putKvConfig("ns", "k", "v");

    expect((await all({ broker: "broker-b" })).map((e) => e.target.broker)).toEqual(["broker-b"]);
    expect((await all({ topic: "A-0" })).map((e) => e.target.broker)).toEqual(["broker-a"]);
    expect((await all({ since: middle })).map((e) => e.action)).toEqual(["broker.registered", "kv.put"]);

    const first = await ns.getHistory({ limit: 2 });
    expect(first.entries).toHaveLength(2);
    expect(first.nextCursor).toBe(first.entries[1]?.id);
    const second = await ns.getHistory({ limit: 2, cursor: first.nextCursor as string });
    expect(second.entries.map((e) => e.action)).toEqual(["kv.put"]);
    expect(second.nextCursor).toBeUndefined();
    expect(first.retentionDays).toBe(2);
  });

  it("entries past the retention are not listed, and the sweeper deletes them", async () => {
    await ns.putKvConfig("ns", "old", "1");
    f.clock.advance(3 * 86_400_000);
    await ns.putKvConfig("ns", "new", "2");
    expect((await all()).map((e) => e.target.key)).toEqual(["new"]);
    const oldDay = new Date(f.clock.time - 3 * 86_400_000).toISOString().slice(0, 10);
    expect(await f.store.queryHistoryDay(oldDay, { limit: 10 })).toHaveLength(1);
    // The first sweep of each hour cleans the horizon's day and the day before (this entry's day).
    await ns.sweep();
    expect(await f.store.queryHistoryDay(oldDay, { limit: 10 })).toHaveLength(1);
    f.clock.advance(3_600_000);
    await ns.sweep();
    expect(await f.store.queryHistoryDay(oldDay, { limit: 10 })).toHaveLength(0);
  });
});
