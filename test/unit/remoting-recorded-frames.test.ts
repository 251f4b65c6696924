/**
 * Frames recorded from real Apache RocketMQ (test/fixtures/remoting/, see its README) replayed
 * through the codec and the body decoders: what real brokers, mqadmin and the Go client send, and
 * what RocketMQ's own NameServer answers, must decode as RocketMQ means it — whole, split into
 * single bytes, and packed back to back.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FrameDecoder, isOneway, isResponse, type RemotingCommand } from "../../lib/remoting/codec";
import { parseLenientJson } from "../../lib/remoting/fastjson";
import { RequestCode } from "../../lib/remoting/protocol";
import { bodyCrc32, decodeRegisterBrokerBody } from "../../lib/remoting/register-broker-body";

const DIR = join(import.meta.dirname, "../fixtures/remoting");
const files = readdirSync(DIR).filter((f) => f.endsWith(".bin"));

function frame(name: string): Buffer {
  return readFileSync(join(DIR, name));
}

function decodeOne(name: string): RemotingCommand {
  const commands = new FrameDecoder().push(frame(name));
  expect(commands).toHaveLength(1);
  return commands[0] as RemotingCommand;
}

/** A body that only RocketMQ's lenient reading accepts: JSON.parse refuses fastjson's bare integer keys. */
function expectFastjsonIntKeys(body: Buffer | undefined): unknown {
  const text = body?.toString("utf8") ?? "";
  expect(text).toMatch(/\{0:"/);
  expect(() => JSON.parse(text)).toThrow();
  return parseLenientJson(text);
}

describe("recorded frames", () => {
  it("the fixtures are there", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "register-broker-5.3.3.bin",
        "register-broker-4.9.7-compressed.bin",
        "get-route-request-mqadmin-5.3.3.bin",
        "get-route-response-rocketmq-5.3.3.bin",
        "get-route-request-go-client-v2.bin",
        "get-route-response-rocketmq-5.3.3-to-go-client.bin",
        "broker-heartbeat-oneway-5.3.3.bin",
      ]),
    );
  });

  it.each(files)("%s decodes alike whole, byte by byte, and packed with itself", (name) => {
    const bytes = frame(name);
    const whole = decodeOne(name);
    const bytewise = new FrameDecoder();
    const split: RemotingCommand[] = [];
    for (let i = 0; i < bytes.length; i++) split.push(...bytewise.push(bytes.subarray(i, i + 1)));
    expect(split).toEqual([whole]);
    expect(new FrameDecoder().push(Buffer.concat([bytes, bytes, bytes]))).toEqual([whole, whole, whole]);
    for (const value of Object.values(whole.extFields)) expect(typeof value).toBe("string");
  });

  it("REGISTER_BROKER from a 5.3.3 broker: compressed=false, bodyCrc32 is CRC-32 & 0x7FFFFFFF, its system topics", () => {
    const request = decodeOne("register-broker-5.3.3.bin");
    expect(request).toMatchObject({
      code: RequestCode.REGISTER_BROKER,
      language: "JAVA",
      version: 479,
      flag: 0,
    });
    expect(request.extFields).toMatchObject({
      brokerId: "0",
      brokerName: "broker-a",
      clusterName: "DefaultCluster",
      compressed: "false",
    });
    expect(Number(request.extFields.bodyCrc32)).toBe(bodyCrc32(request.body));
    const body = decodeRegisterBrokerBody(request.body, false, request.version);
    expect(body.topicConfigTable.TBW102).toMatchObject({ perm: 7, readQueueNums: 8, writeQueueNums: 8 });
    expect(body.topicConfigTable.DefaultCluster).toBeDefined();
    expect(body.topicConfigTable["broker-a"]).toBeDefined();
    expect(typeof body.dataVersion.timestamp).toBe("number");
  });

  it("REGISTER_BROKER from a 4.9.7 broker with compressedRegister=true: a zlib body, no mapping section", () => {
    const request = decodeOne("register-broker-4.9.7-compressed.bin");
    expect(request.extFields.compressed).toBe("true");
    expect(request.version).toBeLessThan(413);
    expect(request.body?.subarray(0, 2)).toEqual(Buffer.from([0x78, 0xda]));
    const body = decodeRegisterBrokerBody(request.body, true, request.version);
    expect(body.topicConfigTable.TBW102).toMatchObject({
      readQueueNums: 8,
      writeQueueNums: 8,
      topicSysFlag: 0,
      order: false,
    });
    expect(body.topicConfigTable[request.extFields.brokerName as string]).toBeDefined();
    expect(body.topicQueueMappingInfoMap ?? {}).toEqual({});
  });

  it("RocketMQ answers a version-479 client's route in standard JSON, an old Go client's with bare integer keys", () => {
    const mqadmin = decodeOne("get-route-request-mqadmin-5.3.3.bin");
    expect(mqadmin).toMatchObject({
      code: RequestCode.GET_ROUTEINFO_BY_TOPIC,
      version: 479,
      language: "JAVA",
    });
    expect(mqadmin.extFields.acceptStandardJsonOnly).toBeUndefined();

    const standard = decodeOne("get-route-response-rocketmq-5.3.3.bin");
    expect(isResponse(standard)).toBe(true);
    const route = JSON.parse(standard.body?.toString() ?? "") as {
      brokerDatas: { brokerAddrs: Record<string, string> }[];
    };
    expect(Object.keys(route.brokerDatas[0]?.brokerAddrs ?? {})).toEqual(["0"]);

    const go = decodeOne("get-route-request-go-client-v2.bin");
    expect(go).toMatchObject({ code: RequestCode.GET_ROUTEINFO_BY_TOPIC, language: "GO", version: 317 });
    const toGo = decodeOne("get-route-response-rocketmq-5.3.3-to-go-client.bin");
    expect(toGo.opaque).toBe(go.opaque);
    const lenient = expectFastjsonIntKeys(toGo.body) as {
      brokerDatas: { brokerAddrs: Record<string, string> }[];
    };
    expect(Object.keys(lenient.brokerDatas[0]?.brokerAddrs ?? {})).toEqual(["0"]);
  });

  it("GET_BROKER_CLUSTER_INFO's answer has bare integer keys whatever the client", () => {
    const answer = decodeOne("get-broker-cluster-info-response-rocketmq-5.3.3.bin");
    expect(answer.code).toBe(0);
    expectFastjsonIntKeys(answer.body);
  });

  it("BROKER_HEARTBEAT is oneway and carries no brokerId", () => {
    const heartbeat = decodeOne("broker-heartbeat-oneway-5.3.3.bin");
    expect(heartbeat.code).toBe(RequestCode.BROKER_HEARTBEAT);
    expect(isOneway(heartbeat)).toBe(true);
    expect(heartbeat.extFields).toMatchObject({ clusterName: "DefaultCluster" });
    expect(heartbeat.extFields.brokerId).toBeUndefined();
  });
});
