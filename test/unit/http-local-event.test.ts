import type { ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import {
  type IncomingRequest,
  requestTime,
  splitTarget,
  toApiGatewayEvent,
  writeResult,
} from "../../lib/local/event";

function request(overrides: Partial<IncomingRequest> = {}): IncomingRequest {
  return {
    method: "GET",
    target: "/topics/%25RETRY%25group-a/route?zone=az-1",
    rawHeaders: ["Host", "127.0.0.1:9876", "User-Agent", "probe/1", "Accept", "a", "accept", "b"],
    body: Buffer.alloc(0),
    sourceIp: "127.0.0.1",
    protocol: "HTTP/1.1",
    timeEpoch: 1_783_711_145_766,
    requestId: "req-1",
    ...overrides,
  };
}

describe("toApiGatewayEvent: the payload 2.0 event API Gateway would send", () => {
  const selection = { routeKey: "GET /topics/{topic}/route", pathParameters: { topic: "%RETRY%group-a" } };

  it("has the route key, the decoded path and path parameters, and the raw query string", () => {
    const event = toApiGatewayEvent(request(), "/topics/%RETRY%group-a/route", selection);
    expect(event.version).toBe("2.0");
    expect(event.routeKey).toBe("GET /topics/{topic}/route");
    expect(event.rawPath).toBe("/topics/%RETRY%group-a/route");
    expect(event.rawQueryString).toBe("zone=az-1");
    expect(event.queryStringParameters).toEqual({ zone: "az-1" });
    expect(event.pathParameters).toEqual({ topic: "%RETRY%group-a" });
    expect(event.requestContext).toMatchObject({
      routeKey: "GET /topics/{topic}/route",
      stage: "$default",
      requestId: "req-1",
      timeEpoch: 1_783_711_145_766,
      time: "10/Jul/2026:19:19:05 +0000",
      http: {
        method: "GET",
        path: "/topics/%RETRY%group-a/route",
        protocol: "HTTP/1.1",
        sourceIp: "127.0.0.1",
        userAgent: "probe/1",
      },
    });
    expect(event.isBase64Encoded).toBe(false);
    expect(event.body).toBeUndefined();
  });

  it("lower-cases header names, joins repeated headers with a comma and moves cookies out", () => {
    const event = toApiGatewayEvent(
      request({ rawHeaders: ["Host", "h", "Accept", "a", "ACCEPT", "b", "Cookie", "s=1; t=2"] }),
      "/x",
      { routeKey: "$default" },
    );
    expect(event.headers.accept).toBe("a,b");
    expect(event.headers.host).toBe("h");
    expect(event.headers.cookie).toBeUndefined();
    expect(event.cookies).toEqual(["s=1", "t=2"]);
    expect(event.pathParameters).toBeUndefined();
  });

  it("decodes query parameters and joins repeated ones with a comma", () => {
    const event = toApiGatewayEvent(request({ target: "/topics?a=1&a=2&b=x%2By&c=x+y&d=" }), "/topics", {
      routeKey: "GET /topics",
    });
    expect(event.queryStringParameters).toEqual({ a: "1,2", b: "x+y", c: "x y", d: "" });
    expect(event.rawQueryString).toBe("a=1&a=2&b=x%2By&c=x+y&d=");
  });

  it("omits queryStringParameters without a query", () => {
    const event = toApiGatewayEvent(request({ target: "/topics" }), "/topics", { routeKey: "GET /topics" });
    expect(event.queryStringParameters).toBeUndefined();
    expect(event.rawQueryString).toBe("");
  });

  it("hands JSON bodies over as text and gzip or binary bodies base64-encoded", () => {
    const json = toApiGatewayEvent(
      request({
        method: "POST",
        rawHeaders: ["Content-Type", "application/json"],
        body: Buffer.from('{"a":1}'),
      }),
      "/brokers/heartbeat",
      { routeKey: "POST /brokers/heartbeat" },
    );
    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const gz = Buffer.from([0x1f, 0x8b, 0x08, 0x00]);
    const gzip = toApiGatewayEvent(
      request({
        method: "POST",
        rawHeaders: ["Content-Type", "application/json", "Content-Encoding", "gzip"],
        body: gz,
      }),
      "/brokers/heartbeat",
      { routeKey: "POST /brokers/heartbeat" },
    );
    expect(gzip).toMatchObject({ body: gz.toString("base64"), isBase64Encoded: true });
  });

  it("splits absolute-form targets and drops fragments", () => {
    expect(splitTarget("http://h:1/a/b?x=1")).toEqual({ encodedPath: "/a/b", rawQueryString: "x=1" });
    expect(splitTarget("/a#frag")).toEqual({ encodedPath: "/a", rawQueryString: "" });
  });

  it("formats requestContext.time like API Gateway", () => {
    expect(requestTime(Date.UTC(2026, 0, 2, 3, 4, 5))).toBe("02/Jan/2026:03:04:05 +0000");
  });
});

describe("writeResult", () => {
  function fakeResponse() {
    const written: { status?: number; headers: Record<string, unknown>; body?: Buffer } = { headers: {} };
    const response = {
      setHeader: (name: string, value: unknown) => {
        written.headers[name.toLowerCase()] = value;
      },
      writeHead: (status: number, headers?: Record<string, unknown>) => {
        written.status = status;
        for (const [name, value] of Object.entries(headers ?? {}))
          written.headers[name.toLowerCase()] = value;
      },
      end: (body?: Buffer) => {
        written.body = body;
      },
    };
    return { response: response as unknown as ServerResponse, written };
  }

  it("writes status, headers and body of a structured result", () => {
    const { response, written } = fakeResponse();
    writeResult(response, { statusCode: 201, headers: { ETag: '"x"' }, body: '{"a":1}' });
    expect(written.status).toBe(201);
    expect(written.headers.etag).toBe('"x"');
    expect(written.body?.toString()).toBe('{"a":1}');
    expect(written.headers["content-length"]).toBe(7);
  });

  it("writes no body for a 304", () => {
    const { response, written } = fakeResponse();
    writeResult(response, { statusCode: 304, headers: { ETag: '"x"' } });
    expect(written.status).toBe(304);
    expect(written.body).toBeUndefined();
  });

  it("decodes base64 bodies", () => {
    const { response, written } = fakeResponse();
    writeResult(response, {
      statusCode: 200,
      body: Buffer.from("hi").toString("base64"),
      isBase64Encoded: true,
    });
    expect(written.body?.toString()).toBe("hi");
  });
});
