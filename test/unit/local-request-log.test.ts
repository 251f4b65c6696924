import { describe, expect, it } from "vitest";
import { parseLocalConfig } from "../../lib/local/config";
import {
  formatRequestJson,
  formatRequestLine,
  subjectOfHttp,
  subjectOfRemoting,
} from "../../lib/local/request-log";

const time = Date.UTC(2026, 0, 2, 10, 2, 15, 123);

describe("npm start's request lines", () => {
  it("say when, what, how it ended, how long it took and which broker or topic", () => {
    expect(
      formatRequestLine({
        time,
        protocol: "http",
        method: "GET",
        path: "/topics/TopicTest/route",
        status: 200,
        durationMs: 4.4,
        topic: "TopicTest",
      }),
    ).toBe("10:02:15.123 GET /topics/TopicTest/route 200 4 ms topic=TopicTest");
    expect(
      formatRequestLine({
        time,
        protocol: "remoting",
        method: "REGISTER_BROKER",
        status: "SUCCESS",
        durationMs: 12.6,
        broker: "broker-a",
      }),
    ).toBe("10:02:15.123 remoting REGISTER_BROKER SUCCESS 13 ms broker=broker-a");
  });

  it("are one JSON object each with LOG_FORMAT=json", () => {
    const line = formatRequestJson({
      time,
      protocol: "http",
      method: "HEAD",
      path: "/health",
      status: 200,
      durationMs: 1.26,
    });
    expect(JSON.parse(line)).toEqual({
      time: "2026-01-02T10:02:15.123Z",
      level: "INFO",
      message: "request",
      protocol: "http",
      method: "HEAD",
      path: "/health",
      status: 200,
      durationMs: 1.3,
    });
  });

  it("find the broker and topic in the path, the query, or the start of a JSON body", () => {
    expect(subjectOfHttp({ topic: "T" }, new URLSearchParams(), undefined)).toEqual({ topic: "T" });
    expect(subjectOfHttp({}, new URLSearchParams("topic=%25RETRY%25g"), undefined)).toEqual({
      topic: "%RETRY%g",
    });
    const heartbeat = Buffer.from(JSON.stringify({ clusterName: "C", brokerName: "broker-b", brokerId: 0 }));
    expect(subjectOfHttp({}, new URLSearchParams(), heartbeat)).toEqual({ broker: "broker-b" });
    expect(subjectOfHttp({ brokerName: "b1" }, new URLSearchParams(), undefined)).toEqual({ broker: "b1" });
    expect(subjectOfHttp({}, new URLSearchParams(), Buffer.from("not json"))).toEqual({});
    expect(subjectOfRemoting({ brokerName: "broker-a", topic: "T" })).toEqual({
      broker: "broker-a",
      topic: "T",
    });
  });

  it("LOG_FORMAT is human (default) or json, anything else is refused by name", () => {
    const human = parseLocalConfig({});
    expect(human.ok && human.config.logFormat).toBe("human");
    const json = parseLocalConfig({ LOG_FORMAT: "json" });
    expect(json.ok && json.config.logFormat).toBe("json");
    const bad = parseLocalConfig({ LOG_FORMAT: "xml" });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors.join()).toMatch(/LOG_FORMAT must be human or json, got "xml"/);
  });
});
