import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { formatProperties, parseProperties } from "../../lib/remoting/properties";
import {
  bodyCrc32,
  decodeRegisterBrokerBody,
  decodeTopicConfigText,
  encodeRegisterBrokerBody,
  RegisterBodyError,
} from "../../lib/remoting/register-broker-body";

const dataVersion = { counter: 7, stateVersion: 0, timestamp: 1732400000000 };
const topics = {
  A: { topicName: "A", readQueueNums: 4, writeQueueNums: 2, perm: 6, topicSysFlag: 1, order: true },
  B: { topicName: "B", readQueueNums: 8, writeQueueNums: 8, perm: 4 },
};

describe("RegisterBrokerBody", () => {
  it("JSON: reads the wrapper, defaults TopicConfig's fields", () => {
    const body = encodeRegisterBrokerBody(
      { dataVersion, topicConfigTable: topics, filterServerList: ["h:1"] },
      { compressed: false, version: 479 },
    );
    const decoded = decodeRegisterBrokerBody(body, false, 479);
    expect(decoded.dataVersion).toEqual(dataVersion);
    expect(decoded.filterServerList).toEqual(["h:1"]);
    expect(decoded.topicConfigTable.A).toMatchObject({ topicSysFlag: 1, order: true, perm: 6 });
    expect(decoded.topicConfigTable.B).toMatchObject({ topicSysFlag: 0, order: false, readQueueNums: 8 });
  });

  it("compressed 5.x carries the mapping section, 4.x ends after the filter servers; neither has topicSysFlag or order", () => {
    const mapping = { TopicTest: { topic: "TopicTest", bname: "b", currIdMap: { "0": 0 } } };
    const five = encodeRegisterBrokerBody(
      { dataVersion, topicConfigTable: topics, topicQueueMappingInfoMap: mapping },
      { compressed: true, version: 479 },
    );
    expect(five.subarray(0, 2)).toEqual(Buffer.from([0x78, 0xda]));
    const d5 = decodeRegisterBrokerBody(five, true, 479);
    expect(d5.topicQueueMappingInfoMap).toEqual(mapping);
    expect(d5.topicConfigTable.A).toMatchObject({
      readQueueNums: 4,
      writeQueueNums: 2,
      perm: 6,
      topicSysFlag: 0,
      order: false,
    });
    const four = encodeRegisterBrokerBody(
      { dataVersion, topicConfigTable: topics },
      { compressed: true, version: 409 },
    );
    const d4 = decodeRegisterBrokerBody(four, true, 409);
    expect(Object.keys(d4.topicConfigTable)).toEqual(["A", "B"]);
    expect(d4.topicQueueMappingInfoMap).toBeUndefined();
    // A 4.x body read as 5.x runs out of data: RocketMQ's "End of compressed data has reached".
    expect(() => decodeRegisterBrokerBody(four, true, 479)).toThrow(/End of compressed data/);
  });

  it("pre-3.0.11 brokers send a bare TopicConfigSerializeWrapper; no body is an empty registration", () => {
    const wrapper = Buffer.from(JSON.stringify({ dataVersion, topicConfigTable: { A: topics.A } }));
    expect(Object.keys(decodeRegisterBrokerBody(wrapper, false, 30).topicConfigTable)).toEqual(["A"]);
    expect(decodeRegisterBrokerBody(undefined, false, 479)).toEqual({
      dataVersion: { counter: 0, stateVersion: 0, timestamp: 0 },
      topicConfigTable: {},
      filterServerList: [],
    });
  });

  it("TopicConfig text: 5 fields, optional attributes, trailing separator", () => {
    expect(decodeTopicConfigText("T 8 8 6 SINGLE_TAG ")).toMatchObject({
      topicName: "T",
      readQueueNums: 8,
      perm: 6,
    });
    expect(decodeTopicConfigText('T 1 2 7 MULTI_TAG {"+message.type":"NORMAL"}')).toMatchObject({
      writeQueueNums: 2,
    });
    expect(() => decodeTopicConfigText("T 1 2")).toThrow(RegisterBodyError);
    expect(() => decodeTopicConfigText("T x 2 6 SINGLE_TAG")).toThrow(RegisterBodyError);
  });

  it("refuses garbage, truncated streams and zip bombs with RegisterBodyError", () => {
    expect(() => decodeRegisterBrokerBody(Buffer.from("nope"), true, 479)).toThrow(RegisterBodyError);
    const truncated = encodeRegisterBrokerBody(
      { dataVersion, topicConfigTable: topics },
      { compressed: true, version: 479 },
    );
    expect(() => decodeRegisterBrokerBody(truncated.subarray(0, 20), true, 479)).toThrow(RegisterBodyError);
    const bomb = deflateSync(Buffer.alloc(33 * 1024 * 1024));
    expect(() => decodeRegisterBrokerBody(bomb, true, 479)).toThrow(RegisterBodyError);
    const negative = deflateSync(Buffer.from([0, 0, 0, 2, 0x7b, 0x7d, 0xff, 0xff, 0xff, 0xff]));
    expect(() => decodeRegisterBrokerBody(negative, true, 479)).toThrow(RegisterBodyError);
  });

  it("bodyCrc32 is CRC-32 masked to 31 bits, as UtilAll.crc32", () => {
    // CRC-32 of "123456789" is 0xCBF43926; masked: 0x4BF43926.
    expect(bodyCrc32(Buffer.from("123456789"))).toBe(0x4bf43926);
    expect(bodyCrc32(undefined)).toBe(0);
  });
});

describe("java.util.Properties text", () => {
  it("reads comments, separators, escapes and continuations as Properties.load", () => {
    const text = "# c\n! c\n  a=1\nb : 2\nc 3\nd=multi\\\n   line\ne=\\u00e9\\tx\nf\n";
    expect(parseProperties(text)).toEqual({ a: "1", b: "2", c: "3", d: "multiline", e: "é\tx", f: "" });
  });

  it("writes sorted key=value lines", () => {
    expect(formatProperties({ b: "2", a: "1" })).toBe("a=1\nb=2\n");
    expect(parseProperties(formatProperties({ x: "y", z: "" }))).toEqual({ x: "y", z: "" });
  });
});
