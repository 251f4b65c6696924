import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { InvalidRequestError } from "../../lib/domain/errors";
import {
  DEFAULT_MAX_BODY_BYTES,
  maxBodyBytesFromEnv,
  parseJsonBody,
  readBodyBytes,
} from "../../lib/http/body";
import { PayloadTooLargeError, UnsupportedMediaTypeError } from "../../lib/http/errors";
import { httpEvent } from "../support/http-event";

const post = (headers: Record<string, string>, body: string, isBase64Encoded = false) =>
  httpEvent({ method: "POST", path: "/brokers/heartbeat", headers, body, isBase64Encoded });

describe("parseJsonBody: media types", () => {
  it("parses a JSON body with Content-Type application/json", () => {
    expect(parseJsonBody(post({ "content-type": "application/json" }, '{"a":1}'))).toEqual({ a: 1 });
  });

  it("accepts parameters and any header case: application/json; charset=UTF-8", () => {
    const event = post({ "Content-Type": "Application/JSON; charset=UTF-8" }, '{"a":1}');
    expect(parseJsonBody(event)).toEqual({ a: 1 });
  });

  it.each([
    ["text/plain"],
    ["application/x-www-form-urlencoded"],
    ["application/jsonx"],
    ["multipart/form-data"],
  ])("refuses Content-Type %s with 415", (contentType) => {
    expect(() => parseJsonBody(post({ "content-type": contentType }, '{"a":1}'))).toThrow(
      UnsupportedMediaTypeError,
    );
  });

  it("refuses a body without Content-Type with 415", () => {
    expect(() => parseJsonBody(post({}, '{"a":1}'))).toThrow(UnsupportedMediaTypeError);
  });

  it("refuses a charset other than UTF-8 with 415", () => {
    const event = post({ "content-type": "application/json; charset=iso-8859-1" }, '{"a":1}');
    expect(() => parseJsonBody(event)).toThrow(UnsupportedMediaTypeError);
  });

  it("refuses a Content-Encoding other than gzip with 415", () => {
    const event = post({ "content-type": "application/json", "content-encoding": "br" }, "AAAA", true);
    expect(() => parseJsonBody(event)).toThrow(UnsupportedMediaTypeError);
  });
});

describe("parseJsonBody: malformed bodies are 400", () => {
  it("refuses a missing body", () => {
    const event = httpEvent({ method: "POST", headers: { "content-type": "application/json" } });
    expect(() => parseJsonBody(event)).toThrow(InvalidRequestError);
  });

  it.each([["{"], ['{"a":}'], ["nul"], ["{'a':1}"]])("refuses malformed JSON %s", (body) => {
    expect(() => parseJsonBody(post({ "content-type": "application/json" }, body))).toThrow(/not valid JSON/);
  });

  it("refuses bytes that are not UTF-8", () => {
    const event = post(
      { "content-type": "application/json" },
      Buffer.from([0x22, 0xff, 0xfe, 0x22]).toString("base64"),
      true,
    );
    expect(() => parseJsonBody(event)).toThrow(/not valid UTF-8/);
  });

  it("refuses bogus gzip data with 400, not 500", () => {
    const event = post(
      { "content-type": "application/json", "content-encoding": "gzip" },
      Buffer.from("certainly not gzip").toString("base64"),
      true,
    );
    expect(() => parseJsonBody(event)).toThrow(InvalidRequestError);
  });

  it("refuses truncated gzip data with 400", () => {
    const gz = gzipSync(Buffer.from(JSON.stringify({ a: "x".repeat(1000) })));
    const event = post(
      { "content-type": "application/json", "content-encoding": "gzip" },
      gz.subarray(0, gz.length - 10).toString("base64"),
      true,
    );
    expect(() => parseJsonBody(event)).toThrow(InvalidRequestError);
  });
});

describe("parseJsonBody: base64 and gzip", () => {
  it("decodes an isBase64Encoded JSON body", () => {
    const event = post(
      { "content-type": "application/json" },
      Buffer.from('{"b":2}').toString("base64"),
      true,
    );
    expect(parseJsonBody(event)).toEqual({ b: 2 });
  });

  it("inflates a gzip body (Content-Encoding: gzip)", () => {
    const value = { topics: Array.from({ length: 100 }, (_, i) => `Topic${i}`) };
    const event = post(
      { "content-type": "application/json", "content-encoding": "gzip" },
      gzipSync(Buffer.from(JSON.stringify(value))).toString("base64"),
      true,
    );
    expect(parseJsonBody(event)).toEqual(value);
  });
});

describe("body limits", () => {
  it("defaults to 6 MiB and reads MAX_BODY_BYTES", () => {
    expect(maxBodyBytesFromEnv({})).toBe(6 * 1024 * 1024);
    expect(DEFAULT_MAX_BODY_BYTES).toBe(6 * 1024 * 1024);
    expect(maxBodyBytesFromEnv({ MAX_BODY_BYTES: "1024" })).toBe(1024);
  });

  it.each([["abc"], ["-1"], ["0"], ["1.5"]])("fails at cold start on MAX_BODY_BYTES=%s", (value) => {
    expect(() => maxBodyBytesFromEnv({ MAX_BODY_BYTES: value })).toThrow(/MAX_BODY_BYTES/);
  });

  it("accepts a body of exactly the limit and refuses one byte more with 413", () => {
    const exact = JSON.stringify({ v: "x".repeat(100 - 8) });
    expect(exact.length).toBe(100);
    expect(parseJsonBody(post({ "content-type": "application/json" }, exact), 100)).toEqual(
      JSON.parse(exact),
    );
    const over = JSON.stringify({ v: "x".repeat(101 - 8) });
    expect(() => parseJsonBody(post({ "content-type": "application/json" }, over), 100)).toThrow(
      PayloadTooLargeError,
    );
  });

  it("applies the limit after gunzip: a small gzip body that inflates past it is 413", () => {
    const big = JSON.stringify({ v: "a".repeat(10_000) });
    const event = post(
      { "content-type": "application/json", "content-encoding": "gzip" },
      gzipSync(Buffer.from(big)).toString("base64"),
      true,
    );
    expect(() => parseJsonBody(event, 5_000)).toThrow(PayloadTooLargeError);
    expect(parseJsonBody(event, 20_000)).toEqual(JSON.parse(big));
  });

  it("refuses a gzip bomb without inflating it whole", () => {
    // 1,024 concatenated gzip members of 1 MiB of zeros: about 1 MB that inflates to 1 GiB.
    const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
    const bomb = Buffer.concat(Array.from({ length: 1024 }, () => member));
    const event = post(
      { "content-type": "application/json", "content-encoding": "gzip" },
      bomb.toString("base64"),
      true,
    );
    const rssBefore = process.memoryUsage().rss;
    expect(() => readBodyBytes(event, 6 * 1024 * 1024)).toThrow(PayloadTooLargeError);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(256 * 1024 * 1024);
  });
});
