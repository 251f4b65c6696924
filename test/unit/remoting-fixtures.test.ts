/**
 * Replays of frames recorded from real RocketMQ exchanges (test/fixtures/remoting/, recorded by the
 * interop tests' recording proxy, test/interop/support/recording-proxy.ts, with RECORD_FIXTURES=1):
 * the codec reads them, re-encodes RocketMQ's own answers byte for byte, and the gateway, given the
 * same registry state, answers with the bodies RocketMQ's NameServer wrote.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ClusterInfo, TopicRouteData } from "../../lib/domain/model";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { decodeFrame, encode, FrameDecoder, type RemotingCommand } from "../../lib/remoting/codec";
import { parseLenientJson } from "../../lib/remoting/fastjson";
import { SerializeType } from "../../lib/remoting/protocol";
import { bodyCrc32 } from "../../lib/remoting/register-broker-body";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi } from "../support/fake-registry-api";
import { exchangeRawFrame } from "../support/raw-frame";

const FIXTURES = join(import.meta.dirname, "../fixtures/remoting");
const fixture = (name: string) => readFileSync(join(FIXTURES, name));
const frameOf = (name: string): RemotingCommand => {
  const frames = new FrameDecoder().push(fixture(name));
  expect(frames).toHaveLength(1);
  return frames[0] as RemotingCommand;
};

let gateway: RemotingGateway | undefined;
const clients: RemotingClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

/** Sends a recorded request's exact bytes to a gateway over a fake registry; returns the answer. */
async function replay(name: string, api: ReturnType<typeof fakeRegistryApi>): Promise<RemotingCommand> {
  gateway = await startRemotingGateway({ port: 0, client: api, routeCacheIntervalMs: 0, log: () => {} });
  const request = frameOf(name);
  const answer = await exchangeRawFrame(gateway.port, fixture(name));
  expect(answer.opaque).toBe(request.opaque);
  return answer;
}

describe("recorded frames decode", () => {
  it("a mqadmin 5.3.3 GET_ROUTEINFO_BY_TOPIC, with fastjson's header layout", () => {
    const bytes = fixture("get-route-request-mqadmin-5.3.3.bin");
    const { command, serializeType } = decodeFrame(bytes.subarray(4));
    expect(serializeType).toBe(SerializeType.JSON);
    expect(command).toEqual({
      code: 105,
      language: "JAVA",
      version: 479,
      opaque: 0,
      flag: 0,
      extFields: { topic: "MessageTopic" },
    });
    // The codec writes what Java writes: same bytes.
    expect(encode(command)).toEqual(bytes);
  });

  it("a Go client v2 request: its own key order, an empty remark, version 317", () => {
    expect(frameOf("get-route-request-go-client-v2.bin")).toMatchObject({
      code: 105,
      language: "GO",
      version: 317,
      remark: "",
      extFields: { topic: "MessageTopic" },
    });
  });

  it("RocketMQ 5.3.3's answers re-encode byte for byte (an empty response header writes extFields {})", () => {
    for (const [name, writeEmptyExtFields] of [
      ["register-broker-response-rocketmq-5.3.3.bin", true],
      ["get-broker-cluster-info-response-rocketmq-5.3.3.bin", false],
      ["get-route-response-rocketmq-5.3.3-to-go-client.bin", false],
    ] as const) {
      const bytes = fixture(name);
      expect(encode(frameOf(name), SerializeType.JSON, { writeEmptyExtFields }), name).toEqual(bytes);
    }
  });

  it("a 5.3.3 broker's REGISTER_BROKER: bodyCrc32 is what UtilAll.crc32 computed", () => {
    const request = frameOf("register-broker-5.3.3.bin");
    expect(request.extFields.compressed).toBe("false");
    expect(bodyCrc32(request.body)).toBe(Number(request.extFields.bodyCrc32));
  });
});

describe("recorded requests replayed to the gateway", () => {
  it("REGISTER_BROKER from a 5.3.3 broker becomes one heartbeat with its whole topic table", async () => {
    const api = fakeRegistryApi();
    const request = frameOf("register-broker-5.3.3.bin");
    const answer = await replay("register-broker-5.3.3.bin", api);
    expect(answer.code).toBe(0);
    expect(api.calls.map((c) => c.method)).toEqual(["registerBroker"]);
    const sent = api.calls[0]?.args[0] as { topicConfigTable: Record<string, unknown>; brokerAddr: string };
    const body = parseLenientJson(request.body?.toString() ?? "") as {
      topicConfigSerializeWrapper: { topicConfigTable: Record<string, unknown> };
    };
    expect(Object.keys(sent.topicConfigTable).sort()).toEqual(
      Object.keys(body.topicConfigSerializeWrapper.topicConfigTable).sort(),
    );
    expect(sent.brokerAddr).toBe(request.extFields.brokerAddr);
    // RocketMQ 5.3.3 answered this very request with this header (opaque aside).
    const theirs = frameOf("register-broker-response-rocketmq-5.3.3.bin");
    expect(
      encode({ ...answer, opaque: theirs.opaque }, SerializeType.JSON, { writeEmptyExtFields: true }),
    ).toEqual(fixture("register-broker-response-rocketmq-5.3.3.bin"));
  });

  it("the Go client's route request gets RocketMQ's exact body: fastjson's bare keys for version 317", async () => {
    const theirs = frameOf("get-route-response-rocketmq-5.3.3-to-go-client.bin");
    const route = parseLenientJson(theirs.body?.toString() ?? "") as TopicRouteData;
    const api = fakeRegistryApi({ getRouteInfoByTopic: () => ({ notModified: false, route }) });
    const answer = await replay("get-route-request-go-client-v2.bin", api);
    expect(answer.body?.toString()).toBe(theirs.body?.toString());
    expect(encode(answer)).toEqual(encode({ ...theirs }));
  });

  it("GET_BROKER_CLUSTER_INFO gets RocketMQ's exact body", async () => {
    const theirs = frameOf("get-broker-cluster-info-response-rocketmq-5.3.3.bin");
    const info = parseLenientJson(theirs.body?.toString() ?? "") as ClusterInfo;
    const api = fakeRegistryApi({ getBrokerClusterInfo: () => info });
    gateway = await startRemotingGateway({ port: 0, client: api, routeCacheIntervalMs: 0, log: () => {} });
    const client = new RemotingClient(`127.0.0.1:${gateway.port}`);
    clients.push(client);
    const answer = await client.invoke(106, {});
    expect(answer.body?.toString()).toBe(theirs.body?.toString());
  });

  it("UNREGISTER_BROKER from a 5.3.3 broker's shutdown", async () => {
    const api = fakeRegistryApi();
    const answer = await replay("unregister-broker-5.3.3.bin", api);
    expect(answer.code).toBe(0);
    expect(api.calls[0]).toEqual({
      method: "unregisterBroker",
      args: [
        { brokerName: "broker-a", brokerAddr: "127.0.0.1:24342", clusterName: "DefaultCluster", brokerId: 0 },
      ],
    });
  });
});
