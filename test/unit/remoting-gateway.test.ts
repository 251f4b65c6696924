import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { NameServerRequestError, NameServerUnreachableError } from "../../lib/client/transport";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { encode, FrameDecoder, type RemotingCommand, requestCommand } from "../../lib/remoting/codec";
import { RequestCode, ResponseCode, SerializeType } from "../../lib/remoting/protocol";
import { bodyCrc32, encodeRegisterBrokerBody } from "../../lib/remoting/register-broker-body";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi, requestError, routeOf } from "../support/fake-registry-api";

const FAQ = "\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.";

let gateway: RemotingGateway | undefined;
const clients: RemotingClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

async function start(
  api = fakeRegistryApi(),
  options: {
    unregisterOnClose?: boolean;
    cache?: number;
    maxInFlight?: number;
    maxQueued?: number;
    idleTimeoutMs?: number;
  } = {},
) {
  const logs: string[] = [];
  const { cache, ...rest } = options;
  gateway = await startRemotingGateway({
    port: 0,
    client: api,
    log: (line) => logs.push(line),
    routeCacheIntervalMs: cache ?? 0,
    ...rest,
  });
  const client = (opts: ConstructorParameters<typeof RemotingClient>[1] = {}) => {
    const c = new RemotingClient(`127.0.0.1:${gateway?.port}`, opts);
    clients.push(c);
    return c;
  };
  /**
   * Resolves once the gateway has handled `count` closed connections: it unregisters (or not) in the
   * same step, so a check that something did not happen can follow without a sleep.
   */
  const closedConnections = (count: number) =>
    expect.poll(() => gateway?.server.stats.connectionsClosed).toBe(count);
  return { api, logs, client, closedConnections, port: gateway.port };
}

const brokerHeader = {
  brokerName: "broker-a",
  brokerAddr: "10.0.0.1:10911",
  clusterName: "DefaultCluster",
  haServerAddr: "10.0.0.1:10912",
  brokerId: "0",
};
const dataVersion = { counter: 3, stateVersion: 0, timestamp: 1732400000000 };

describe("request flow", () => {
  it("answers an unknown code with REQUEST_CODE_NOT_SUPPORTED, echoing opaque 0 and negative ones", async () => {
    const { client } = await start();
    for (const firstOpaque of [0, -5]) {
      const c = client({ firstOpaque });
      const answer = await c.invoke(9999, {});
      expect(answer).toMatchObject({
        code: 3,
        remark: " request type 9999 not supported",
        opaque: firstOpaque,
        flag: 1,
      });
      expect(answer.language).toBe("JAVA");
      expect(answer.version).toBe(479);
    }
  });

  it("processes a oneway request without answering it", async () => {
    const { api, port } = await start();
    const socket = connect(port, "127.0.0.1");
    const decoder = new FrameDecoder();
    const received: RemotingCommand[] = [];
    socket.on("data", (chunk) => received.push(...decoder.push(chunk)));
    await new Promise((resolve) => socket.once("connect", resolve));
    const heartbeat = requestCommand(RequestCode.BROKER_HEARTBEAT, brokerHeader, { oneway: true, opaque: 1 });
    const unknown = requestCommand(9999, {}, { opaque: 2 });
    socket.write(Buffer.concat([encode(heartbeat), encode(unknown)]));
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]?.opaque).toBe(2);
    expect(api.calls.map((c) => c.method)).toEqual(["touchBroker"]);
    expect(api.calls[0]?.args[0]).toEqual({
      clusterName: "DefaultCluster",
      brokerAddr: "10.0.0.1:10911",
      brokerName: "broker-a",
    });
    socket.destroy();
  });

  it("answers ROCKETMQ binary requests too, and frames split into single bytes", async () => {
    const { port } = await start();
    const socket = connect(port, "127.0.0.1");
    const decoder = new FrameDecoder();
    const received: RemotingCommand[] = [];
    socket.on("data", (chunk) => received.push(...decoder.push(chunk)));
    await new Promise((resolve) => socket.once("connect", resolve));
    const frame = encode(requestCommand(9999, { a: "b" }, { opaque: 77 }), SerializeType.ROCKETMQ);
    for (const byte of frame) socket.write(Buffer.from([byte]));
    await expect.poll(() => received.length).toBe(1);
    expect(received[0]).toMatchObject({ code: 3, opaque: 77 });
    socket.destroy();
  });
});

describe("malformed frames", () => {
  it("close that connection only, with one log line, and change nothing", async () => {
    const { api, logs, client } = await start();
    const good = client();
    const bad = client();
    await good.invoke(9999, {});
    const broken = Buffer.alloc(8);
    broken.writeInt32BE(4, 0);
    broken.writeUInt32BE((7 << 24) | 0, 4);
    const pending = bad.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {}, undefined, 2000);
    await bad.writeRaw(broken);
    await expect(pending).rejects.toThrow(/closed/);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(
      /decode error from 127\.0\.0\.1:\d+, closing the connection: unknown serialize type 7/,
    );
    expect((await good.invoke(9999, {})).code).toBe(3);
    expect(api.calls).toEqual([]);
  });

  it("an oversize length closes the connection before anything is buffered", async () => {
    const { logs, client } = await start();
    const c = client();
    const pending = c.invoke(9999, {}, undefined, 2000);
    const huge = Buffer.alloc(4);
    huge.writeInt32BE(16 * 1024 * 1024, 0);
    await c.writeRaw(huge);
    await expect(pending).rejects.toThrow();
    expect(logs[0]).toMatch(/exceeds 16777216/);
  });
});

describe("GET_ROUTEINFO_BY_TOPIC", () => {
  const route = routeOf("broker-a", { "0": "10.0.0.1:10911", "1": "10.0.0.2:10911" });

  it("standard JSON for version >= 401, fastjson's bare keys for older clients unless acceptStandardJsonOnly", async () => {
    const { client } = await start(
      fakeRegistryApi({ getRouteInfoByTopic: () => ({ notModified: false, route }) }),
    );
    const modern = await client({ version: 479 }).invoke(105, { topic: "TopicTest" });
    expect(modern.code).toBe(0);
    expect(modern.body?.toString()).toContain('"brokerAddrs":{"0":"10.0.0.1:10911","1":"10.0.0.2:10911"}');
    const old = await client({ version: 317, language: "GO" }).invoke(105, { topic: "TopicTest" });
    expect(old.body?.toString()).toContain('"brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"}');
    const asked = await client({ version: 317 }).invoke(105, {
      topic: "TopicTest",
      acceptStandardJsonOnly: "true",
    });
    expect(asked.body?.toString()).toContain('"brokerAddrs":{"0":');
    expect(JSON.parse(modern.body?.toString() ?? "")).toEqual(route);
  });

  it("no route: TOPIC_NOT_EXIST with RocketMQ's remark and the FAQ suffix", async () => {
    const { client } = await start();
    const answer = await client().invoke(105, { topic: "Nope" });
    expect(answer.code).toBe(ResponseCode.TOPIC_NOT_EXIST);
    expect(answer.remark).toBe(`No topic route info in name server for the topic: Nope${FAQ}`);
    expect(answer.body).toBeUndefined();
  });

  it("a name the registry refuses is not found either, as RocketMQ would say", async () => {
    const { client } = await start(
      fakeRegistryApi({
        getRouteInfoByTopic: () => {
          throw requestError(400, "INVALID_REQUEST");
        },
      }),
    );
    expect((await client().invoke(105, { topic: "bad topic" })).code).toBe(17);
  });

  it("registry 503 or unreachable → SYSTEM_BUSY", async () => {
    const api = fakeRegistryApi({
      getRouteInfoByTopic: () => {
        throw requestError(503, "SERVICE_UNAVAILABLE");
      },
    });
    const { client } = await start(api);
    expect((await client().invoke(105, { topic: "T" })).code).toBe(ResponseCode.SYSTEM_BUSY);
    api.answers.getRouteInfoByTopic = () => {
      throw new NameServerUnreachableError("http://x", "timeout");
    };
    expect((await client().invoke(105, { topic: "T" })).code).toBe(ResponseCode.SYSTEM_BUSY);
  });

  it("zone mode asks the registry for the zone and answers in fastjson's style", async () => {
    const { api, client } = await start(
      fakeRegistryApi({ getRouteInfoByTopic: () => ({ notModified: false, route }) }),
    );
    const answer = await client().invoke(105, { topic: "T", __ZONE_NAME: "az-1", __ZONE_MODE: "true" });
    expect(api.calls[0]?.args).toEqual(["T", { zone: "az-1" }]);
    expect(answer.body?.toString()).toContain("{0:");
    await client().invoke(105, { topic: "T", __ZONE_NAME: "az-1" });
    expect(api.calls[1]?.args).toEqual(["T", {}]);
  });

  it("a missing topic field is RocketMQ's error answer, with no registry call", async () => {
    const { api, client } = await start();
    const answer = await client().invoke(105, {});
    expect(answer).toMatchObject({ code: 1, remark: "the custom field <topic> is null" });
    expect(api.calls).toEqual([]);
  });
});

describe("REGISTER_BROKER", () => {
  const topics = { TopicTest: { topicName: "TopicTest", readQueueNums: 8, writeQueueNums: 8, perm: 6 } };

  it("translates the header and fastjson body into one heartbeat, answering masterAddr and the order config", async () => {
    const api = fakeRegistryApi({
      registerBroker: () => ({
        topicConfigApplied: true,
        masterAddr: "10.0.0.9:10911",
        haServerAddr: "10.0.0.9:10912",
        orderTopicConfig: { table: { TopicTest: "broker-a:4" } },
      }),
    });
    const { client } = await start(api);
    // A static topic's currIdMap travels with bare integer keys.
    const body = Buffer.from(
      '{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":3,"stateVersion":0,"timestamp":1732400000000},' +
        '"topicConfigTable":{"TopicTest":{"attributes":{},"order":false,"perm":6,"readQueueNums":8,"topicFilterType":"SINGLE_TAG","topicName":"TopicTest","topicSysFlag":0,"writeQueueNums":8}},' +
        '"topicQueueMappingInfoMap":{"TopicTest":{"bname":"broker-a","currIdMap":{0:0,1:1},"epoch":0,"scope":"__global__","topic":"TopicTest","totalQueues":2}}}}',
    );
    const answer = await client({ version: 479 }).invoke(
      103,
      {
        ...brokerHeader,
        brokerId: "1",
        enableActingMaster: "false",
        compressed: "false",
        __ZONE_NAME: "az-1",
        bodyCrc32: String(bodyCrc32(body)),
      },
      body,
    );
    expect(answer.code).toBe(0);
    expect(answer.extFields).toEqual({ masterAddr: "10.0.0.9:10911", haServerAddr: "10.0.0.9:10912" });
    expect(answer.body?.toString()).toBe('{"table":{"TopicTest":"broker-a:4"}}');
    expect(api.calls).toHaveLength(1);
    expect(api.calls[0]?.args[0]).toEqual({
      clusterName: "DefaultCluster",
      brokerName: "broker-a",
      brokerId: 1,
      brokerAddr: "10.0.0.1:10911",
      haServerAddr: "10.0.0.1:10912",
      zoneName: "az-1",
      enableActingMaster: false,
      dataVersion,
      topicConfigTable: {
        TopicTest: {
          topicName: "TopicTest",
          readQueueNums: 8,
          writeQueueNums: 8,
          perm: 6,
          topicSysFlag: 0,
          order: false,
        },
      },
      filterServerList: [],
      topicQueueMappingInfoMap: {
        TopicTest: {
          bname: "broker-a",
          currIdMap: { "0": 0, "1": 1 },
          epoch: 0,
          scope: "__global__",
          topic: "TopicTest",
          totalQueues: 2,
        },
      },
    });
  });

  it.each([
    ["4.9.8 compressed=true", 409, "true"],
    ["5.x compressedRegister (header says false)", 479, "false"],
  ])("reads the compressed body of %s", async (_, version, compressedHeader) => {
    const { api, client } = await start();
    const body = encodeRegisterBrokerBody(
      { dataVersion, topicConfigTable: topics },
      { compressed: true, version },
    );
    const answer = await client({ version }).invoke(
      103,
      { ...brokerHeader, compressed: compressedHeader },
      body,
    );
    expect(answer.code).toBe(0);
    const sent = api.calls[0]?.args[0] as Record<string, unknown>;
    expect(sent.dataVersion).toEqual(dataVersion);
    expect(sent.topicConfigTable).toEqual({
      TopicTest: {
        topicName: "TopicTest",
        readQueueNums: 8,
        writeQueueNums: 8,
        perm: 6,
        topicSysFlag: 0,
        order: false,
      },
    });
  });

  it("a crc32 that does not match is refused without a registry call", async () => {
    const { api, client } = await start();
    const body = encodeRegisterBrokerBody(
      { dataVersion, topicConfigTable: topics },
      { compressed: false, version: 479 },
    );
    const answer = await client().invoke(
      103,
      { ...brokerHeader, bodyCrc32: String(bodyCrc32(body) ^ 1) },
      body,
    );
    expect(answer).toMatchObject({ code: 1, remark: "crc32 not match" });
    expect(api.calls).toEqual([]);
  });

  it("a malformed brokerId or body is a SYSTEM_ERROR naming it, never a crash", async () => {
    const { api, client } = await start();
    const c = client();
    expect(await c.invoke(103, { ...brokerHeader, brokerId: "x" })).toMatchObject({
      code: 1,
      remark: 'the custom field <brokerId> is not a Long: "x"',
    });
    expect((await c.invoke(103, brokerHeader, Buffer.from("{not json"))).code).toBe(1);
    expect((await c.invoke(103, { ...brokerHeader, compressed: "true" }, Buffer.from("xx"))).code).toBe(1);
    expect(api.calls).toEqual([]);
  });

  it("a broker whose connection closes is unregistered at once; the flag turns that off", async () => {
    for (const unregisterOnClose of [true, false]) {
      const { api, client, closedConnections } = await start(fakeRegistryApi(), { unregisterOnClose });
      const c = client();
      await c.invoke(103, brokerHeader);
      c.close();
      await closedConnections(1);
      if (unregisterOnClose) {
        expect(api.calls.map((x) => x.method)).toEqual(["registerBroker", "unregisterBroker"]);
        expect(api.calls[1]?.args[0]).toEqual({
          clusterName: "DefaultCluster",
          brokerName: "broker-a",
          brokerId: 0,
          brokerAddr: "10.0.0.1:10911",
        });
      } else {
        expect(api.calls.map((x) => x.method)).toEqual(["registerBroker"]);
      }
      await gateway?.close();
    }
  });

  it("a broker that re-registered on a new connection is not unregistered when the old one closes", async () => {
    const { api, client, closedConnections } = await start();
    const first = client();
    const second = client();
    await first.invoke(103, brokerHeader);
    await second.invoke(103, brokerHeader);
    first.close();
    await closedConnections(1);
    expect(api.calls.map((x) => x.method)).toEqual(["registerBroker", "registerBroker"]);
  });
});

describe("QUERY_DATA_VERSION", () => {
  it("passes the registry's answer through", async () => {
    const api = fakeRegistryApi({ queryDataVersion: () => ({ changed: false, dataVersion }) });
    const { client } = await start(api);
    const answer = await client().invoke(322, brokerHeader, Buffer.from(JSON.stringify(dataVersion)));
    expect(answer).toMatchObject({ code: 0, extFields: { changed: "false" } });
    expect(JSON.parse(answer.body?.toString() ?? "")).toEqual(dataVersion);
    expect(api.calls[0]?.args[0]).toEqual({
      clusterName: "DefaultCluster",
      brokerName: "broker-a",
      brokerId: 0,
      brokerAddr: "10.0.0.1:10911",
      dataVersion,
    });
  });

  it("any failure is changed=true with SUCCESS, never an error code", async () => {
    const api = fakeRegistryApi({
      queryDataVersion: () => {
        throw requestError(503, "SERVICE_UNAVAILABLE");
      },
    });
    const { client } = await start(api);
    const c = client();
    for (const [ext, body] of [
      [brokerHeader, Buffer.from(JSON.stringify(dataVersion))],
      [brokerHeader, Buffer.from("garbage")],
      [brokerHeader, undefined],
      [{}, Buffer.from(JSON.stringify(dataVersion))],
    ] as const) {
      const answer = await c.invoke(322, ext, body);
      expect(answer).toMatchObject({ code: 0, extFields: { changed: "true" } });
    }
  });
});

describe("KV, lists, config", () => {
  it("GET_KV_CONFIG: value in extFields, or QUERY_NOT_FOUND with RocketMQ's remark", async () => {
    const api = fakeRegistryApi();
    const { client } = await start(api);
    expect(await client().invoke(101, { namespace: "NS", key: "k" })).toMatchObject({
      code: 22,
      remark: "No config item, Namespace: NS Key: k",
    });
    api.answers.getKvConfig = () => "v";
    expect((await client().invoke(101, { namespace: "NS", key: "k" })).extFields).toEqual({ value: "v" });
    expect(await client().invoke(219, { namespace: "NS" })).toMatchObject({
      code: 22,
      remark: "No config item, Namespace: NS",
    });
    expect(await client().invoke(100, { namespace: "NS", value: "v" })).toMatchObject({
      code: 1,
      remark: "namespace or key is null",
    });
  });

  it("cluster info and member groups keep fastjson's bare integer keys; topic lists are TopicList", async () => {
    const broker = { cluster: "C", brokerName: "b", brokerAddrs: { "0": "h:1" }, enableActingMaster: false };
    const api = fakeRegistryApi({
      getBrokerClusterInfo: () => ({ brokerAddrTable: { b: broker }, clusterAddrTable: { C: ["b"] } }),
      getSystemTopicList: () => ({ topicList: ["C", "b"], brokerAddr: "h:1" }),
      getUnitTopicList: (kind) => [kind],
      getBrokerMemberGroup: () => ({ cluster: "C", brokerName: "b", brokerAddrs: { "0": "h:1" } }),
      setWritePerm: () => ({ affectedTopicCount: 3 }),
    });
    const { client } = await start(api);
    const c = client();
    expect((await c.invoke(106, {})).body?.toString()).toBe(
      '{"brokerAddrTable":{"b":{"brokerAddrs":{0:"h:1"},"brokerName":"b","cluster":"C","enableActingMaster":false}},"clusterAddrTable":{"C":["b"]}}',
    );
    expect((await c.invoke(304, {})).body?.toString()).toBe('{"brokerAddr":"h:1","topicList":["C","b"]}');
    expect((await c.invoke(312, {})).body?.toString()).toBe('{"topicList":["unit-sub"]}');
    expect((await c.invoke(901, { clusterName: "C", brokerName: "b" })).body?.toString()).toBe(
      '{"brokerMemberGroup":{"brokerAddrs":{0:"h:1"},"brokerName":"b","cluster":"C"}}',
    );
    expect((await c.invoke(205, { brokerName: "b" })).extFields).toEqual({ wipeTopicCount: "3" });
    expect((await c.invoke(327, { brokerName: "b" })).extFields).toEqual({ addTopicCount: "3" });
  });

  it("NAMESRV_CONFIG travels as java.util.Properties text; black-listed keys are NO_PERMISSION", async () => {
    const api = fakeRegistryApi({
      getConfig: () => ({ orderMessageEnable: "false", enableTopicList: "true" }),
    });
    const { client } = await start(api);
    const c = client();
    expect((await c.invoke(319, {})).body?.toString()).toBe(
      "enableTopicList=true\norderMessageEnable=false\n",
    );
    expect((await c.invoke(318, {}, Buffer.from("# comment\norderMessageEnable = true\n"))).code).toBe(0);
    expect(api.calls.at(-1)?.args[0]).toEqual({ orderMessageEnable: "true" });
    expect(await c.invoke(318, {}, Buffer.from("rocketmqHome=/tmp\n"))).toMatchObject({
      code: 16,
      remark: "Can not update config in black list.",
    });
    expect(api.calls).toHaveLength(2);
  });

  it("REGISTER_TOPIC_IN_NAMESRV reads a fastjson TopicRouteData body", async () => {
    const { api, client } = await start();
    const body = Buffer.from(
      '{"brokerDatas":[{"brokerAddrs":{0:"h:1"},"brokerName":"b"}],"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
    expect((await client().invoke(217, { topic: "T" }, body)).code).toBe(0);
    expect(api.calls[0]?.args).toEqual([
      "T",
      [{ brokerName: "b", perm: 6, readQueueNums: 4, topicSysFlag: 0, writeQueueNums: 4 }],
    ]);
  });
});

describe("every request code of REMOTING.md §3 makes exactly one registry call", () => {
  const kvOk = {
    getKvConfig: () => "v",
    getKvList: () => ({ k: "v" }),
    getRouteInfoByTopic: () => ({ notModified: false as const, route: routeOf() }),
  };
  const cases: Array<[number, Record<string, string>, Buffer | undefined, string]> = [
    [100, { namespace: "N", key: "k", value: "v" }, undefined, "putKvConfig"],
    [101, { namespace: "N", key: "k" }, undefined, "getKvConfig"],
    [102, { namespace: "N", key: "k" }, undefined, "deleteKvConfig"],
    [103, brokerHeader, undefined, "registerBroker"],
    [104, brokerHeader, undefined, "unregisterBroker"],
    [105, { topic: "T" }, undefined, "getRouteInfoByTopic"],
    [106, {}, undefined, "getBrokerClusterInfo"],
    [205, { brokerName: "b" }, undefined, "setWritePerm"],
    [206, {}, undefined, "getAllTopicList"],
    [216, { topic: "T", clusterName: "C" }, undefined, "deleteTopic"],
    [
      217,
      { topic: "T" },
      Buffer.from(
        '{"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":1,"writeQueueNums":1,"topicSysFlag":0}]}',
      ),
      "registerTopic",
    ],
    [219, { namespace: "N" }, undefined, "getKvList"],
    [224, { cluster: "C" }, undefined, "getTopicsByCluster"],
    [304, {}, undefined, "getSystemTopicList"],
    [311, {}, undefined, "getUnitTopicList"],
    [312, {}, undefined, "getUnitTopicList"],
    [313, {}, undefined, "getUnitTopicList"],
    [318, {}, Buffer.from("a=b"), "updateConfig"],
    [319, {}, undefined, "getConfig"],
    [322, brokerHeader, Buffer.from(JSON.stringify(dataVersion)), "queryDataVersion"],
    [327, { brokerName: "b" }, undefined, "setWritePerm"],
    [901, { clusterName: "C", brokerName: "b" }, undefined, "getBrokerMemberGroup"],
    [904, brokerHeader, undefined, "touchBroker"],
  ];
  it.each(cases)("code %i", async (code, ext, body, method) => {
    const { api, client } = await start(fakeRegistryApi(kvOk));
    const answer = await client().invoke(code, ext, body);
    expect(answer.code).toBe(0);
    expect(api.calls.map((c) => c.method)).toEqual([method]);
    for (const value of Object.values(answer.extFields)) expect(typeof value).toBe("string");
  });
});

describe("load and idle connections", () => {
  it("beyond the in-flight and queue limits a request gets SYSTEM_BUSY [OVERLOAD], the rest are answered", async () => {
    let open: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const api = fakeRegistryApi({ getAllTopicList: () => gate.then(() => ["T"]) });
    const { client } = await start(api, { maxInFlight: 1, maxQueued: 1 });
    const c = client();
    const first = c.invoke(206, {});
    const second = c.invoke(206, {});
    await expect.poll(() => api.calls.length).toBe(1);
    const third = await c.invoke(206, {});
    expect(third).toMatchObject({ code: 2, remark: "[OVERLOAD]system busy, start flow control for a while" });
    open();
    expect((await first).code).toBe(0);
    expect((await second).code).toBe(0);
    expect(api.calls).toHaveLength(2);
  });

  it("a connection idle for idleTimeoutMs is closed, and a broker registered on it unregistered", async () => {
    const { api, logs, client } = await start(fakeRegistryApi(), { idleTimeoutMs: 200 });
    await client().invoke(103, brokerHeader);
    await expect
      .poll(() => api.calls.map((c) => c.method), { timeout: 5000 })
      .toEqual(["registerBroker", "unregisterBroker"]);
    expect(logs.some((line) => /idle for 200 ms/.test(line))).toBe(true);
  });
});

describe("registry refusals in RocketMQ's terms", () => {
  it('a 400 names the field in a SYSTEM_ERROR; a disabled list is SYSTEM_ERROR "disable"; auth is NO_PERMISSION', async () => {
    const api = fakeRegistryApi({
      registerBroker: () => {
        throw new NameServerRequestError("http://r", 400, "INVALID_REQUEST", "invalid request", [
          { field: "brokerAddr", message: "must be host:port" },
        ]);
      },
      getAllTopicList: () => {
        throw requestError(403, "DISABLED", "enableAllTopicList is false");
      },
      getBrokerClusterInfo: () => {
        throw requestError(403, "Forbidden");
      },
    });
    const { client } = await start(api);
    const c = client();
    expect(await c.invoke(103, brokerHeader)).toMatchObject({
      code: 1,
      remark: "invalid request (brokerAddr: must be host:port)",
    });
    expect(await c.invoke(206, {})).toMatchObject({ code: 1, remark: "disable" });
    expect((await c.invoke(106, {})).code).toBe(16);
  });
});
