/**
 * The route client against the real local registry: caching and If-None-Match, removal on
 * TOPIC_NOT_EXIST, publish queues and fault-aware queue selection, and failover between two
 * independent NameServers (child processes), down to keeping a stale route when both are down.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerAgent } from "../../lib/client/broker-agent";
import type { Clock } from "../../lib/client/fault-strategy";
import { NameServerClient } from "../../lib/client/name-server-client";
import { RouteClient, type RouteUpdate } from "../../lib/client/route-client";
import { Transport } from "../../lib/client/transport";
import type { LocalRegistry, SpawnedRegistry } from "../../lib/local/registry";
import {
  brokerIdentity,
  spawnRegistry,
  startRegistry,
  topicStateOf,
  topicTable,
  unique,
} from "./client-helpers";

const agents: BrokerAgent[] = [];
const routeClients: RouteClient[] = [];

afterAll(async () => {
  await Promise.all(routeClients.map((client) => client.stop()));
  await Promise.all(agents.map((agent) => agent.stop({ unregister: false })));
});

/** A fetch that records every status it sees, around the real one. */
function statusRecorder() {
  const statuses: number[] = [];
  const recording = (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await fetch(input, init);
    statuses.push(response.status);
    return response;
  }) as typeof fetch;
  return { statuses, fetch: recording };
}

class FakeClock implements Clock {
  time = 1_700_000_000_000;
  now() {
    return this.time;
  }
}

async function startAgent(
  nameServers: string[],
  options: { topics: string[]; brokerName?: string; clusterName?: string },
) {
  const topics = topicStateOf(topicTable(options.topics));
  const broker = brokerIdentity({
    ...(options.brokerName === undefined ? {} : { brokerName: options.brokerName }),
    ...(options.clusterName === undefined ? {} : { clusterName: options.clusterName }),
  });
  const agent = new BrokerAgent({ broker, nameServers, topicState: topics.topicState });
  agents.push(agent);
  await agent.start();
  return { agent, broker, topics };
}

describe("RouteClient against one registry", () => {
  let registry: LocalRegistry;
  let admin: NameServerClient;

  beforeAll(async () => {
    registry = await startRegistry();
    admin = new NameServerClient(registry.url, new Transport());
  });

  afterAll(async () => {
    await registry?.stop();
  });

  function routeClient(options: Partial<ConstructorParameters<typeof RouteClient>[0]> = {}) {
    const client = new RouteClient({ nameServers: [registry.url], random: () => 0, ...options });
    routeClients.push(client);
    return client;
  }

  it("caches a route, revalidates it with If-None-Match (304) and picks up a change", async () => {
    const topic = unique("Topic");
    const { topics, agent, broker } = await startAgent([registry.url], { topics: [topic] });
    const recorder = statusRecorder();
    const client = routeClient({ transport: { fetch: recorder.fetch } });
    const changes: Array<{ previous?: unknown }> = [];
    client.on("routeChanged", (e) => changes.push(e));

    const first = await client.getRoute(topic);
    const cachedAgain = await client.getRoute(topic);
    const unchanged = await client.updateTopicRouteInfoFromNameServer(topic);
    topics.change(topicTable([topic], 8));
    await agent.registerNow();
    const changed = await client.updateTopicRouteInfoFromNameServer(topic);

    expect(first.brokerDatas[0]?.brokerName).toBe(broker.brokerName);
    expect(cachedAgain).toBe(first);
    expect(unchanged).toBe("unchanged");
    expect(changed).toBe("changed");
    expect(recorder.statuses).toEqual([200, 304, 200]);
    expect(changes).toHaveLength(2);
    expect(changes[1]?.previous).toEqual(first);
    expect((await client.getRoute(topic)).queueDatas[0]?.writeQueueNums).toBe(8);
    expect(client.lastNameServer).toBe(registry.url);
  });

  it("refreshes cached routes on its timer", async () => {
    const topic = unique("Topic");
    const { topics, agent } = await startAgent([registry.url], { topics: [topic] });
    const client = routeClient({ pollNameServerIntervalMillis: 200 });
    await client.getRoute(topic);
    client.start();

    topics.change(topicTable([topic], 2));
    await agent.registerNow();

    await expect
      .poll(async () => (await client.getRoute(topic)).queueDatas[0]?.writeQueueNums, {
        timeout: 20_000,
        interval: 100,
      })
      .toBe(2);
    await client.stop();
  });

  it("removes a cached route when a NameServer answers TOPIC_NOT_EXIST", async () => {
    const topic = unique("Topic");
    const { agent } = await startAgent([registry.url], { topics: [topic] });
    const client = routeClient();
    const removed: string[] = [];
    client.on("routeRemoved", (e) => removed.push(e.topic));
    await client.getRoute(topic);

    await agent.stop();
    const update = await client.updateTopicRouteInfoFromNameServer(topic);

    expect(update).toBe("removed");
    expect(removed).toEqual([topic]);
    expect(client.cachedRoute(topic)).toBeUndefined();
    await expect(client.getRoute(topic)).rejects.toMatchObject({ status: 404, code: "TOPIC_NOT_EXIST" });
  });

  it("turns a real route into publish queues: writable groups with a master, or ORDER_TOPIC_CONFIG's queues", async () => {
    const topic = unique("Topic");
    const clusterName = unique("cluster");
    const [nameA, nameB] = [unique("broker"), unique("broker")].sort();
    await startAgent([registry.url], { topics: [topic], brokerName: nameA, clusterName });
    await startAgent([registry.url], { topics: [topic], brokerName: nameB, clusterName });
    const client = routeClient();

    const both = await client.getPublishInfo(topic);
    await admin.setWritePerm(nameA ?? "", false);
    await client.updateTopicRouteInfoFromNameServer(topic);
    const withoutA = await client.getPublishInfo(topic);
    await admin.putKvConfig("ORDER_TOPIC_CONFIG", topic, `${nameA}:2`);
    await client.updateTopicRouteInfoFromNameServer(topic);
    const ordered = await client.getPublishInfo(topic);
    await admin.deleteKvConfig("ORDER_TOPIC_CONFIG", topic);

    expect(both.messageQueueList.map((q) => q.brokerName)).toEqual([
      nameA,
      nameA,
      nameA,
      nameA,
      nameB,
      nameB,
      nameB,
      nameB,
    ]);
    expect(new Set(withoutA.messageQueueList.map((q) => q.brokerName))).toEqual(new Set([nameB]));
    expect(ordered.orderTopic).toBe(true);
    expect(ordered.messageQueueList.map((q) => `${q.brokerName}:${q.queueId}`)).toEqual([
      `${nameA}:0`,
      `${nameA}:1`,
    ]);
  });

  it("selects queues round-robin, avoiding a broker whose send just failed until its isolation ends", async () => {
    const topic = unique("Topic");
    const clusterName = unique("cluster");
    const { broker: brokerA } = await startAgent([registry.url], { topics: [topic], clusterName });
    const { broker: brokerB } = await startAgent([registry.url], { topics: [topic], clusterName });
    const clock = new FakeClock();
    const client = routeClient({ clock });
    const pick = async (count: number) => {
      const picked: string[] = [];
      for (let i = 0; i < count; i++) picked.push((await client.selectOneMessageQueue(topic)).brokerName);
      return picked;
    };

    const healthy = await pick(8);
    client.updateFaultItem(brokerA.brokerName, 42, true);
    const duringIsolation = await pick(8);
    clock.time += 10_000;
    const afterIsolation = await pick(8);

    expect(new Set(healthy)).toEqual(new Set([brokerA.brokerName, brokerB.brokerName]));
    expect(new Set(duringIsolation)).toEqual(new Set([brokerB.brokerName]));
    expect(afterIsolation).toContain(brokerA.brokerName);
    expect(client.findBrokerAddressInPublish(topic, brokerB.brokerName)).toBe(brokerB.brokerAddr);
  });
});

describe("RouteClient with two independent NameServers", () => {
  let first: SpawnedRegistry;
  let second: SpawnedRegistry;

  beforeAll(async () => {
    [first, second] = await Promise.all([spawnRegistry(), spawnRegistry()]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  it("fails over to the other NameServer, then keeps the last good route when both are down", async () => {
    const topic = unique("Topic");
    const { agent } = await startAgent([first.url, second.url], { topics: [topic] });
    const client = new RouteClient({
      nameServers: [first.url, second.url],
      transport: { timeoutMillis: 2000 },
    });
    routeClients.push(client);
    const stale: RouteUpdate[] = [];
    client.on("routeStale", () => stale.push("stale"));
    const route = await client.getRoute(topic);
    expect(client.lastNameServer).toBe(first.url);

    await first.stop();
    const afterFirstDown = await client.updateTopicRouteInfoFromNameServer(topic);
    await agent.registerNow();
    const [firstState, secondState] = agent.states();

    expect(afterFirstDown).toBe("unchanged");
    expect(client.lastNameServer).toBe(second.url);
    expect(firstState).toMatchObject({ status: "backoff" });
    expect(secondState).toMatchObject({ status: "registered", consecutiveFailures: 0 });

    await second.stop();
    const afterBothDown = await client.updateTopicRouteInfoFromNameServer(topic);

    expect(afterBothDown).toBe("stale");
    expect(stale).toEqual(["stale"]);
    expect(await client.getRoute(topic)).toEqual(route);
    expect((await client.selectOneMessageQueue(topic)).topic).toBe(topic);
  });
});
