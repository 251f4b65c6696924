/**
 * The access patterns that make the bill: request counts and capacity units per operation, measured
 * with ReturnConsumedCapacity on DynamoDB Local. Counts are asserted (they are deterministic);
 * the figures are printed for the README and the benchmarks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNameServer } from "../../lib/app/name-server-service";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();
const figures: Record<string, { requests: number; rcu: number; wcu: number }> = {};
afterAll(() => {
  console.table(figures);
});

async function measure<T>(
  name: string,
  action: () => Promise<T>,
): Promise<{ requests: number; rcu: number; wcu: number }> {
  f.capacity.reset();
  await action();
  figures[name] = f.capacity.totals;
  return f.capacity.totals;
}

describe("capacity per operation", () => {
  it("steady heartbeat: one request, at most 1 WCU, no read, even for a group of three", async () => {
    const brokerName = "cap-steady";
    const master = registration({
      brokerName,
      topicConfigTable: topics(1000, brokerName),
      filterServerList: ["10.0.0.1:30000"],
    });
    const slaves = [1, 2].map((id) =>
      registration({
        brokerName,
        brokerId: id,
        brokerAddr: `10.0.0.${id + 1}:10911`,
        haServerAddr: `10.0.0.${id + 1}:10912`,
      }),
    );
    await measure("first registration, 1,000 topics", () => f.nameServer.registerBroker(master));
    for (const slave of slaves) await f.nameServer.registerBroker(slave);
    // Joins bump the topology: each member's next heartbeat is a full one, once.
    await f.nameServer.registerBroker(master);
    for (const slave of slaves) await f.nameServer.registerBroker(slave);

    const steady = await measure("steady heartbeat (master, 1,000 topics)", () =>
      f.nameServer.registerBroker(master),
    );
    expect(steady).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    const slaveSteady = await measure("steady heartbeat (slave)", () =>
      f.nameServer.registerBroker(slaves[1] ?? master),
    );
    expect(slaveSteady).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    const light = await measure("light heartbeat", () =>
      f.nameServer.registerBroker({ ...master, topicConfigTable: undefined }),
    );
    expect(light).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    // BROKER_HEARTBEAT and QUERY_DATA_VERSION: one conditional write each, like the steady heartbeat.
    const touch = await measure("broker touch (BROKER_HEARTBEAT)", () =>
      f.nameServer.touchBroker({
        clusterName: "DefaultCluster",
        brokerName,
        brokerAddr: slaves[0]?.brokerAddr ?? "",
      }),
    );
    expect(touch).toEqual({ requests: 1, rcu: 0, wcu: 1 });
    const dataVersion = await measure("data-version query (QUERY_DATA_VERSION)", () =>
      f.nameServer.queryDataVersion({
        clusterName: "DefaultCluster",
        brokerName,
        brokerId: 0,
        brokerAddr: master.brokerAddr,
        dataVersion: master.dataVersion,
      }),
    );
    expect(dataVersion).toEqual({ requests: 1, rcu: 0, wcu: 1 });
  });

  it("route query: two requests for a topic on 1 and on 10 groups", async () => {
    for (let i = 0; i < 10; i++) {
      await f.nameServer.registerBroker(
        registration({
          brokerName: `cap-route-${i}`,
          brokerAddr: `10.3.0.${i + 1}:10911`,
          topicConfigTable: { "cap-on-10": {}, ...(i === 0 ? { "cap-on-1": {} } : {}) },
        }),
      );
    }
    expect(
      (await measure("route query, topic on 1 group", () => f.nameServer.getRouteInfoByTopic("cap-on-1")))
        .requests,
    ).toBe(2);
    expect(
      (await measure("route query, topic on 10 groups", () => f.nameServer.getRouteInfoByTopic("cap-on-10")))
        .requests,
    ).toBe(2);
    await measure("cluster info", () => f.nameServer.getBrokerClusterInfo());
    await measure("sweep (nothing to expire)", () => f.nameServer.sweep());
  });
});

describe("sweep cost", () => {
  it("a masterless acting-master group whose WRITE clearing finished costs the sweep no extra request", async () => {
    const brokerName = "cap-acting";
    const common = { brokerName, enableActingMaster: true, topicConfigTable: topics(20, brokerName) };
    await f.nameServer.registerBroker(registration({ ...common, brokerAddr: "10.4.0.1:10911" }));
    await f.nameServer.registerBroker(registration({ ...common, brokerId: 1, brokerAddr: "10.4.0.2:10911" }));
    await f.nameServer.unregisterBroker({
      clusterName: "DefaultCluster",
      brokerName,
      brokerId: 0,
      brokerAddr: "10.4.0.1:10911",
    });
    expect((await f.store.getGroup(brokerName))?.writeClearPending).toBeUndefined();
    const sweep = await measure("sweep with a masterless acting-master group", () => f.nameServer.sweep());
    // The groups, the sweeper state and the liveness digest.
    expect(sweep.requests).toBe(3);
  });
});

describe("POST /routes cost: each topic's items and each group read at most once per call", () => {
  const groupNames = Array.from({ length: 10 }, (_, i) => `cap-batch-${i}`);
  const batchTopics = Array.from({ length: 200 }, (_, i) => `cap-batch-topic-${i}`);
  beforeAll(async () => {
    // 200 topics, each on the same 10 groups: the reference fleet's shape (topics on shared groups).
    const table = Object.fromEntries(batchTopics.map((t) => [t, {}]));
    for (const [i, brokerName] of groupNames.entries()) {
      await f.nameServer.registerBroker(
        registration({ brokerName, brokerAddr: `10.5.0.${i + 1}:10911`, topicConfigTable: table }),
      );
    }
  });

  it("20 topics on 10 shared groups: 20 topic Queries and one BatchGetItem, the groups read once", async () => {
    const single = await measure("route query, topic on 10 groups (batch fixture)", () =>
      f.nameServer.getRouteInfoByTopic("cap-batch-topic-0"),
    );
    // A Query of the topic's partition (0.5) and a BatchGetItem of 10 groups and the sweeper state.
    expect(single).toEqual({ requests: 2, rcu: 6, wcu: 0 });
    f.capacity.reset();
    const answer = await f.nameServer.getRoutes(batchTopics.slice(0, 20));
    const batch = f.capacity.count();
    figures["POST /routes, 20 topics on 10 groups, cache off"] = f.capacity.totals;
    expect(answer.routes.size).toBe(20);
    expect(batch.byOperation.GetTopic).toEqual({ requests: 20, rcu: 10, wcu: 0 });
    // The groups (and the sweeper state) of all 20 routes: exactly what one route query reads.
    expect(batch.byOperation.GetGroups).toEqual({ requests: 1, rcu: 5.5, wcu: 0 });
    expect(batch).toMatchObject({ requests: 21, rcu: 15.5 });
    // Against the same 20 topics asked one by one: 120 RCU in 40 requests.
    expect(batch.rcu).toBeLessThan((20 * single.rcu) / 7);
  });

  it("with the group cache warm, a 20-topic call reads only the 20 topics' partitions", async () => {
    const cached = createNameServer({
      store: f.store,
      now: f.clock.now,
      routeGroupCacheMs: 5000,
      selfPreservation: { ...DEFAULT_SELF_PRESERVATION, enabled: false },
    });
    await cached.getRoutes(batchTopics.slice(0, 20));
    const warm = await measure("POST /routes, 20 topics on 10 groups, cache warm", () =>
      cached.getRoutes(batchTopics.slice(20, 40)),
    );
    expect(warm).toEqual({ requests: 20, rcu: 10, wcu: 0 });
  });

  it("200 topics and a missing one: each topic once, the groups in one BatchGetItem", async () => {
    f.capacity.reset();
    const answer = await f.nameServer.getRoutes([...batchTopics, "cap-batch-none"]);
    const count = f.capacity.count();
    figures["POST /routes, 201 topics on 10 groups, cache off"] = f.capacity.totals;
    expect(answer.routes.size).toBe(200);
    expect(answer.missing).toEqual(["cap-batch-none"]);
    expect(count.byOperation.GetTopic?.requests).toBe(201);
    expect(count.byOperation.GetGroups).toEqual({ requests: 1, rcu: 5.5, wcu: 0 });
  });
});
