/**
 * The broker agent against the real local registry (DynamoDB Local behind the same handlers as on AWS).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerAgent, type FullRegistrationReason } from "../../lib/client/broker-agent";
import { NameServerClient } from "../../lib/client/name-server-client";
import { NameServerRequestError, Transport } from "../../lib/client/transport";
import { freePort } from "../../lib/local/dynamodb-local";
import type { LocalRegistry } from "../../lib/local/registry";
import { brokerIdentity, startRegistry, topicStateOf, topicTable, unique } from "./client-helpers";

let registry: LocalRegistry;
let admin: NameServerClient;
const agents: BrokerAgent[] = [];

beforeAll(async () => {
  registry = await startRegistry();
  admin = new NameServerClient(registry.url, new Transport());
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop({ unregister: false })));
  await registry?.stop();
});

function track(agent: BrokerAgent) {
  agents.push(agent);
  const log: string[] = [];
  agent.on("registered", (e) => log.push(`registered:${e.reason}`));
  agent.on("heartbeat", () => log.push("heartbeat"));
  agent.on("error", (e) => log.push(`error:${e.error.message}`));
  return log;
}

async function routeOf(topic: string) {
  const answer = await admin.getRouteInfoByTopic(topic);
  if (answer.notModified) throw new Error("unexpected 304");
  return answer.route;
}

describe("BrokerAgent against the local registry", () => {
  it("registers its topics, then keeps them alive with light heartbeats", async () => {
    const broker = brokerIdentity();
    const topic = unique("Topic");
    const agent = new BrokerAgent({
      broker,
      nameServers: [registry.url],
      topicState: topicStateOf(topicTable([topic])).topicState,
    });
    const log = track(agent);

    const started = await agent.start();
    await agent.registerNow();
    await agent.registerNow();

    // start() says whether the first registration succeeded.
    expect(started).toMatchObject({ registered: true, registeredWithAll: true });
    expect(log).toEqual(["registered:firstContact", "heartbeat", "heartbeat"]);
    const route = await routeOf(topic);
    expect(route.queueDatas).toEqual([
      { brokerName: broker.brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ]);
    expect(route.brokerDatas[0]?.brokerAddrs).toEqual({ "0": broker.brokerAddr });
    expect(agent.states()[0]).toMatchObject({ status: "registered", consecutiveFailures: 0 });
  });

  it("sends the full table again when its dataVersion changes", async () => {
    const broker = brokerIdentity();
    const [first, second] = [unique("Topic"), unique("Topic")];
    const topics = topicStateOf(topicTable([first]));
    const agent = new BrokerAgent({ broker, nameServers: [registry.url], topicState: topics.topicState });
    const log = track(agent);
    await agent.start();

    topics.change(topicTable([first, second], 8));
    await agent.registerNow();

    expect(log).toEqual(["registered:firstContact", "registered:dataVersionChanged"]);
    expect((await routeOf(second)).queueDatas[0]?.writeQueueNums).toBe(8);
  });

  it("resends its full table at once when the registry lost it (409 FULL_REGISTRATION_REQUIRED)", async () => {
    const broker = brokerIdentity();
    const topic = unique("Topic");
    const agent = new BrokerAgent({
      broker,
      nameServers: [registry.url],
      topicState: topicStateOf(topicTable([topic])).topicState,
    });
    const log = track(agent);
    await agent.start();
    // The registry forgets the broker behind its back (as after an expiry).
    await admin.unregisterBroker(broker);
    await expect(admin.getRouteInfoByTopic(topic)).rejects.toMatchObject({ code: "TOPIC_NOT_EXIST" });

    await agent.registerNow();

    expect(log).toEqual(["registered:firstContact", "registered:fullRegistrationRequired"]);
    expect((await routeOf(topic)).brokerDatas[0]?.brokerName).toBe(broker.brokerName);
  });

  it("unregisters from the registry on stop", async () => {
    const broker = brokerIdentity();
    const topic = unique("Topic");
    const agent = new BrokerAgent({
      broker,
      nameServers: [registry.url],
      topicState: topicStateOf(topicTable([topic])).topicState,
    });
    const unregistered: string[] = [];
    agent.on("unregistered", (e) => unregistered.push(e.nameServer));
    await agent.start();
    expect((await admin.getBrokerMemberGroup(broker.clusterName, broker.brokerName)).brokerAddrs).toEqual({
      "0": broker.brokerAddr,
    });

    await agent.stop();

    expect(unregistered).toEqual([registry.url]);
    expect((await admin.getBrokerMemberGroup(broker.clusterName, broker.brokerName)).brokerAddrs).toEqual({});
    const error = await admin.getRouteInfoByTopic(topic).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NameServerRequestError);
    expect(error).toMatchObject({ status: 404, code: "TOPIC_NOT_EXIST" });
    expect(agent.states().map((s) => s.status)).toEqual(["stopped"]);
  });

  it("hears its master's addresses as a slave", async () => {
    const master = brokerIdentity();
    const slave = { ...master, brokerId: 1, brokerAddr: "127.0.0.1:10921", haServerAddr: "127.0.0.1:10922" };
    const topics = topicStateOf(topicTable([unique("Topic")]));
    const masterAgent = new BrokerAgent({
      broker: master,
      nameServers: [registry.url],
      topicState: topics.topicState,
    });
    const slaveAgent = new BrokerAgent({
      broker: slave,
      nameServers: [registry.url],
      topicState: topics.topicState,
    });
    track(masterAgent);
    const answers: Array<{ masterAddr?: string; haServerAddr?: string }> = [];
    track(slaveAgent);
    slaveAgent.on("registered", (e) => answers.push(e));
    slaveAgent.on("heartbeat", (e) => answers.push(e));

    await masterAgent.start();
    await slaveAgent.start();
    await slaveAgent.registerNow();

    expect(answers).toEqual([
      expect.objectContaining({ masterAddr: master.brokerAddr, haServerAddr: master.haServerAddr }),
      expect.objectContaining({ masterAddr: master.brokerAddr, haServerAddr: master.haServerAddr }),
    ]);
    expect(slaveAgent.states()[0]).toMatchObject({ masterAddr: master.brokerAddr });
  });

  it("gzips a large registration, which the registry accepts", async () => {
    const broker = brokerIdentity();
    const prefix = unique("Bulk");
    const topics = Array.from({ length: 300 }, (_, i) => `${prefix}-${i}`);
    const agent = new BrokerAgent({
      broker,
      nameServers: [registry.url],
      topicState: topicStateOf(topicTable(topics)).topicState,
      transport: { gzipThresholdBytes: 1024 },
    });
    const log = track(agent);

    await agent.start();

    expect(log).toEqual(["registered:firstContact"]);
    const clusterTopics = await admin.getTopicsByCluster(broker.clusterName);
    expect(clusterTopics).toHaveLength(300);
  });

  it("keeps registering with a live NameServer while another one is down, and backs off only the dead one", async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const broker = brokerIdentity();
    const topic = unique("Topic");
    const agent = new BrokerAgent({
      broker,
      nameServers: [deadUrl, registry.url],
      topicState: topicStateOf(topicTable([topic])).topicState,
    });
    const backoffs: Array<{ nameServer: string; delayMillis: number }> = [];
    const successes: Array<{ nameServer: string; reason?: FullRegistrationReason }> = [];
    agent.on("backoff", (e) => backoffs.push(e));
    agent.on("registered", (e) => successes.push(e));
    agent.on("heartbeat", (e) => successes.push(e));
    agents.push(agent);

    await agent.start();
    await agent.registerNow();

    expect(successes.map((s) => s.nameServer)).toEqual([registry.url, registry.url]);
    expect(backoffs.map((b) => b.nameServer)).not.toContain(registry.url);
    const [first, second] = backoffs.map((b) => b.delayMillis);
    expect(first).toBeLessThan(1000);
    expect(second).toBeLessThan(2000);
    const [dead, live] = agent.states();
    expect(dead).toMatchObject({ nameServer: deadUrl, status: "backoff" });
    expect(dead?.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(live).toMatchObject({ nameServer: registry.url, status: "registered", consecutiveFailures: 0 });
    expect((await routeOf(topic)).queueDatas).toHaveLength(1);
  });
});
