/**
 * End to end over RocketMQ's protocol: the remoting gateway (lib/remoting) in front of a real
 * registry (HTTP API over DynamoDB Local), spoken to with RemotingClient as a broker and mqadmin
 * would. Byte-level behaviour is in the unit tests; here the translation meets the real API.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { registryApiOf } from "../../lib/gateway/registry-api";
import type { LocalRegistry } from "../../lib/local/registry";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { encodeRegisterBrokerBody } from "../../lib/remoting/register-broker-body";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { client as httpClient, startE2eRegistry } from "../support/e2e";

let registry: LocalRegistry;
let gateway: RemotingGateway;
let admin: RemotingClient;

beforeAll(async () => {
  registry = await startE2eRegistry("remoting");
  gateway = await startRemotingGateway({
    port: 0,
    client: registryApiOf(new NameServerClient(registry.url, new Transport())),
    log: () => {},
  });
  admin = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
});
afterAll(async () => {
  admin?.close();
  await gateway?.close();
  await registry?.stop();
});

const dataVersion = { counter: 1, stateVersion: 0, timestamp: 1732400000000 };

function brokerHeader(brokerName: string, brokerAddr: string, brokerId = 0) {
  return {
    brokerName,
    brokerAddr,
    clusterName: "RemotingCluster",
    haServerAddr: brokerAddr.replace(/:\d+$/, ":10912"),
    brokerId: String(brokerId),
    compressed: "false",
  };
}

async function register(
  broker: RemotingClient,
  brokerName: string,
  brokerAddr: string,
  topics: string[],
  options: { brokerId?: number; compressed?: boolean; version?: number } = {},
) {
  const version = options.version ?? 479;
  const body = encodeRegisterBrokerBody(
    {
      dataVersion,
      topicConfigTable: Object.fromEntries(
        topics.map((t) => [t, { topicName: t, readQueueNums: 4, writeQueueNums: 4, perm: 6 }]),
      ),
    },
    { compressed: options.compressed ?? false, version },
  );
  return broker.invoke(
    RequestCode.REGISTER_BROKER,
    {
      ...brokerHeader(brokerName, brokerAddr, options.brokerId),
      compressed: String(options.compressed ?? false),
    },
    body,
  );
}

describe("a broker registers over remoting and clients read its routes", () => {
  it("REGISTER_BROKER, then GET_ROUTEINFO_BY_TOPIC in both JSON dialects, then the cluster", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
    try {
      const registered = await register(broker, "rm-broker-a", "10.30.0.1:10911", ["RmTopic"]);
      expect(registered.code).toBe(ResponseCode.SUCCESS);
      const route = await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmTopic" });
      expect(route.code).toBe(ResponseCode.SUCCESS);
      const data = JSON.parse(route.body?.toString() ?? "");
      expect(data.brokerDatas[0]).toMatchObject({
        brokerName: "rm-broker-a",
        cluster: "RemotingCluster",
        brokerAddrs: { "0": "10.30.0.1:10911" },
      });
      expect(data.queueDatas[0]).toMatchObject({ brokerName: "rm-broker-a", perm: 6, readQueueNums: 4 });
      const old = new RemotingClient(`127.0.0.1:${gateway.port}`, { version: 317, language: "GO" });
      const oldRoute = await old.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmTopic" });
      old.close();
      expect(oldRoute.body?.toString()).toContain('{0:"10.30.0.1:10911"}');
      const cluster = await admin.invoke(RequestCode.GET_BROKER_CLUSTER_INFO, {});
      expect(cluster.body?.toString()).toContain('"clusterAddrTable":{"RemotingCluster":["rm-broker-a"]');
      const topics = await admin.invoke(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: "RemotingCluster" });
      expect(JSON.parse(topics.body?.toString() ?? "").topicList).toContain("RmTopic");
    } finally {
      broker.close();
    }
  });

  it("a 4.9.8 broker's compressed registration registers too", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { version: 409, timeoutMs: 20_000 });
    try {
      const answer = await register(broker, "rm-broker-old", "10.30.0.2:10911", ["RmOldTopic"], {
        compressed: true,
        version: 409,
      });
      expect(answer.code).toBe(ResponseCode.SUCCESS);
      const route = await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmOldTopic" });
      expect(JSON.parse(route.body?.toString() ?? "").brokerDatas[0].brokerName).toBe("rm-broker-old");
    } finally {
      broker.close();
    }
  });

  it("a broker whose connection closes is gone from the route at once", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
    await register(broker, "rm-broker-gone", "10.30.0.3:10911", ["RmGoneTopic"]);
    expect((await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmGoneTopic" })).code).toBe(0);
    broker.close();
    await expect
      .poll(
        async () => (await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmGoneTopic" })).code,
        {
          timeout: 20_000,
        },
      )
      .toBe(ResponseCode.TOPIC_NOT_EXIST);
  });

  it("wipe and add write perm, delete a topic: visible in the next route answer", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
    try {
      await register(broker, "rm-broker-w", "10.30.0.4:10911", ["RmPermTopic"]);
      await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmPermTopic" });
      const wiped = await admin.invoke(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "rm-broker-w" });
      expect(wiped.extFields).toEqual({ wipeTopicCount: "1" });
      const route = await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmPermTopic" });
      expect(JSON.parse(route.body?.toString() ?? "").queueDatas[0].perm).toBe(4);
      const added = await admin.invoke(RequestCode.ADD_WRITE_PERM_OF_BROKER, { brokerName: "rm-broker-w" });
      expect(added.extFields).toEqual({ addTopicCount: "1" });
      expect((await admin.invoke(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic: "RmPermTopic" })).code).toBe(
        0,
      );
      const gone = await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmPermTopic" });
      expect(gone.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
      expect(gone.remark).toBe(
        "No topic route info in name server for the topic: RmPermTopic\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.",
      );
    } finally {
      broker.close();
    }
  });
});

describe("KV config over remoting", () => {
  it("put, get, list, delete, and QUERY_NOT_FOUND after", async () => {
    const kv = { namespace: "RM_NS", key: "k1" };
    expect((await admin.invoke(RequestCode.PUT_KV_CONFIG, { ...kv, value: "v1" })).code).toBe(0);
    expect((await admin.invoke(RequestCode.GET_KV_CONFIG, kv)).extFields).toEqual({ value: "v1" });
    const list = await admin.invoke(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: "RM_NS" });
    expect(JSON.parse(list.body?.toString() ?? "")).toEqual({ table: { k1: "v1" } });
    expect((await admin.invoke(RequestCode.DELETE_KV_CONFIG, kv)).code).toBe(0);
    expect(await admin.invoke(RequestCode.GET_KV_CONFIG, kv)).toMatchObject({
      code: ResponseCode.QUERY_NOT_FOUND,
      remark: "No config item, Namespace: RM_NS Key: k1",
    });
    // And the HTTP API agrees: one registry behind both.
    expect((await httpClient(registry.url).get("/kv/RM_NS/k1")).status).toBe(404);
  });
});

describe("the rest of RocketMQ's NameServer requests, against the real registry", () => {
  it("BROKER_HEARTBEAT (oneway) and QUERY_DATA_VERSION keep a registered broker, with RocketMQ's changed semantics", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
    try {
      await register(broker, "rm-broker-hb", "10.30.0.5:10911", ["RmHbTopic"]);
      const header = brokerHeader("rm-broker-hb", "10.30.0.5:10911");
      await broker.invokeOneway(RequestCode.BROKER_HEARTBEAT, {
        clusterName: header.clusterName,
        brokerAddr: header.brokerAddr,
        brokerName: header.brokerName,
      });
      expect((await broker.invoke(RequestCode.BROKER_HEARTBEAT, header)).code).toBe(0);
      const same = await broker.invoke(
        RequestCode.QUERY_DATA_VERSION,
        header,
        Buffer.from(JSON.stringify(dataVersion)),
      );
      expect(same).toMatchObject({ code: 0, extFields: { changed: "false" } });
      expect(JSON.parse(same.body?.toString() ?? "")).toEqual(dataVersion);
      const other = await broker.invoke(
        RequestCode.QUERY_DATA_VERSION,
        header,
        Buffer.from(JSON.stringify({ ...dataVersion, counter: 2 })),
      );
      expect(other).toMatchObject({ code: 0, extFields: { changed: "true" } });
      const unknown = await broker.invoke(
        RequestCode.QUERY_DATA_VERSION,
        brokerHeader("rm-nobody", "10.30.9.9:10911"),
        Buffer.from(JSON.stringify(dataVersion)),
      );
      expect(unknown).toMatchObject({ code: 0, extFields: { changed: "true" } });
    } finally {
      broker.close();
    }
  });

  it("REGISTER_TOPIC_IN_NAMESRV, system and unit topic lists, NAMESRV_CONFIG as properties", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
    try {
      await register(broker, "rm-broker-t", "10.30.0.6:10911", ["RmSeedTopic"]);
      const queueDatas = [
        { brokerName: "rm-broker-t", perm: 6, readQueueNums: 2, topicSysFlag: 1, writeQueueNums: 2 },
      ];
      const registered = await admin.invoke(
        RequestCode.REGISTER_TOPIC_IN_NAMESRV,
        { topic: "RmUnitTopic" },
        Buffer.from(JSON.stringify({ queueDatas })),
      );
      expect(registered.code).toBe(0);
      const route = await admin.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "RmUnitTopic" });
      expect(JSON.parse(route.body?.toString() ?? "").queueDatas[0]).toMatchObject({
        readQueueNums: 2,
        topicSysFlag: 1,
      });
      const units = await admin.invoke(RequestCode.GET_UNIT_TOPIC_LIST, {});
      expect(JSON.parse(units.body?.toString() ?? "").topicList).toContain("RmUnitTopic");
      const system = JSON.parse(
        (await admin.invoke(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, {})).body?.toString() ?? "",
      );
      expect(system.topicList).toEqual(expect.arrayContaining(["RemotingCluster", "rm-broker-t"]));
      const config = (await admin.invoke(RequestCode.GET_NAMESRV_CONFIG, {})).body?.toString() ?? "";
      const current = /^orderMessageEnable=(true|false)$/m.exec(config)?.[1];
      expect(current).toBeDefined();
      const flipped = current === "true" ? "false" : "true";
      const updated = await admin.invoke(
        RequestCode.UPDATE_NAMESRV_CONFIG,
        {},
        Buffer.from(`# mqadmin updateNamesrvConfig\norderMessageEnable = ${flipped}\n`),
      );
      expect(updated.code).toBe(0);
      const after = (await admin.invoke(RequestCode.GET_NAMESRV_CONFIG, {})).body?.toString() ?? "";
      expect(after).toMatch(new RegExp(`^orderMessageEnable=${flipped}$`, "m"));
      await admin.invoke(
        RequestCode.UPDATE_NAMESRV_CONFIG,
        {},
        Buffer.from(`orderMessageEnable=${current}\n`),
      );
      const refused = await admin.invoke(
        RequestCode.UPDATE_NAMESRV_CONFIG,
        {},
        Buffer.from("noSuchSetting=1\n"),
      );
      expect(refused.code).toBe(ResponseCode.SYSTEM_ERROR);
      expect(refused.remark).toContain("noSuchSetting");
    } finally {
      broker.close();
    }
  });

  it("GET_BROKER_MEMBER_GROUP lists the live members with fastjson's bare keys", async () => {
    const broker = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
    try {
      await register(broker, "rm-broker-m", "10.30.0.7:10911", ["RmMemberTopic"]);
      const answer = await admin.invoke(RequestCode.GET_BROKER_MEMBER_GROUP, {
        clusterName: "RemotingCluster",
        brokerName: "rm-broker-m",
      });
      expect(answer.body?.toString()).toContain('"brokerAddrs":{0:"10.30.0.7:10911"}');
    } finally {
      broker.close();
    }
  });
});
