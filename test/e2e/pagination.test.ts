/**
 * End to end: listings in pages (lib/http/pagination.ts), with a small LIST_PAGE_BYTES so that a few
 * brokers fill several pages. Every page fits the budget, the pages together are the whole listing
 * exactly once, the typed client follows the cursor, and a cursor the API did not give is a 400.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import type { LocalRegistry } from "../../lib/local/registry";
import { type Client, client, registration, startE2eRegistry, topicConfig } from "../support/e2e";

const PAGE_BYTES = 512;
let registry: LocalRegistry;
let api: Client;
const topics = Array.from({ length: 120 }, (_, i) => `PageTopic-${String(i).padStart(3, "0")}`);

beforeAll(async () => {
  registry = await startE2eRegistry("pages", { env: { LIST_PAGE_BYTES: String(PAGE_BYTES) } });
  api = client(registry.url);
  for (let b = 0; b < 6; b++) {
    const mine = topics.filter((_, i) => i % 6 === b);
    const answer = await api.post(
      "/brokers/heartbeat",
      registration({
        clusterName: b < 3 ? "PageClusterA" : "PageClusterB",
        brokerName: `page-broker-${b}`,
        brokerAddr: `10.77.0.${b + 1}:10911`,
        topicConfigTable: Object.fromEntries(mine.map((t) => [t, topicConfig(t)])),
      }),
    );
    expect(answer.status).toBe(200);
  }
  for (let k = 0; k < 40; k++) {
    expect(
      (await api.put(`/kv/PageNs/key-${String(k).padStart(2, "0")}`, { value: "v".repeat(30) })).status,
    ).toBe(200);
  }
});
afterAll(async () => {
  await registry?.stop();
});

/** Every page of a listing, by following nextCursor. */
async function pages(path: string): Promise<Array<Record<string, unknown>>> {
  const out: Array<Record<string, unknown>> = [];
  let cursor: string | undefined;
  for (let i = 0; i < 1000; i++) {
    const answer = await api.get(
      cursor === undefined ? path : `${path}?cursor=${encodeURIComponent(cursor)}`,
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text.length).toBeLessThanOrEqual(PAGE_BYTES + 400);
    out.push(answer.body);
    cursor = answer.body.nextCursor;
    if (cursor === undefined) return out;
  }
  throw new Error("never ended");
}

describe("listings in pages", () => {
  it("GET /topics: several pages, together every topic exactly once, in order", async () => {
    const all = await pages("/topics");
    expect(all.length).toBeGreaterThan(3);
    expect(all.flatMap((p) => p.topicList as string[])).toEqual(topics);
  });

  it("GET /clusters/{c}/topics and GET /clusters page too, and merge back to the whole", async () => {
    const a = (await pages("/clusters/PageClusterA/topics")).flatMap((p) => p.topicList as string[]);
    expect(a).toEqual(topics.filter((_, i) => i % 6 < 3));
    const clusterPages = await pages("/clusters");
    expect(clusterPages.length).toBeGreaterThan(1);
    const names = clusterPages.flatMap((p) => Object.keys(p.brokerAddrTable as object));
    expect(names).toEqual(Array.from({ length: 6 }, (_, b) => `page-broker-${b}`));
  });

  it("GET /kv/{namespace} pages its keys", async () => {
    const kvPages = await pages("/kv/PageNs");
    expect(kvPages.length).toBeGreaterThan(1);
    const keys = kvPages.flatMap((p) => Object.keys(p.table as object));
    expect(keys).toEqual(Array.from({ length: 40 }, (_, k) => `key-${String(k).padStart(2, "0")}`));
  });

  it("the typed client follows the cursor: the same answers as one big page", async () => {
    const typed = new NameServerClient(registry.url, new Transport());
    expect(await typed.getAllTopicList()).toEqual(topics);
    expect(await typed.getTopicsByCluster("PageClusterB")).toEqual(topics.filter((_, i) => i % 6 >= 3));
    const info = await typed.getBrokerClusterInfo();
    expect(Object.keys(info.brokerAddrTable)).toHaveLength(6);
    expect(info.clusterAddrTable).toEqual({
      PageClusterA: ["page-broker-0", "page-broker-1", "page-broker-2"],
      PageClusterB: ["page-broker-3", "page-broker-4", "page-broker-5"],
    });
    expect(Object.keys(await typed.getKvList("PageNs"))).toHaveLength(40);
  });

  it.each(["garbage", "c1.", "c1.%%%", "c1.a=b", "x".repeat(3000)])(
    "refuses the cursor %s with a 400",
    async (cursor) => {
      const answer = await api.get(`/topics?cursor=${encodeURIComponent(cursor)}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error.details[0].field).toBe("query.cursor");
    },
  );
});
