/**
 * End to end: the sweeper on its timer removes dead instances with the unregister cascade, and
 * self-preservation keeps a mass expiry from happening.
 */
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import {
  type Client,
  client,
  registration,
  reportOf,
  Sweeps,
  sleep,
  startE2eRegistry,
  topicConfig,
  topicPath,
} from "../support/e2e";

let registry: LocalRegistry;
let api: Client;
const sweeps = new Sweeps();

beforeAll(async () => {
  registry = await startE2eRegistry("expiry-sweeper", { sweepIntervalMs: 500, onSweep: sweeps.onSweep });
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

/** Every stored item but the history's, as JSON text: what the registry still holds, whatever the key layout. */
async function storedItems(): Promise<string[]> {
  const documents = createDocumentClient({ endpoint: registry.dynamodbEndpoint });
  try {
    const items: string[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({ TableName: registry.tableName, ExclusiveStartKey }),
      );
      // The history keeps what the sweeper removed (that is its point): it is not the registry's state.
      for (const item of page.Items ?? []) {
        if (!String(item.pk).startsWith("HISTORY#")) items.push(JSON.stringify(item));
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey !== undefined);
    return items;
  } finally {
    documents.destroy();
  }
}

const mentions = (items: string[], text: string) => items.some((item) => item.includes(text));

describe("the sweeper", () => {
  it("removes a dead master from its group and then the emptied group with its topics", async () => {
    const table = { SweepTopic: topicConfig("SweepTopic") };
    await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "bk-sweep",
        brokerAddr: "10.50.0.1:10911",
        heartbeatTimeoutMillis: 1000,
        topicConfigTable: table,
      }),
    );
    const slave = registration({
      brokerName: "bk-sweep",
      brokerId: 1,
      brokerAddr: "10.50.0.2:10911",
      heartbeatTimeoutMillis: 3000,
      topicConfigTable: table,
    });
    await api.post("/brokers/heartbeat", slave);
    expect(mentions(await storedItems(), "10.50.0.2:10911")).toBe(true);

    // the slave keeps heartbeating while the master stays silent: the sweeper removes the master only
    await expect
      .poll(
        async () => {
          await api.post("/brokers/heartbeat", slave);
          return mentions(await storedItems(), "10.50.0.1:10911");
        },
        { timeout: 30_000, interval: 200 },
      )
      .toBe(false);
    expect(mentions(await storedItems(), "10.50.0.2:10911")).toBe(true);
    const route = await api.get(`${topicPath("SweepTopic")}/route`);
    expect(route.body.brokerDatas[0].brokerAddrs).toEqual({ "1": "10.50.0.2:10911" });
    // the registry no longer holds the master's dataVersion: a light heartbeat must resend everything
    const light = await api.post(
      "/brokers/heartbeat",
      registration({ brokerName: "bk-sweep", brokerAddr: "10.50.0.1:10911", topicConfigTable: undefined }),
    );
    expect(light.status).toBe(409);

    // now the slave goes silent too: the group, its queue data and the topic disappear from the table
    await expect
      .poll(async () => mentions(await storedItems(), "bk-sweep"), { timeout: 30_000, interval: 200 })
      .toBe(false);
    expect(mentions(await storedItems(), "SweepTopic")).toBe(false);
    expect((await api.get(`${topicPath("SweepTopic")}/route`)).status).toBe(404);
  });

  it("self-preservation: a mass expiry is not carried out, is reported by /health, and ends by itself", async () => {
    const brokers = Array.from({ length: 12 }, (_, i) =>
      registration({
        clusterName: "MassCluster",
        brokerName: `bk-mass-${i}`,
        brokerAddr: `10.60.0.${i + 1}:10911`,
        heartbeatTimeoutMillis: 1500,
        topicConfigTable: { MassTopic: topicConfig("MassTopic") },
      }),
    );
    const registered = await Promise.all(brokers.map((broker) => api.post("/brokers/heartbeat", broker)));
    expect(registered.map((response) => response.status)).toEqual(brokers.map(() => 200));

    // They all fall silent at once. A sweep that catches only part of them (no more than half, or no
    // more than the minimum count) expires those normally; the next one sees the mass expiry and stops.
    await expect
      .poll(async () => (await api.get("/health")).body.selfPreservation?.active, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe(true);
    const addrs = brokers.map((broker) => String(broker.brokerAddr));
    const snapshot = await storedItems();
    const kept = addrs.filter((addr) => mentions(snapshot, addr));
    expect(kept.length).toBeGreaterThan(5);

    // while the mode lasts, nothing more is expired and the kept instances are still served: two
    // whole sweeps after the snapshot kept everyone
    const meanwhile = await sweeps.wholeSweepsFromNow(2);
    for (const report of meanwhile.map(reportOf)) {
      expect(report).toMatchObject({ selfPreservation: true, expiredInstances: 0, removedGroups: 0 });
    }
    const later = await storedItems();
    for (const addr of kept) expect(mentions(later, addr), addr).toBe(true);
    expect((await api.get(`${topicPath("MassTopic")}/route`)).status).toBe(200);
    expect((await api.get("/health")).body.selfPreservation.since).toEqual(expect.any(Number));

    // heartbeats flow again: the mode ends by itself
    let flowing = true;
    const heartbeats = (async () => {
      while (flowing) {
        await Promise.all(brokers.map((broker) => api.post("/brokers/heartbeat", broker)));
        await sleep(300);
      }
    })();
    try {
      await expect
        .poll(async () => (await api.get("/health")).body.selfPreservation?.active, {
          timeout: 30_000,
          interval: 200,
        })
        .toBe(false);
    } finally {
      flowing = false;
      await heartbeats;
    }
  });
});
