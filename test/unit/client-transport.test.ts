import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  NameServerRequestError,
  NameServerUnreachableError,
  parseRetryAfter,
  pathOf,
  regionFromUrl,
  signingServiceOf,
  signRequest,
  Transport,
} from "../../lib/client/transport";

/** AWS's published SigV4 test suite credentials. */
const EXAMPLE_CREDENTIALS = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

interface Captured {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Uint8Array | string | undefined;
}

/** A fetch that records the request and answers with the given response. */
function recordingFetch(respond: () => Response): { fetch: typeof fetch; requests: Captured[] } {
  const requests: Captured[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit) => {
    requests.push({
      url: String(input),
      method: init?.method ?? "GET",
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: init?.body as Uint8Array | string | undefined,
    });
    return respond();
  };
  return { fetch: fake as typeof fetch, requests };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

describe("signRequest (SigV4)", () => {
  it("reproduces AWS's get-vanilla test vector", async () => {
    const headers = await signRequest(
      { method: "GET", url: new URL("https://example.amazonaws.com/"), headers: {} },
      {
        credentials: EXAMPLE_CREDENTIALS,
        region: "us-east-1",
        service: "service",
        signingDate: new Date("2015-08-30T12:36:00Z"),
        applyChecksum: false,
      },
    );

    expect(headers.authorization).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        "SignedHeaders=host;x-amz-date, " +
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
    expect(headers["x-amz-date"]).toBe("20150830T123600Z");
    expect(headers).not.toHaveProperty("host");
  });

  it("adds the session token of temporary credentials", async () => {
    const headers = await signRequest(
      { method: "GET", url: new URL("https://example.amazonaws.com/"), headers: {} },
      {
        credentials: { ...EXAMPLE_CREDENTIALS, sessionToken: "SESSION" },
        region: "us-east-1",
        service: "service",
        signingDate: new Date("2015-08-30T12:36:00Z"),
      },
    );

    expect(headers["x-amz-security-token"]).toBe("SESSION");
    expect(headers.authorization).toContain("x-amz-security-token");
  });
});

describe("Transport", () => {
  it("signs for execute-api in the region of the URL", async () => {
    const { fetch, requests } = recordingFetch(() => json(200, { topicList: [] }));
    const transport = new Transport({ auth: { kind: "sigv4", credentials: EXAMPLE_CREDENTIALS }, fetch });

    await transport.request("https://abc123.execute-api.eu-west-1.amazonaws.com/prod", {
      method: "GET",
      path: "/topics",
    });

    const sent = requests[0];
    expect(sent?.url).toBe("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/topics");
    expect(sent?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host/,
    );
  });

  it("refuses to sign when the region cannot be told", async () => {
    const { fetch } = recordingFetch(() => json(200, {}));
    const transport = new Transport({ auth: { kind: "sigv4", credentials: EXAMPLE_CREDENTIALS }, fetch });

    await expect(
      transport.request("https://registry.example.com", { method: "GET", path: "/topics" }),
    ).rejects.toThrow(/--region/);
  });

  it("sends a bearer token", async () => {
    const { fetch, requests } = recordingFetch(() => json(200, {}));
    const transport = new Transport({ auth: { kind: "bearer", token: "s3cret" }, fetch });

    await transport.request("http://127.0.0.1:9876", { method: "GET", path: "/clusters" });

    expect(requests[0]?.headers.authorization).toBe("Bearer s3cret");
  });

  it("gzips bodies above the threshold and leaves small ones alone", async () => {
    const { fetch, requests } = recordingFetch(() => json(200, {}));
    const transport = new Transport({ fetch, gzipThresholdBytes: 100 });
    const large = { topics: "x".repeat(500) };

    await transport.request("http://127.0.0.1:9876", {
      method: "POST",
      path: "/brokers/heartbeat",
      body: { a: 1 },
    });
    await transport.request("http://127.0.0.1:9876", {
      method: "POST",
      path: "/brokers/heartbeat",
      body: large,
    });

    expect(requests[0]?.headers["content-encoding"]).toBeUndefined();
    expect(requests[0]?.body).toBe('{"a":1}');
    expect(requests[1]?.headers["content-encoding"]).toBe("gzip");
    expect(JSON.parse(gunzipSync(requests[1]?.body as Uint8Array).toString("utf8"))).toEqual(large);
  });

  it("keeps a base URL's path and percent-encoded segments", async () => {
    const { fetch, requests } = recordingFetch(() => json(200, {}));
    const transport = new Transport({ fetch });

    await transport.request("http://127.0.0.1:9876/stage/", {
      method: "GET",
      path: pathOf("topics", "%RETRY%group-a", "route"),
      query: { zone: "az-1", other: undefined },
    });

    expect(requests[0]?.url).toBe("http://127.0.0.1:9876/stage/topics/%25RETRY%25group-a/route?zone=az-1");
  });

  it("turns an error body into a NameServerRequestError with its code, details and Retry-After", async () => {
    const { fetch } = recordingFetch(() =>
      json(
        503,
        { error: { code: "SERVICE_UNAVAILABLE", message: "busy", details: [{ field: "x", message: "y" }] } },
        { "retry-after": "3" },
      ),
    );
    const transport = new Transport({ fetch });

    const error = await transport
      .request("http://127.0.0.1:9876", { method: "GET", path: "/topics" })
      .catch((e) => e);

    expect(error).toBeInstanceOf(NameServerRequestError);
    expect(error).toMatchObject({
      status: 503,
      code: "SERVICE_UNAVAILABLE",
      message: "busy",
      details: [{ field: "x", message: "y" }],
      retryAfterMillis: 3000,
    });
  });

  it("returns a 304 without a body", async () => {
    const { fetch } = recordingFetch(() => new Response(null, { status: 304, headers: { etag: '"abc"' } }));
    const transport = new Transport({ fetch });

    const response = await transport.request("http://127.0.0.1:9876", {
      method: "GET",
      path: "/topics/T/route",
    });

    expect(response.status).toBe(304);
    expect(response.body).toBeUndefined();
    expect(response.headers.get("etag")).toBe('"abc"');
  });

  it("reports a network failure as unreachable", async () => {
    const failing = (async () => {
      throw new TypeError("fetch failed");
    }) as typeof fetch;
    const transport = new Transport({ fetch: failing });

    const error = await transport
      .request("http://127.0.0.1:9", { method: "GET", path: "/topics" })
      .catch((e) => e);

    expect(error).toBeInstanceOf(NameServerUnreachableError);
    expect(error).toMatchObject({ reason: "network", url: "http://127.0.0.1:9" });
  });

  it("reports a timeout as such", async () => {
    const slow = ((_: unknown, init?: RequestInit) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as typeof fetch;
    const transport = new Transport({ fetch: slow, timeoutMillis: 20 });

    const error = await transport
      .request("http://127.0.0.1:9876", { method: "GET", path: "/topics" })
      .catch((e) => e);

    expect(error).toBeInstanceOf(NameServerUnreachableError);
    expect(error).toMatchObject({ reason: "timeout" });
  });
});

describe("transport helpers", () => {
  it("reads the region of an API Gateway URL", () => {
    expect(regionFromUrl("https://abc.execute-api.ap-southeast-2.amazonaws.com/prod")).toBe("ap-southeast-2");
    expect(regionFromUrl("https://abc.execute-api.cn-north-1.amazonaws.com.cn/prod")).toBe("cn-north-1");
    expect(regionFromUrl("http://127.0.0.1:9876")).toBeUndefined();
    expect(regionFromUrl("not a url")).toBeUndefined();
  });

  it("signs for a Lambda function URL (the stack's functionUrl) as service lambda in its region", () => {
    expect(regionFromUrl("https://abcdefghij.lambda-url.eu-west-1.on.aws")).toBe("eu-west-1");
    expect(signingServiceOf("https://abcdefghij.lambda-url.eu-west-1.on.aws/")).toBe("lambda");
    expect(signingServiceOf("https://abc.execute-api.eu-west-1.amazonaws.com")).toBe("execute-api");
  });

  it("parses Retry-After as seconds or as a date", () => {
    const now = Date.parse("2025-01-01T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 01 Jan 2025 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});
