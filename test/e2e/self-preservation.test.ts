/**
 * Self-preservation over HTTP with the real clock and the local sweeper timer: most of the fleet goes
 * quiet at once, GET /health says so (active, since), routes keep serving the quiet brokers, and the
 * mode ends by itself once their heartbeats flow again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LocalRegistry } from "../../lib/local/registry";
import {
  type Client,
  client,
  registration,
  reportOf,
  Sweeps,
  startE2eRegistry,
  topicConfig,
} from "../support/e2e";

const FLEET = 12;
let registry: LocalRegistry;
let api: Client;
const sweeps = new Sweeps();

const broker = (i: number, light = false) =>
  registration({
    brokerName: `sp-e2e-${i}`,
    brokerAddr: `10.82.0.${i + 1}:10911`,
    heartbeatTimeoutMillis: 2000,
    topicConfigTable: light ? undefined : { [`SpE2eTopic-${i}`]: topicConfig(`SpE2eTopic-${i}`) },
  });
const indexOf = (brokerName: string) => Number(brokerName.slice("sp-e2e-".length));

beforeAll(async () => {
  registry = await startE2eRegistry("selfpres", { sweepIntervalMs: 500, onSweep: sweeps.onSweep });
  api = client(registry.url);
});
afterAll(async () => {
  await registry?.stop();
});

describe("self-preservation over HTTP", () => {
  it("GET /health reports it while the quiet brokers keep being served, and it ends once heartbeats flow", async () => {
    const registered = await Promise.all(
      Array.from({ length: FLEET }, (_, i) => api.post("/brokers/heartbeat", broker(i))),
    );
    expect(registered.map((r) => r.status)).toEqual(Array(FLEET).fill(200));
    expect((await api.get("/health")).body).toEqual({ status: "ok", selfPreservation: { active: false } });

    // One last burst of heartbeats, then every broker goes quiet. A sweep that happens to see only a
    // few of them dead (at most 5) expires those normally; the next one sees the rest, too many at
    // once: the registry blames itself.
    await Promise.all(
      Array.from({ length: FLEET }, (_, i) => api.post("/brokers/heartbeat", broker(i, true))),
    );
    const tripped = async () => (await api.get("/health")).body?.selfPreservation?.active === true;
    await expect
      .poll(tripped, { timeout: 15_000, interval: 100 })
      .toBe(true)
      .catch(async (error: unknown) => {
        const still = Object.keys((await api.get("/clusters")).body.brokerAddrTable);
        throw new Error(`${String(error)}: it never tripped; still registered: ${still}`);
      });
    const health = (await api.get("/health")).body;
    expect(health.status).toBe("ok");
    expect(typeof health.selfPreservation.since).toBe("number");
    const kept = Object.keys((await api.get("/clusters")).body.brokerAddrTable);
    expect(kept.length).toBeGreaterThan(5);

    // Whole sweeps later, still served: routes, cluster info.
    for (const report of (await sweeps.wholeSweepsFromNow(2)).map(reportOf)) {
      expect(report).toMatchObject({ selfPreservation: true, expiredInstances: 0, removedGroups: 0 });
    }
    expect(Object.keys((await api.get("/clusters")).body.brokerAddrTable)).toEqual(kept);
    for (const name of kept) {
      const route = await api.get(`/topics/SpE2eTopic-${indexOf(name)}/route`);
      expect(route.status, `${name} is still served`).toBe(200);
    }

    // Heartbeats flow again: a sweep ends the mode.
    const beat = () =>
      Promise.all(kept.map((name) => api.post("/brokers/heartbeat", broker(indexOf(name), true))));
    await expect
      .poll(
        async () => {
          await beat();
          return (await api.get("/health")).body?.selfPreservation?.active;
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(false);
    expect((await api.get("/health")).body).toEqual({ status: "ok", selfPreservation: { active: false } });
    // The sweep that ends the mode expires whoever is still past its timeout (a broker whose first
    // heartbeat had not landed yet): that one is back with its next full registration.
    await Promise.all(kept.map((name) => api.post("/brokers/heartbeat", broker(indexOf(name)))));
    expect(Object.keys((await api.get("/clusters")).body.brokerAddrTable).sort()).toEqual([...kept].sort());
  }, 60_000);
});
