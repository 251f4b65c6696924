import { describe, expect, it } from "vitest";
import {
  addressSchema,
  isValidAddress,
  kvKeySchema,
  nameSchema,
  registerBrokerSchema,
  topicNameSchema,
} from "../../lib/domain/model";
import { request } from "../support/domain-factories";

const issuesOf = (result: { success: boolean; error?: { issues: Array<{ path: PropertyKey[] }> } }) =>
  result.error?.issues.map((i) => i.path.join(".")) ?? [];

describe("names (API.md: ^[%|a-zA-Z0-9_-]+$, at most 127)", () => {
  it("accepts RocketMQ names and refuses others", () => {
    for (const ok of ["DefaultCluster", "broker-a", "a|b", "%RETRY%g", "x".repeat(127)]) {
      expect(nameSchema.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["", "has space", "dot.name", "ünï", "x".repeat(128), "a/b"]) {
      expect(nameSchema.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("allows 255 characters only for %RETRY% and %DLQ% topics", () => {
    expect(topicNameSchema.safeParse(`%RETRY%${"g".repeat(248)}`).success).toBe(true);
    expect(topicNameSchema.safeParse(`%DLQ%${"g".repeat(250)}`).success).toBe(true);
    expect(topicNameSchema.safeParse(`%DLQ%${"g".repeat(251)}`).success).toBe(false);
    expect(topicNameSchema.safeParse("t".repeat(128)).success).toBe(false);
  });

  it("KV keys are 1 to 255 printable characters", () => {
    expect(kvKeySchema.safeParse("any key: with spaces/and.dots").success).toBe(true);
    expect(kvKeySchema.safeParse("").success).toBe(false);
    expect(kvKeySchema.safeParse("tab\there").success).toBe(false);
    expect(kvKeySchema.safeParse("k".repeat(256)).success).toBe(false);
  });
});

describe("addresses (host:port)", () => {
  it.each([
    ["10.0.0.1:10911", true],
    ["[::1]:10911", true],
    ["[2001:db8::1]:65535", true],
    ["broker-a.example.com:1", true],
    ["10.0.0.1:0", false],
    ["10.0.0.1:65536", false],
    ["10.0.0.256:10911", false],
    ["10.0.0.1", false],
    [":10911", false],
    ["::1:10911", false],
    ["host name:10911", false],
    ["10.0.0.1:10911x", false],
    ["[::]:1", true],
    ["[1:2:3:4:5:6:7:8]:1", true],
    ["[::ffff:10.0.0.1]:10911", true],
    ["[fe80::1:2]:10911", true],
    ["[:::]:1", false],
    ["[::::]:1", false],
    ["[1::2::3]:1", false],
    ["[1:2:3:4:5:6:7:8:9]:1", false],
    ["[1:2:3:4:5:6:7]:1", false],
    ["[12345::1]:1", false],
    ["[::g]:1", false],
    ["[::1.2.3]:1", false],
    ["[.]:1", false],
    ["[::1:10911", false],
    ["[fe80::1%eth0]:1", false],
  ])("%s → %s", (addr, valid) => {
    expect(isValidAddress(addr)).toBe(valid);
    expect(addressSchema.safeParse(addr).success).toBe(valid);
  });
});

describe("registration body", () => {
  it("applies RocketMQ's defaults", () => {
    const parsed = registerBrokerSchema.parse({
      clusterName: "c",
      brokerName: "b",
      brokerId: 0,
      brokerAddr: "10.0.0.1:10911",
      dataVersion: { timestamp: 1, counter: 0 },
    });
    expect(parsed.heartbeatTimeoutMillis).toBe(120_000);
    expect(parsed.enableActingMaster).toBe(false);
    expect(parsed.dataVersion.stateVersion).toBe(0);
  });

  it("names each invalid field by its path", () => {
    const result = registerBrokerSchema.safeParse({
      ...request(),
      brokerId: -1,
      heartbeatTimeoutMillis: 999,
      topicConfigTable: { TopicA: { perm: 8, readQueueNums: 1025, writeQueueNums: 1.5 } },
    });
    expect(issuesOf(result).sort()).toEqual(
      [
        "brokerId",
        "heartbeatTimeoutMillis",
        "topicConfigTable.TopicA.perm",
        "topicConfigTable.TopicA.readQueueNums",
        "topicConfigTable.TopicA.writeQueueNums",
      ].sort(),
    );
  });

  it("refuses a topic whose topicName differs from its key, and invalid topic keys", () => {
    expect(
      issuesOf(registerBrokerSchema.safeParse({ ...request(), topicConfigTable: { A: { topicName: "B" } } })),
    ).toEqual(["topicConfigTable.A.topicName"]);
    expect(
      registerBrokerSchema.safeParse({ ...request(), topicConfigTable: { "bad topic": {} } }).success,
    ).toBe(false);
  });

  it("bounds heartbeatTimeoutMillis to 1000..3600000", () => {
    expect(registerBrokerSchema.safeParse({ ...request(), heartbeatTimeoutMillis: 3_600_001 }).success).toBe(
      false,
    );
    expect(registerBrokerSchema.safeParse({ ...request(), heartbeatTimeoutMillis: 1000 }).success).toBe(true);
  });
});

describe("__proto__", () => {
  it("is refused as a topic, name or KV key instead of being silently dropped", () => {
    const body = JSON.parse('{"__proto__": {"perm": 6}}');
    const result = registerBrokerSchema.safeParse({ ...request(), topicConfigTable: body });
    expect(result.success).toBe(false);
    expect(nameSchema.safeParse("__proto__").success).toBe(false);
    expect(kvKeySchema.safeParse("__proto__").success).toBe(false);
    expect(topicNameSchema.safeParse("constructor").success).toBe(true);
  });
});

describe("KV text", () => {
  it("refuses lone surrogates in keys and values, accepts any other Unicode", async () => {
    const { kvPutSchema } = await import("../../lib/domain/model");
    expect(kvPutSchema.safeParse({ value: "ok 🙂 ünï" }).success).toBe(true);
    expect(kvPutSchema.safeParse({ value: "bad \uD800 here" }).success).toBe(false);
    expect(kvPutSchema.safeParse({ value: "bad \uDC00" }).success).toBe(false);
    expect(kvKeySchema.safeParse("key\uDBFF").success).toBe(false);
    expect(kvKeySchema.safeParse("key 🙂").success).toBe(true);
  });
});

describe("limits that bound cost", () => {
  it("a registration lists at most MAX_TOPICS_PER_REGISTRATION topics", async () => {
    const { MAX_TOPICS_PER_REGISTRATION } = await import("../../lib/domain/model");
    const table = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`T${i}`, {}]));
    expect(
      registerBrokerSchema.safeParse({ ...request(), topicConfigTable: table(MAX_TOPICS_PER_REGISTRATION) })
        .success,
    ).toBe(true);
    const over = registerBrokerSchema.safeParse({
      ...request(),
      topicConfigTable: table(MAX_TOPICS_PER_REGISTRATION + 1),
    });
    expect(issuesOf(over)).toEqual(["topicConfigTable"]);
  });

  it("a broker lists at most 64 filter servers", () => {
    const servers = Array.from({ length: 65 }, (_, i) => `10.0.0.1:${30000 + i}`);
    expect(issuesOf(registerBrokerSchema.safeParse({ ...request(), filterServerList: servers }))).toEqual([
      "filterServerList",
    ]);
  });
});
