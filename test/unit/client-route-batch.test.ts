/**
 * RouteClient's poll: one POST /routes for the whole topic set with the ETags it holds; against a
 * registry without POST /routes (404 NOT_FOUND), one GET /route?topic= per topic, as RocketMQ's
 * clients do. A fake fetch stands in for the NameServer.
 */
import { describe, expect, it } from "vitest";
import { RouteClient } from "../../lib/client/route-client";
import { Transport } from "../../lib/client/transport";
import type { TopicRouteData } from "../../lib/domain/model";

const route = (brokerName: string): TopicRouteData => ({
  queueDatas: [{ brokerName, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
  brokerDatas: [
    { cluster: "C", brokerName, brokerAddrs: { "0": "10.0.0.1:10911" }, enableActingMaster: false },
  ],
  filterServerTable: {},
});
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

function fakeRegistry(options: { batch: boolean }) {
  const sent: Array<{ method: string; path: string; body?: unknown }> = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    sent.push({ method, path: `${url.pathname}${url.search}`, body });
    if (method === "POST" && url.pathname === "/routes") {
      if (!options.batch) return json(404, { error: { code: "NOT_FOUND", message: "No route" } });
      const known = (body?.known ?? {}) as Record<string, string>;
      return json(200, {
        routes: known.A === '"a1"' ? { B: route("b2") } : { A: route("a"), B: route("b2") },
        etags: known.A === '"a1"' ? { B: '"b2"' } : { A: '"a1"', B: '"b2"' },
        unchanged: known.A === '"a1"' ? ["A"] : [],
        missing: ["Gone"],
      });
    }
    const topic = url.searchParams.get("topic") ?? "";
    if (topic === "Gone") return json(404, { error: { code: "TOPIC_NOT_EXIST", message: "no route" } });
    return json(200, route(topic === "A" ? "a" : "b"), { etag: `"${topic.toLowerCase()}1"` });
  }) as typeof fetch;
  return { transport: new Transport({ fetch: fetchImpl }), sent };
}

describe("RouteClient refresh", () => {
  it("refreshes every topic with one POST /routes carrying the ETags it holds", async () => {
    const { transport, sent } = fakeRegistry({ batch: true });
    const client = new RouteClient({ nameServers: ["http://ns"], transport, zone: "az-1" });
    await client.getRoute("A");
    await client.getRoute("B");
    await client.getRoute("Gone").catch(() => undefined);
    expect(sent.map((s) => s.path)).toEqual([
      "/route?topic=A&zone=az-1",
      "/route?topic=B&zone=az-1",
      "/route?topic=Gone&zone=az-1",
    ]);
    sent.length = 0;
    const changed: string[] = [];
    client.on("routeChanged", ({ topic }) => changed.push(topic));
    await client.refreshAll();
    expect(sent).toEqual([
      {
        method: "POST",
        path: "/routes",
        body: { topics: ["A", "B"], zone: "az-1", known: { A: '"a1"', B: '"b1"' } },
      },
    ]);
    expect(changed).toEqual(["B"]);
    expect(client.cachedRoute("B")?.queueDatas[0]?.brokerName).toBe("b2");
  });

  it("falls back to one GET /route per topic when the registry has no POST /routes", async () => {
    const { transport, sent } = fakeRegistry({ batch: false });
    const client = new RouteClient({ nameServers: ["http://ns"], transport });
    await client.getRoute("A");
    await client.getRoute("B");
    sent.length = 0;
    await client.refreshAll();
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual([
      "POST /routes",
      "GET /route?topic=A",
      "GET /route?topic=B",
    ]);
    sent.length = 0;
    await client.refreshAll();
    expect(sent.map((s) => `${s.method} ${s.path}`)).toEqual(["GET /route?topic=A", "GET /route?topic=B"]);
  });
});
