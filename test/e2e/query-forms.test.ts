/**
 * End to end over the local server: the query forms and POST /routes (API.md "Version 2 additions")
 * for the names a path cannot carry on API Gateway, through raw HTTP, the typed client and RouteClient.
 */
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { RouteClient } from "../../lib/client/route-client";
import { Transport } from "../../lib/client/transport";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry, topicConfig } from "../support/e2e";

const TOPICS = ["%RETRY%group-a", "%DLQ%group-a", "unit|sub", "TopicTest"];
let registry: LocalRegistry;
let api: Client;
const requests: string[] = [];
let typed: NameServerClient;

beforeAll(async () => {
  registry = await startE2eRegistry("queryforms");
  api = client(registry.url);
  const recording: typeof fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    requests.push(`${init?.method ?? "GET"} ${url.pathname}${url.search}`);
    return fetch(input, init);
  };
  typed = new NameServerClient(registry.url, new Transport({ fetch: recording }));
  const topicConfigTable = Object.fromEntries(TOPICS.map((t) => [t, topicConfig(t)]));
  expect((await api.post("/brokers/heartbeat", registration({ topicConfigTable }))).status).toBe(200);
});
afterAll(async () => {
  await registry?.stop();
});

describe("GET /route?topic=", () => {
  it.each(TOPICS)("answers %s exactly as the path form, ETag and 304 included", async (topic) => {
    const viaQuery = await api.get(`/route?topic=${encodeURIComponent(topic)}`);
    const viaPath = await api.get(`/topics/${encodeURIComponent(topic)}/route`);
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.text).toBe(viaPath.text);
    expect(viaQuery.headers.get("etag")).toBe(viaPath.headers.get("etag"));
    expect(viaQuery.body.queueDatas[0].brokerName).toBe("broker-a");
    const again = await api.get(`/route?topic=${encodeURIComponent(topic)}`, {
      headers: { "if-none-match": viaQuery.headers.get("etag") ?? "" },
    });
    expect(again.status).toBe(304);
  });

  it("the typed client asks through the query form", async () => {
    requests.length = 0;
    const answer = await typed.getRouteInfoByTopic("%RETRY%group-a");
    expect(answer.notModified).toBe(false);
    expect(requests).toEqual(["GET /route?topic=%25RETRY%25group-a"]);
  });
});

describe("/kv?namespace=&key= through the typed client", () => {
  const KEYS = ["a/b/c", "100%", "50%25off", "with space", "plus+sign", "ключ/値 ✓ 🚀"];

  it("puts, gets, lists and deletes keys a path cannot carry", async () => {
    for (const [i, key] of KEYS.entries()) await typed.putKvConfig("qf_ns", key, `v${i}`);
    for (const [i, key] of KEYS.entries()) expect(await typed.getKvConfig("qf_ns", key)).toBe(`v${i}`);
    expect(await typed.getKvList("qf_ns")).toEqual(Object.fromEntries(KEYS.map((k, i) => [k, `v${i}`])));
    // The same item through the path form, for a key a path can carry.
    expect((await api.get("/kv/qf_ns/with%20space")).body).toEqual({ value: "v3" });
    await typed.deleteKvConfig("qf_ns", "a/b/c");
    const gone = await api.get(`/kv?namespace=qf_ns&key=${encodeURIComponent("a/b/c")}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe("No config item, Namespace: qf_ns Key: a/b/c");
  });
});

describe("POST /routes", () => {
  it("answers every topic as GET /route does, gzip-encoded when accepted", async () => {
    const single = await api.get("/route?topic=%25RETRY%25group-a");
    const response = await fetch(`${registry.url}/routes`, {
      method: "POST",
      headers: { "content-type": "application/json", "accept-encoding": "gzip" },
      body: JSON.stringify({ topics: [...TOPICS, "Gone"] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBe("gzip");
    // fetch decompresses; the wire bytes were gzip (checked again by hand below).
    const body = (await response.json()) as {
      routes: Record<string, unknown>;
      etags: Record<string, string>;
      missing: string[];
    };
    expect(Object.keys(body.routes).sort()).toEqual([...TOPICS].sort());
    expect(body.routes["%RETRY%group-a"]).toEqual(single.body);
    expect(body.etags["%RETRY%group-a"]).toBe(single.headers.get("etag"));
    expect(body.missing).toEqual(["Gone"]);

    const raw = await new Promise<Buffer>((resolve, reject) => {
      import("node:http").then(({ request }) => {
        const req = request(
          `${registry.url}/routes`,
          { method: "POST", headers: { "content-type": "application/json", "accept-encoding": "gzip" } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () => resolve(Buffer.concat(chunks)));
          },
        );
        req.on("error", reject);
        req.end(JSON.stringify({ topics: ["TopicTest"] }));
      }, reject);
    });
    expect(JSON.parse(gunzipSync(raw).toString("utf8")).routes.TopicTest).toBeDefined();
  });

  it("a bad batch is a 400 naming the field", async () => {
    const response = await api.post("/routes", { topics: ["A", "not a topic"] });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].field).toBe("topics.1");
  });

  it("a topic named twice in a batch is answered once", async () => {
    const response = await api.post("/routes", { topics: ["Gone", "Gone"] });
    expect(response.status).toBe(200);
    expect(response.body.missing).toEqual(["Gone"]);
  });

  it("RouteClient refreshes its whole topic set with one POST /routes per poll", async () => {
    const transport = new Transport({
      fetch: (input, init) => {
        const url = new URL(input instanceof Request ? input.url : String(input));
        requests.push(`${init?.method ?? "GET"} ${url.pathname}`);
        return fetch(input, init);
      },
    });
    const routes = new RouteClient({ nameServers: [registry.url], transport });
    for (const topic of TOPICS) await routes.getRoute(topic);
    requests.length = 0;
    const changes: string[] = [];
    routes.on("routeChanged", ({ topic }) => changes.push(topic));
    await routes.refreshAll();
    expect(requests).toEqual(["POST /routes"]);
    expect(changes).toEqual([]);

    // A deleted topic disappears from the client on the next poll.
    await typed.deleteTopic("%DLQ%group-a");
    const removed: string[] = [];
    routes.on("routeRemoved", ({ topic }) => removed.push(topic));
    requests.length = 0;
    await routes.refreshAll();
    expect(requests).toEqual(["POST /routes"]);
    expect(removed).toEqual(["%DLQ%group-a"]);
    expect(routes.topics().sort()).toEqual(TOPICS.filter((t) => t !== "%DLQ%group-a").sort());
  });
});
