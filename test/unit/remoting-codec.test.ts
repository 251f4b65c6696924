import { describe, expect, it } from "vitest";
import {
  decodeFrame,
  encode,
  FrameDecoder,
  FrameError,
  MAX_LENGTH_FIELD,
  type RemotingCommand,
  requestCommand,
} from "../../lib/remoting/codec";
import { FRAME_MAX_LENGTH, RequestCode, SerializeType } from "../../lib/remoting/protocol";

const route: RemotingCommand = {
  code: RequestCode.GET_ROUTEINFO_BY_TOPIC,
  language: "JAVA",
  version: 479,
  opaque: 42,
  flag: 0,
  extFields: { topic: "TopicTest" },
};

function frameOf(header: Buffer, type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const prefix = Buffer.alloc(8);
  prefix.writeInt32BE(4 + header.length + body.length, 0);
  prefix.writeUInt32BE(((type << 24) | header.length) >>> 0, 4);
  return Buffer.concat([prefix, header, body]);
}

describe("JSON header (type 0)", () => {
  it("writes fastjson's bean layout: fields sorted, serializeTypeCurrentRPC, length words big-endian", () => {
    const bytes = encode(route, SerializeType.JSON);
    const header =
      '{"code":105,"extFields":{"topic":"TopicTest"},"flag":0,"language":"JAVA","opaque":42,' +
      '"serializeTypeCurrentRPC":"JSON","version":479}';
    expect(bytes.readInt32BE(0)).toBe(4 + Buffer.byteLength(header));
    expect(bytes.readUInt32BE(4)).toBe(Buffer.byteLength(header));
    expect(bytes.subarray(8).toString()).toBe(header);
  });

  it("reads a header as a Java client writes it, with its body", () => {
    const header = Buffer.from(
      '{"code":103,"extFields":{"brokerId":"0","compressed":"false"},"flag":0,"language":"JAVA",' +
        '"opaque":-7,"serializeTypeCurrentRPC":"JSON","version":479}',
    );
    const { command, serializeType } = decodeFrame(frameOf(header, 0, Buffer.from("{}")).subarray(4));
    expect(serializeType).toBe(SerializeType.JSON);
    expect(command).toEqual({
      code: 103,
      language: "JAVA",
      version: 479,
      opaque: -7,
      flag: 0,
      extFields: { brokerId: "0", compressed: "false" },
      body: Buffer.from("{}"),
    });
  });

  it("turns scalar extFields into strings, as fastjson fills a HashMap<String,String>", () => {
    const header = Buffer.from(
      '{"code":105,"extFields":{"topic":"T","n":5,"b":true,"gone":null},"opaque":1}',
    );
    const { command } = decodeFrame(frameOf(header, 0).subarray(4));
    expect(command.extFields).toEqual({ topic: "T", n: "5", b: "true" });
    expect(command.body).toBeUndefined();
  });

  it("round-trips remarks, responses and the oneway flag", () => {
    const response: RemotingCommand = {
      code: 17,
      language: "JAVA",
      version: 479,
      opaque: 0,
      flag: 1,
      remark: "No topic route info in name server for the topic: T\nSee …",
      extFields: {},
    };
    expect(decodeFrame(encode(response).subarray(4)).command).toEqual(response);
    const oneway = requestCommand(904, { brokerName: "b" }, { oneway: true, opaque: -1 });
    expect(decodeFrame(encode(oneway).subarray(4)).command.flag).toBe(2);
  });
});

describe("ROCKETMQ binary header (type 1)", () => {
  it("lays out code, language byte, version, opaque, flag, remark and ext entries", () => {
    const bytes = encode({ ...route, remark: "hi" }, SerializeType.ROCKETMQ);
    expect(bytes.readUInt8(4)).toBe(1);
    const h = bytes.subarray(8);
    expect(h.readInt16BE(0)).toBe(105);
    expect(h.readInt8(2)).toBe(0);
    expect(h.readInt16BE(3)).toBe(479);
    expect(h.readInt32BE(5)).toBe(42);
    expect(h.readInt32BE(9)).toBe(0);
    expect(h.readInt32BE(13)).toBe(2);
    expect(h.toString("utf8", 17, 19)).toBe("hi");
    const extLength = h.readInt32BE(19);
    expect(extLength).toBe(2 + 5 + 4 + 9);
    expect(h.readInt16BE(23)).toBe(5);
    expect(h.toString("utf8", 25, 30)).toBe("topic");
    expect(h.readInt32BE(30)).toBe(9);
    expect(h.toString("utf8", 34, 43)).toBe("TopicTest");
    expect(h.length).toBe(43);
  });

  it("round-trips any command, negative opaque included, and reads empty strings as absent", () => {
    const command: RemotingCommand = {
      code: 0,
      language: "GO",
      version: 317,
      opaque: -2147483648,
      flag: 1,
      remark: "ünïcode",
      extFields: { a: "1", clé: "välue" },
      body: Buffer.from([0, 1, 2]),
    };
    expect(decodeFrame(encode(command, SerializeType.ROCKETMQ).subarray(4)).command).toEqual(command);
    const empty = encode({ ...route, extFields: { k: "" } }, SerializeType.ROCKETMQ);
    expect(decodeFrame(empty.subarray(4)).command.extFields).toEqual({});
  });

  it("rejects lengths that run past the header", () => {
    const header = encode({ ...route, remark: "hi" }, SerializeType.ROCKETMQ).subarray(8);
    const broken = Buffer.from(header);
    broken.writeInt32BE(1000, 13);
    expect(() => decodeFrame(frameOf(broken, 1).subarray(4))).toThrow(FrameError);
    const negative = Buffer.from(header);
    negative.writeInt32BE(-5, 13);
    expect(() => decodeFrame(frameOf(negative, 1).subarray(4))).toThrow(FrameError);
    expect(() => decodeFrame(frameOf(header.subarray(0, 10), 1).subarray(4))).toThrow(FrameError);
  });
});

describe("malformed frames", () => {
  it("header length past the frame, unknown serialize type, bad JSON", () => {
    const header = Buffer.from('{"code":105}');
    const long = frameOf(header, 0);
    long.writeUInt32BE(header.length + 1, 4);
    expect(() => decodeFrame(long.subarray(4))).toThrow(/bad header length/);
    expect(() => decodeFrame(frameOf(header, 2).subarray(4))).toThrow(/unknown serialize type 2/);
    expect(() => decodeFrame(frameOf(Buffer.from('{"code":'), 0).subarray(4))).toThrow(FrameError);
    expect(() => decodeFrame(frameOf(Buffer.from("[1]"), 0).subarray(4))).toThrow(FrameError);
    expect(() => decodeFrame(frameOf(Buffer.from('{"code":1.5}'), 0).subarray(4))).toThrow(FrameError);
    expect(() => decodeFrame(frameOf(Buffer.from('{"extFields":{"a":{}}}'), 0).subarray(4))).toThrow(
      FrameError,
    );
  });

  it("length field out of range: below 4, negative, over 16 MiB", () => {
    for (const length of [0, 3, -1, MAX_LENGTH_FIELD + 1]) {
      const bytes = Buffer.alloc(8);
      bytes.writeInt32BE(length, 0);
      expect(() => new FrameDecoder().push(bytes)).toThrow(FrameError);
    }
  });

  it("accepts a frame of exactly 16 MiB and refuses to encode a larger one", () => {
    const body = Buffer.alloc(FRAME_MAX_LENGTH - 8 - encode(route).length + 8);
    const frame = encode({ ...route, body });
    expect(frame.length).toBe(FRAME_MAX_LENGTH);
    expect(new FrameDecoder().push(frame)[0]?.body?.length).toBe(body.length);
    expect(() => encode({ ...route, body: Buffer.alloc(body.length + 1) })).toThrow(FrameError);
  });

  it("a decoder that failed stays failed", () => {
    const decoder = new FrameDecoder();
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(-1, 0);
    expect(() => decoder.push(bad)).toThrow(FrameError);
    expect(() => decoder.push(encode(route))).toThrow(FrameError);
  });
});

describe("FrameDecoder over TCP chunks", () => {
  const commands = [0, 1, -1, 2147483647].map((opaque, i) => ({
    ...route,
    opaque,
    extFields: { topic: `T${i}` },
    ...(i % 2 === 0 ? { body: Buffer.alloc(i * 100 + 3, i) } : {}),
  }));
  const stream = Buffer.concat(
    commands.map((c, i) => encode(c, i % 2 === 0 ? SerializeType.JSON : SerializeType.ROCKETMQ)),
  );

  it("decodes frames split byte by byte", () => {
    const decoder = new FrameDecoder();
    const out: RemotingCommand[] = [];
    for (let i = 0; i < stream.length; i++) out.push(...decoder.push(stream.subarray(i, i + 1)));
    expect(out).toEqual(commands);
    expect(decoder.pendingBytes).toBe(0);
  });

  it("decodes frames packed into one chunk and split at every offset", () => {
    expect(new FrameDecoder().push(stream)).toEqual(commands);
    for (let cut = 1; cut < stream.length; cut += 7) {
      const decoder = new FrameDecoder();
      const out = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      expect(out).toEqual(commands);
    }
  });

  it("holds a partial frame until the rest arrives", () => {
    const decoder = new FrameDecoder();
    const one = encode(route);
    expect(decoder.push(one.subarray(0, one.length - 1))).toEqual([]);
    expect(decoder.pendingBytes).toBe(one.length - 1);
    expect(decoder.push(one.subarray(one.length - 1))).toEqual([route]);
  });
});
