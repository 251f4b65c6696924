import { describe, expect, it } from "vitest";
import {
  intKeyed,
  LenientJsonError,
  parseLenientJson,
  stringifyFastjson,
  stringifyStandard,
} from "../../lib/remoting/fastjson";

describe("parseLenientJson", () => {
  it("reads fastjson's unquoted integer keys and standard JSON alike", () => {
    expect(parseLenientJson('{"brokerAddrs":{0:"a:1",1:"b:1"},"n":-1.5e2}')).toEqual({
      brokerAddrs: { "0": "a:1", "1": "b:1" },
      n: -150,
    });
    expect(parseLenientJson('{"brokerAddrs":{"0":"a:1"}}')).toEqual({ brokerAddrs: { "0": "a:1" } });
    expect(parseLenientJson("{'k':'v\\n', bare_key : [true,false,null]}")).toEqual({
      k: "v\n",
      bare_key: [true, false, null],
    });
    expect(parseLenientJson('"\\u00e9"')).toBe("é");
  });

  it("keeps __proto__ an ordinary key", () => {
    const parsed = parseLenientJson('{"__proto__":{"polluted":1}}') as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses malformed text and deep nesting", () => {
    for (const bad of ["", "{", '{"a"}', "{a:}", "[1,]", "01", '"\\x"', "tru", "{} x", '"a\u0001"']) {
      expect(() => parseLenientJson(bad), bad).toThrow(LenientJsonError);
    }
    expect(() => parseLenientJson("[".repeat(10_000))).toThrow(LenientJsonError);
  });
});

describe("stringify", () => {
  const route = {
    queueDatas: [{ brokerName: "b", perm: 6 }],
    brokerDatas: [
      { brokerName: "b", brokerAddrs: intKeyed({ "1": "s:1", "0": "m:1" }), zoneName: undefined },
    ],
  };

  it("fastjson style: marked maps get bare integer keys, others stay quoted; nulls left out", () => {
    expect(stringifyFastjson(route)).toBe(
      '{"brokerDatas":[{"brokerAddrs":{0:"m:1",1:"s:1"},"brokerName":"b"}],"queueDatas":[{"brokerName":"b","perm":6}]}',
    );
    expect(stringifyFastjson({ topicConfigTable: { "123": 1 } })).toBe('{"topicConfigTable":{"123":1}}');
  });

  it("standard style: every key quoted, sorted, non-ASCII escaped", () => {
    expect(stringifyStandard(route)).toBe(
      '{"brokerDatas":[{"brokerAddrs":{"0":"m:1","1":"s:1"},"brokerName":"b"}],"queueDatas":[{"brokerName":"b","perm":6}]}',
    );
    expect(stringifyStandard({ t: "é" })).toBe('{"t":"\\u00e9"}');
    expect(JSON.parse(stringifyStandard(route))).toEqual(JSON.parse(JSON.stringify(route)));
  });
});
