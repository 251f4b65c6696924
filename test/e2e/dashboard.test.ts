/**
 * The status page end to end, in a real browser: a local registry (token mode, so the dashboard
 * authenticates), brokers registered over HTTP, `startDashboard` in front of it, and Debian's Chromium
 * driven by Playwright. One broker stops heartbeating and the open page shows it expire, without a
 * reload. `DASHBOARD_SCREENSHOT=docs/dashboard.png` also saves a screenshot of the page.
 *
 * Chromium comes from the system (`apt-get install chromium`, done by .ci/run). Without it the browser
 * tests fail under CI (`CI` set, as CI services do) or when CHROMIUM_PATH names a browser (.ci/run
 * exports it); elsewhere (a developer's machine) they are skipped, and the skip says why.
 */
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { type Dashboard, startDashboard } from "../../lib/dashboard/server";
import type { LocalRegistry } from "../../lib/local/registry";
import { runCli } from "../../lib/tools/cli";
import { type Client, client, registration, startE2eRegistry, topicConfig } from "../support/e2e";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const ci = process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI.toLowerCase());
/** Under CI, or with a browser asked for by name, a missing Chromium is a failure, never a skip. */
const chromiumRequired = ci || process.env.CHROMIUM_PATH !== undefined;
const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
const skipBrowser = !haveChromium && !chromiumRequired;
if (skipBrowser) {
  console.warn(`dashboard browser tests SKIPPED: ${NO_CHROMIUM}; under CI (CI=true) they fail instead`);
}
const BROWSER_SUITE = `the status page in Chromium${skipBrowser ? ` (SKIPPED: ${NO_CHROMIUM})` : ""}`;

const TOKEN = "dashboard-test-token";
let registry: LocalRegistry;
let api: Client;
let dashboard: Dashboard;
let browser: Browser;
let page: Page;
/** Brokers that keep heartbeating (every second) until the test lets one go. */
const beating = new Set<Record<string, unknown>>();
let heartbeats: NodeJS.Timeout | undefined;

const brokerA = registration({
  brokerName: "broker-a",
  brokerAddr: "10.70.0.1:10911",
  haServerAddr: "10.70.0.1:10912",
  zoneName: "az-1",
  heartbeatTimeoutMillis: 120_000,
  topicConfigTable: {
    TopicTest: topicConfig("TopicTest"),
    "%RETRY%please_rename_unique_group_name": topicConfig("%RETRY%please_rename_unique_group_name"),
  },
});
const brokerASlave = { ...brokerA, brokerId: 1, brokerAddr: "10.70.0.2:10911", haServerAddr: undefined };
const brokerB = registration({
  brokerName: "broker-b",
  brokerAddr: "10.70.1.1:10911",
  zoneName: "az-2",
  heartbeatTimeoutMillis: 6_000,
  topicConfigTable: {
    TopicTest: topicConfig("TopicTest", { perm: 4 }),
    OrderTopic: topicConfig("OrderTopic", { readQueueNums: 8, writeQueueNums: 8 }),
  },
});
const brokerC = registration({
  clusterName: "ClusterB",
  brokerName: "broker-c",
  brokerAddr: "10.70.2.1:10911",
  heartbeatTimeoutMillis: 120_000,
  topicConfigTable: { TopicTest: topicConfig("TopicTest") },
});

beforeAll(async () => {
  registry = await startE2eRegistry("dashboard", { token: TOKEN });
  api = client(registry.url, { authorization: `Bearer ${TOKEN}` });
  for (const body of [brokerA, brokerASlave, brokerB, brokerC]) {
    expect((await api.post("/brokers/heartbeat", body)).status).toBe(200);
  }
  for (const body of [brokerA, brokerASlave, brokerB, brokerC]) beating.add(body);
  heartbeats = setInterval(() => {
    for (const body of beating) void api.post("/brokers/heartbeat", body);
  }, 1_000);
  expect((await api.put("/kv/ORDER_TOPIC_CONFIG/OrderTopic", { value: "broker-b:8" })).status).toBe(200);
  expect((await api.put("/kv/dashboard-ns/greeting", { value: "<b>not markup</b>" })).status).toBe(200);
  dashboard = await startDashboard({
    apiUrl: registry.url,
    listen: "127.0.0.1:0",
    env: { NAMESRV_TOKEN: TOKEN },
    pollIntervalMillis: 500,
    slowRefreshMillis: 1_000,
  });
});

afterAll(async () => {
  clearInterval(heartbeats);
  await browser?.close();
  await dashboard?.close();
  await registry?.stop();
});

async function openBrowser(): Promise<Browser> {
  if (!haveChromium) {
    throw new Error(
      `${NO_CHROMIUM}: ${ci ? "CI (CI is set)" : "CHROMIUM_PATH"} requires the browser tests to run`,
    );
  }
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
  return browser;
}

describe.skipIf(skipBrowser)(BROWSER_SUITE, () => {
  it("shows clusters, topics, KV and health, and a broker expiring, without a reload", async () => {
    page = await (await openBrowser()).newPage({ viewport: { width: 1280, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    let navigations = 0;
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.goto(dashboard.url);

    // Clusters and groups: role, address, zone, heartbeat age, time left.
    const master = page.locator('[data-member="DefaultCluster/broker-a/0"]');
    await expect.poll(() => master.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => master.locator(".role").textContent()).toBe("master");
    expect(await master.textContent()).toContain("10.70.0.1:10911");
    expect(await master.textContent()).toContain("az-1");
    expect(await master.locator(".left").textContent()).toMatch(/^1\d\d s of 120 s$/);
    expect(await master.locator(".heartbeat").textContent()).toMatch(/^\d+ s ago$/);
    expect(await page.locator('[data-member="DefaultCluster/broker-a/1"] .role').textContent()).toBe("slave");
    expect(await page.locator('[data-member="ClusterB/broker-c/0"]').textContent()).toContain(
      "10.70.2.1:10911",
    );
    const leaving = page.locator('[data-member="DefaultCluster/broker-b/0"]');
    expect(await leaving.getAttribute("data-state")).toMatch(/^(live|expiring)$/);
    expect(await page.locator("#health").textContent()).toBe("OK");

    // Topics: routes and perms; retry topics only with their filter; a click shows the route.
    const topic = page.locator('[data-topic="TopicTest"]');
    await expect.poll(() => topic.count()).toBe(1);
    expect(await topic.textContent()).toContain("broker-a, broker-b, broker-c");
    expect(await topic.locator(".perm").textContent()).toBe("R-- (4), RW- (6)");
    expect(await page.locator('[data-topic="%RETRY%please_rename_unique_group_name"]').count()).toBe(0);
    await page.getByLabel("RETRY").check();
    await expect
      .poll(() => page.locator('[data-topic="%RETRY%please_rename_unique_group_name"]').count())
      .toBe(1);
    await page.locator('[data-topic="OrderTopic"]').click();
    const route = page.locator('[data-route="OrderTopic"]');
    await expect.poll(() => route.count()).toBe(1);
    expect(await route.textContent()).toContain("10.70.1.1:10911");
    expect(await page.locator('[data-topic="OrderTopic"]').textContent()).toContain("broker-b:8");

    // KV: the namespace RocketMQ uses, and one added on the page (its value shown as text).
    const order = page.locator('[data-namespace="ORDER_TOPIC_CONFIG"]');
    await expect.poll(() => order.textContent()).toContain("broker-b:8");
    await page.getByLabel("Namespace").fill("dashboard-ns");
    await page.getByRole("button", { name: "Watch" }).click();
    const added = page.locator('[data-namespace="dashboard-ns"]');
    await expect.poll(() => added.count(), { timeout: 10_000 }).toBe(1);
    expect(await added.locator("code").textContent()).toBe("<b>not markup</b>");
    expect(await added.locator("b").count()).toBe(0);

    // broker-a and broker-c keep heartbeating; broker-b stops and expires on the open page.
    const pollsBefore = Number(await page.locator("body").getAttribute("data-polls"));
    // Every state the page renders for broker-b, in order (rows are re-rendered at least every second).
    // (in the page: the test's tsconfig has no DOM types)
    await page.evaluate(`(() => {
      const seen = (window.brokerBStates = []);
      new MutationObserver(() => {
        const row = document.querySelector('[data-member="DefaultCluster/broker-b/0"]');
        const state = row === null ? "absent" : row.getAttribute("data-state");
        if (seen.at(-1) !== state) seen.push(state);
      }).observe(document.getElementById("brokers"), { childList: true });
    })()`);
    beating.delete(brokerB);
    await expect.poll(() => leaving.getAttribute("data-state"), { timeout: 20_000 }).toBe("expired");
    const states = await page.evaluate<string[]>("window.brokerBStates");
    expect(states.slice(-2)).toEqual(["expiring", "expired"]);
    expect(await leaving.locator(".left").textContent()).toMatch(/^expired \d+ s ago$/);
    expect(await master.getAttribute("data-state")).toBe("live");
    expect(await page.locator("#cluster-count").textContent()).toBe(
      "2 clusters, 3 broker groups, 3 live instances",
    );
    // Its topics follow: OrderTopic has no live group left, TopicTest loses one.
    await expect.poll(() => page.locator('[data-topic="OrderTopic"]').count(), { timeout: 10_000 }).toBe(0);
    expect(await topic.textContent()).toContain("broker-a, broker-c");
    expect(Number(await page.locator("body").getAttribute("data-polls"))).toBeGreaterThan(pollsBefore);
    expect(navigations).toBe(1);
    expect(pageErrors).toEqual([]);

    const screenshot = process.env.DASHBOARD_SCREENSHOT;
    if (screenshot) {
      await page.locator('[data-topic="TopicTest"]').click();
      await expect.poll(() => page.locator('[data-route="TopicTest"]').count()).toBe(1);
      await page.screenshot({ path: screenshot, fullPage: true });
    }
  });

  it("shows self-preservation and the instances it keeps, then their expiry once it ends", async () => {
    // A registry in self-preservation is a fleet-wide failure: a fake one stands in for it here.
    const now = Date.now();
    let preserving = true;
    const fake = async (input: string | URL | Request) => {
      const path = new URL(String(input)).pathname;
      const body =
        path === "/health"
          ? {
              status: "ok",
              selfPreservation: preserving ? { active: true, since: now - 60_000 } : { active: false },
            }
          : path === "/brokers"
            ? {
                now: Date.now(),
                brokers: preserving
                  ? [
                      {
                        clusterName: "DefaultCluster",
                        brokerName: "broker-p",
                        enableActingMaster: false,
                        brokerId: 0,
                        brokerAddr: "10.80.0.1:10911",
                        lastUpdateTimestamp: now - 90_000,
                        heartbeatTimeoutMillis: 30_000,
                        dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
                        preserved: true,
                      },
                    ]
                  : [],
              }
            : path === "/topics"
              ? { topicList: [] }
              : { table: {} };
      return new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });
    };
    const fakeUrl = "http://registry.test";
    const preservingDashboard = await startDashboard({
      apiUrl: fakeUrl,
      listen: "127.0.0.1:0",
      client: new NameServerClient(fakeUrl, new Transport({ fetch: fake as typeof fetch })),
      pollIntervalMillis: 300,
    });
    const view = await (await openBrowser()).newPage();
    try {
      await view.goto(preservingDashboard.url);
      const pill = view.locator("#health");
      await expect.poll(() => pill.getAttribute("data-state"), { timeout: 10_000 }).toBe("preserving");
      expect(await pill.textContent()).toMatch(/^self-preservation since /);
      const kept = view.locator('[data-member="DefaultCluster/broker-p/0"]');
      expect(await kept.getAttribute("data-state")).toBe("preserved");
      expect(await kept.locator(".left").textContent()).toBe("kept (self-preservation)");
      expect(await kept.locator(".heartbeat").textContent()).toMatch(/^9\d s ago$/);

      preserving = false;
      await expect.poll(() => pill.getAttribute("data-state"), { timeout: 10_000 }).toBe("ok");
      await expect.poll(() => kept.getAttribute("data-state"), { timeout: 10_000 }).toBe("expired");
    } finally {
      await view.close();
      await preservingDashboard.close();
    }
  });
});

describe("the status page's server and command", () => {
  it("answers only loopback host names, and only GET", async () => {
    const snapshot = await fetch(new URL("api/snapshot", dashboard.url));
    expect(snapshot.status).toBe(200);
    expect(((await snapshot.json()) as { health: { status: string } }).health.status).toBe("ok");
    // A page of evil.example whose name was rebound to 127.0.0.1 sends its own Host.
    const url = new URL("api/snapshot", dashboard.url);
    const rebound = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, headers: { host: "evil.example" } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      request.on("error", reject);
      request.end();
    });
    expect(rebound).toBe(403);
    expect((await fetch(dashboard.url, { method: "POST" })).status).toBe(405);
    expect((await fetch(new URL("nothing", dashboard.url))).status).toBe(404);
  });

  it("`namesrv dashboard` serves the page until Ctrl-C, then exits 0", async () => {
    const stop = new AbortController();
    const out: string[] = [];
    const io = {
      env: { NAMESRV_TOKEN: TOKEN },
      stdout: (text: string) => out.push(text),
      stderr: (text: string) => out.push(text),
      signal: stop.signal,
    };
    const exit = runCli(["dashboard", "--url", registry.url, "--listen", "127.0.0.1:0"], io);
    await expect.poll(() => out.join("")).toMatch(/at http:\/\/127\.0\.0\.1:\d+\//);
    const pageUrl = /at (http:\/\/\S+\/)/.exec(out.join(""))?.[1] ?? "";
    const snapshot = (await (await fetch(new URL("api/snapshot", pageUrl))).json()) as {
      clusters: Array<{ clusterName: string }>;
      errors: unknown[];
    };
    expect(snapshot.errors).toEqual([]);
    expect(snapshot.clusters.map((c) => c.clusterName)).toEqual(["ClusterB", "DefaultCluster"]);
    stop.abort();
    expect(await exit).toBe(0);
    expect(out.join("")).toContain("Status page stopped");
    await expect(fetch(pageUrl)).rejects.toThrow();

    const usage: string[] = [];
    const bad = await runCli(["dashboard", "--listen", "8088"], { ...io, stderr: (t) => usage.push(t) });
    expect(bad).toBe(2);
    expect(usage.join("")).toContain("--listen must be host:port");
  });
});
