/**
 * Gateways as a fleet, with real Apache RocketMQ 5.3.3:
 *
 * - the container image's exact entrypoint (the Dockerfile's ENTRYPOINT + CMD with its ENV, over the
 *   package installed as its runtime stage installs it) serves a real broker and mqadmin in front of
 *   `npm start` (the broker and mqadmin naming it by a host name, as the managed endpoint's zone
 *   names are given), answers /health and the endpoint's liveness check, and on SIGTERM drains and
 *   exits 0 without unregistering the broker;
 * - two gateway processes on one address list, a broker registered through both and a producer
 *   sending continuously; one gateway is restarted (SIGTERM, drain, start again on its address)
 *   mid-run: 0 failed sends, the broker never leaves the route, and routes keep updating (a topic's
 *   queue count changed after the restart reaches the producer through the gateways).
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { livenessCheckCommand } from "../../infra/remoting-endpoint-dns";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { envOnFreePorts, type GatewayProcess, startGatewayProcess } from "../support/gateway-process";
import { type RegistryUnderTest, STANDIN, startRegistry } from "./support/registry";
import {
  allocatePort,
  mqadminOk,
  rocketMqClasspath,
  startRocketMqBroker,
  stopAllRocketMq,
} from "./support/rocketmq";

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin/namesrv.ts");

let registry: RegistryUnderTest;
let http: NameServerClient;
const processes: GatewayProcess[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  registry = await startRegistry({ dynamodbEndpoint: inject("dynamodbEndpoint") });
  if (registry.url !== undefined) {
    http = new NameServerClient(registry.url, new Transport({ auth: { kind: "none" }, timeoutMillis: 5000 }));
  }
}, 300_000);

afterAll(async () => {
  for (const p of processes) p.kill();
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await stopAllRocketMq();
  await registry?.stop();
}, 120_000);

function unique(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 8)}`;
}

async function brokerNames(): Promise<string[]> {
  const info = await http.getBrokerClusterInfo();
  return Object.keys(info.brokerAddrTable);
}

/** vitest's poller (vi.waitFor: also in hooks) until `probe` gives a value; its errors mean "not yet". */
function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await probe();
      if (value === undefined) throw new Error(`${what}: not within ${timeoutMs} ms`);
      return value;
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/** The Dockerfile's runtime stage: ENV (joined continuation lines), ENTRYPOINT and CMD in exec form. */
async function dockerfile() {
  const text = (await readFile(join(ROOT, "Dockerfile"), "utf8")).replace(/\\\n\s*/g, " ");
  const runtime = text.slice(text.lastIndexOf("\nFROM "));
  const json = (instruction: string) => {
    const line = new RegExp(`^${instruction} (\\[.*\\])$`, "m").exec(runtime)?.[1];
    if (line === undefined) throw new Error(`no ${instruction} in exec form`);
    return JSON.parse(line) as string[];
  };
  const env: Record<string, string> = {};
  for (const [, body] of runtime.matchAll(/^ENV (.*)$/gm)) {
    for (const [, key, value] of (body ?? "").matchAll(/(\w+)=(\S+)/g)) env[key as string] = value as string;
  }
  const install = /npm install [^\n]*--prefix (\S+) /.exec(runtime)?.[1];
  return { entrypoint: json("ENTRYPOINT"), cmd: json("CMD"), env, prefix: install };
}

describe.skipIf(STANDIN)("the container image's entrypoint", () => {
  it("serves a real broker and mqadmin, answers /health, drains on SIGTERM and unregisters nobody", async () => {
    const image = await dockerfile();
    expect(image.prefix).toBe("/opt/namesrv");
    expect(image.entrypoint[1]?.startsWith(`${image.prefix}/`)).toBe(true);
    // The runtime stage, as a folder: the packed package installed with its runtime dependencies only.
    const work = await mkdtemp(join(tmpdir(), "namesrv-image-"));
    try {
      const packed = await run("npm", ["pack", "--json", "--pack-destination", work], {
        cwd: ROOT,
        maxBuffer: 16 << 20,
      });
      const [info] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
      const prefix = join(work, "opt/namesrv");
      await run(
        "npm",
        [
          "install",
          "--omit=dev",
          "--ignore-scripts",
          "--no-audit",
          "--no-fund",
          "--prefix",
          prefix,
          join(work, info?.filename ?? ""),
        ],
        { cwd: work, maxBuffer: 16 << 20 },
      );
      const [command, ...entryArgs] = image.entrypoint.map((part) =>
        part.replace(image.prefix as string, prefix),
      );
      expect(command).toBe("node");
      const gateway = await startGatewayProcess(
        process.execPath,
        [...entryArgs, ...image.cmd],
        { PATH: process.env.PATH, ...envOnFreePorts(image.env), NAMESRV_URL: registry.url },
        prefix,
      );
      processes.push(gateway);
      // By a host name, as the managed endpoint's zone names (zone-1.<domain>:9876) are given.
      const byName = gateway.remotingAddr.replace(/^127\.0\.0\.1:/, "localhost:");
      expect(byName).toMatch(/^localhost:\d+$/);
      const brokerName = unique("image-broker-");
      const broker = await startRocketMqBroker({
        namesrvAddr: byName,
        brokerName,
        config: { registerNameServerPeriod: 10_000 },
      });
      await broker.waitRegistered(byName);
      expect(await brokerNames()).toContain(brokerName);
      expect(await mqadminOk(["clusterList", "-n", byName])).toContain(brokerName);
      const health = await fetch(gateway.healthUrl as string);
      expect(health.status).toBe(200);
      // The dns front's container health check, run as ECS runs it against this process: live.
      const [, , ...liveness] = livenessCheckCommand(Number(new URL(gateway.healthUrl as string).port));
      await run(process.execPath, liveness);
      const stopped = await gateway.terminate();
      expect(stopped.code, gateway.output()).toBe(0);
      // Within the drain (the Dockerfile's NAMESRV_GATEWAY_DRAIN_MS) plus a margin.
      expect(stopped.ms).toBeLessThan(Number(image.env.NAMESRV_GATEWAY_DRAIN_MS) + 5_000);
      // The broker is alive: the gateway going away did not unregister it.
      expect(gateway.output()).not.toMatch(/unregistering/);
      expect(await brokerNames()).toContain(brokerName);
      await broker.kill9();
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
});

describe.skipIf(STANDIN)("two gateways on one address list, one restarted under a sending producer", () => {
  it("0 failed sends, the broker never leaves the route, routes keep updating", async () => {
    const startGatewayOn = (port: number) =>
      startGatewayProcess(
        process.execPath,
        [
          "--import",
          "tsx",
          BIN,
          "gateway",
          "--listen",
          `127.0.0.1:${port}`,
          "--url",
          registry.url as string,
          "--health-port",
          "127.0.0.1:0",
          "--cache-interval",
          "2000",
          "--drain-timeout",
          "5000",
        ],
        { ...process.env, LOG_LEVEL: "WARN" },
      );
    const ports = [await allocatePort(), await allocatePort()];
    const gateways = await Promise.all(ports.map((port) => startGatewayOn(port)));
    processes.push(...gateways);
    const addrs = gateways.map((g) => g.remotingAddr);
    const namesrvAddr = addrs.join(";");

    const brokerName = unique("fleet-broker-");
    const broker = await startRocketMqBroker({
      namesrvAddr,
      brokerName,
      config: { registerNameServerPeriod: 10_000 },
    });
    await Promise.all(addrs.map((addr) => broker.waitRegistered(addr)));
    const topic = unique("FleetTopic");
    await mqadminOk(["updateTopic", "-n", namesrvAddr, "-b", broker.addr, "-t", topic, "-w", "4", "-r", "4"]);
    const inRoute = async () => {
      const answer = await http.getRouteInfoByTopic(topic);
      return !answer.notModified && answer.route.brokerDatas.some((b) => b.brokerName === brokerName);
    };
    await waitFor("the topic's route", async () => ((await inRoute()) ? true : undefined));

    // The broker's presence in the route, sampled all along.
    let samples = 0;
    const misses: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const present = await inRoute().catch((error: unknown) => `error ${String(error)}`);
        samples++;
        if (present !== true) misses.push(`${new Date().toISOString()} ${String(present)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();

    // The producer: one message every 100 ms, routes polled every second.
    const producer = spawn(
      "java",
      [
        "-Xmx128m",
        "-cp",
        rocketMqClasspath(),
        join(import.meta.dirname, "java/SendLoop.java"),
        namesrvAddr,
        topic,
        "100",
        "1000",
      ],
      { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, HOME: tmpdir() } },
    );
    children.push(producer);
    let out = "";
    producer.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    producer.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    const oks = () => out.split("\n").filter((line) => line.startsWith("ok "));
    await waitFor("the producer's first sends", async () => (oks().length >= 20 ? true : undefined), 120_000);

    // Restart the gateway the producer is connected to (the one holding more connections).
    const connections = await Promise.all(
      gateways.map(
        async (g) =>
          ((await (await fetch(g.healthUrl as string)).json()) as { connections: number }).connections,
      ),
    );
    const index = (connections[0] ?? 0) >= (connections[1] ?? 0) ? 0 : 1;
    const old = gateways[index] as GatewayProcess;
    const registrationsBefore = broker.registrations(old.remotingAddr);
    const sentBefore = oks().length;
    const stopped = await old.terminate();
    expect(stopped.code, old.output()).toBe(0);
    expect(old.output()).not.toMatch(/unregistering/);
    const restarted = await startGatewayOn(ports[index] as number);
    processes.push(restarted);
    expect(restarted.remotingAddr).toBe(old.remotingAddr);
    // The broker registers through the restarted gateway again, and the producer kept sending.
    await waitFor(
      "a registration through the restarted gateway",
      async () => (broker.registrations(old.remotingAddr) > registrationsBefore ? true : undefined),
      60_000,
    );
    expect(oks().length).toBeGreaterThan(sentBefore);

    // Routes keep updating: 8 queues now, seen through both gateways and used by the producer.
    await mqadminOk(["updateTopic", "-n", namesrvAddr, "-b", broker.addr, "-t", topic, "-w", "8", "-r", "8"]);
    for (const addr of addrs) {
      const client = new RemotingClient(addr, { timeoutMs: 10_000 });
      try {
        await waitFor(`8 queues through ${addr}`, async () => {
          const answer = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic });
          const route = JSON.parse(answer.body?.toString() ?? "{}") as {
            queueDatas?: Array<{ writeQueueNums: number }>;
          };
          return route.queueDatas?.[0]?.writeQueueNums === 8 ? true : undefined;
        });
      } finally {
        client.close();
      }
    }
    await waitFor(
      "a send to a queue that only the new route has",
      async () => (oks().some((line) => Number(line.split(" ")[2]) >= 4) ? true : undefined),
      60_000,
    );

    producer.stdin.end("stop\n");
    const done = await waitFor(
      "the producer's summary",
      async () => /done sent=(\d+) failed=(\d+)/.exec(out) ?? undefined,
    );
    watching = false;
    await watcher;
    expect(
      out.split("\n").filter((line) => line.startsWith("fail ")),
      out,
    ).toEqual([]);
    expect(Number(done[2])).toBe(0);
    expect(Number(done[1])).toBeGreaterThan(50);
    expect(samples).toBeGreaterThan(20);
    expect(misses).toEqual([]);
    await broker.kill9();
  });
});
