/**
 * The status page as an operator's tool, in Chromium (Debian's, through Playwright): the history as
 * a timeline (a broker that expired before the page was opened is there), the registry's settings
 * (GET /config), and an operator action taken from the page (wipe a broker's write permission),
 * which the registry records in the history as the dashboard's token holder.
 *
 * Chromium as in dashboard.test.ts: a missing browser fails under CI or with CHROMIUM_PATH set, and
 * is a named skip elsewhere.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Dashboard, startDashboard } from "../../lib/dashboard/server";
import { type LocalRegistry, type SpawnedRegistry, spawnLocalRegistry } from "../../lib/local/registry";
import {
  type Client,
  client,
  dynamodbEndpoint,
  registration,
  startE2eRegistry,
  topicConfig,
  uniqueTableName,
} from "../support/e2e";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const ci = process.env.CI !== undefined && !["", "0", "false"].includes(process.env.CI.toLowerCase());
const chromiumRequired = ci || process.env.CHROMIUM_PATH !== undefined;
const skipBrowser = !haveChromium && !chromiumRequired;
const NO_CHROMIUM = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
if (skipBrowser) console.warn(`dashboard history browser test SKIPPED: ${NO_CHROMIUM}`);

const TOKEN = "dashboard-history-token";
let registry: LocalRegistry;
/** A second registry (its own process), for the side-by-side view: it holds a broker the first does not. */
let other: SpawnedRegistry;
let api: Client;
let dashboard: Dashboard;
let browser: Browser | undefined;

beforeAll(async () => {
  registry = await startE2eRegistry("dash-history", { token: TOKEN, sweepIntervalMs: 500 });
  api = client(registry.url, { authorization: `Bearer ${TOKEN}` });
  const live = registration({
    brokerName: "hist-live",
    brokerAddr: "10.80.0.1:10911",
    heartbeatTimeoutMillis: 120_000,
    topicConfigTable: { HistoryTopic: topicConfig("HistoryTopic") },
  });
  const gone = registration({
    brokerName: "hist-gone",
    brokerAddr: "10.80.1.1:10911",
    heartbeatTimeoutMillis: 1_000,
    topicConfigTable: { GoneTopic: topicConfig("GoneTopic") },
  });
  expect((await api.post("/brokers/heartbeat", live)).status).toBe(200);
  expect((await api.post("/brokers/heartbeat", gone)).status).toBe(200);
  // The silent one expires before the page is ever opened.
  // (expect.poll belongs to tests; in a hook, vi.waitFor: the expiry is an event to wait for, bounded.)
  await vi.waitFor(
    async () => {
      const page = await api.get("/history?broker=hist-gone");
      expect(
        page.body.entries.map((e: { action: string }) => e.action),
        "hist-gone expires within 20 s",
      ).toContain("broker.expired");
    },
    { timeout: 20_000, interval: 250 },
  );
  other = await spawnLocalRegistry({
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: uniqueTableName("dash-history-2"),
    token: TOKEN,
    env: { LOG_LEVEL: "WARN" },
  });
  const otherApi = client(other.url, { authorization: `Bearer ${TOKEN}` });
  const elsewhere = registration({
    brokerName: "hist-other",
    brokerAddr: "10.80.2.1:10911",
    heartbeatTimeoutMillis: 120_000,
    topicConfigTable: { HistoryTopic: topicConfig("HistoryTopic") },
  });
  expect((await otherApi.post("/brokers/heartbeat", elsewhere)).status).toBe(200);
  dashboard = await startDashboard({
    apiUrl: registry.url,
    compareUrls: [other.url],
    listen: "127.0.0.1:0",
    env: { NAMESRV_TOKEN: TOKEN },
    pollIntervalMillis: 500,
    slowRefreshMillis: 1_000,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await registry?.stop();
  await other?.stop();
});

describe.skipIf(skipBrowser)(
  `the status page's history, settings and actions in Chromium${skipBrowser ? " (SKIPPED)" : ""}`,
  () => {
    it("shows the timeline with an earlier expiry, the settings, and records a wipe taken from the page", async () => {
      if (!haveChromium) throw new Error(`${NO_CHROMIUM}: required under CI or with CHROMIUM_PATH`);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
      });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (error) => pageErrors.push(error.message));
      await page.goto(dashboard.url);

      const expired = page.locator('#timeline > li[data-action="broker.expired"]');
      await expect.poll(() => expired.count(), { timeout: 15_000 }).toBe(1);
      expect(await expired.textContent()).toContain("DefaultCluster/hist-gone");
      expect(await expired.textContent()).toContain("by sweeper");
      expect(await expired.textContent()).toContain("members.0: 10.80.1.1:10911 → –");
      expect(await page.locator('#timeline > li[data-action="broker.registered"]').count()).toBe(2);

      // GET /config, shown.
      await expect.poll(() => page.locator('#config tr[data-setting="orderMessageEnable"]').count()).toBe(1);
      expect(await page.locator('#config tr[data-setting="orderMessageEnable"]').textContent()).toContain(
        "true",
      );

      // An action from the page: the dashboard holds the token, so the actions are offered.
      await expect.poll(() => page.locator("#actions").isVisible()).toBe(true);
      await page.fill("#perm-broker", "hist-live");
      await page.click('#action-perm button[value="wipeWritePerm"]');
      await expect
        .poll(() => page.locator("#action-result").textContent(), { timeout: 10_000 })
        .toContain("done: wipeWritePerm hist-live: 1 topic(s)");
      const wiped = page.locator('#timeline > li[data-action="writePerm.wiped"]');
      await expect.poll(() => wiped.count(), { timeout: 10_000 }).toBe(1);
      expect(await wiped.textContent()).toContain("by token");
      expect(await wiped.textContent()).toContain("topics.HistoryTopic.perm: 6 → 4");
      // And the registry itself says so.
      const route = await api.get("/topics/HistoryTopic/route");
      expect(route.body.queueDatas[0].perm).toBe(4);

      // Two registries side by side: the broker each holds that the other does not, and the route that differs.
      await expect.poll(() => page.locator("#compare").isVisible(), { timeout: 15_000 }).toBe(true);
      const otherMember = page.locator(
        '#differences tr[data-difference="member:DefaultCluster/hist-other/0"]',
      );
      await expect.poll(() => otherMember.count(), { timeout: 15_000 }).toBe(1);
      expect(await otherMember.textContent()).toContain("absent");
      expect(await otherMember.textContent()).toContain("10.80.2.1:10911");
      const routeRow = page.locator('#differences tr[data-difference="route:HistoryTopic"]');
      await expect.poll(() => routeRow.count(), { timeout: 15_000 }).toBe(1);
      expect(await routeRow.textContent()).toContain("hist-other:6:4/4");
      expect(await page.locator("#compare-head").textContent()).toContain(other.url);

      // An action the registry refuses is shown as refused, and changes nothing.
      await page.fill("#config-key", "rocketmqHome");
      await page.fill("#config-value", "/tmp");
      await page.click("#action-config button");
      await expect
        .poll(() => page.locator("#action-result").textContent(), { timeout: 10_000 })
        .toContain("refused");
      expect(pageErrors).toEqual([]);
    }, 120_000);
  },
);

describe("the status page's action endpoint", () => {
  it("refuses a POST without the action header (another origin cannot send one), and a bad action", async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(new URL("api/actions", dashboard.url), { method: "POST", headers, body });
    const noHeader = await post(
      { "content-type": "application/json" },
      '{"action":"wipeWritePerm","broker":"hist-live"}',
    );
    expect(noHeader.status).toBe(400);
    const bad = await post(
      { "content-type": "application/json", "x-namesrv-action": "1" },
      '{"action":"wipeWritePerm","broker":"../x"}',
    );
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("broker");
  });
});
