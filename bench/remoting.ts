/**
 * `npm run bench:remoting` (`-- --quick` for a short run): Apache RocketMQ 5.3.3's NameServer, the
 * registry (`npm start`: HTTP API + remoting port over DynamoDB Local in memory) and `namesrv gateway`
 * in front of the registry's HTTP API, all on this machine, driven alike by RemotingClient
 * (bench/scenarios/remoting.ts). Prints the table and the ratios; writes
 * bench-results/remoting-latest.json. Needs Java 17 and the jars of test/interop/fetch-rocketmq.sh
 * (run first when missing). Ports: 24000-24999.
 */
import "./env";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { startGateway, startRegistry } from "../test/interop/support/registry";
import { startRocketMqNameServer, stopAllRocketMq } from "../test/interop/support/rocketmq";
import {
  FULL_REMOTING_SIZES,
  QUICK_REMOTING_SIZES,
  type RemotingTarget,
  remotingReport,
  runRemoting,
  seedRoute,
} from "./scenarios/remoting";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ROCKETMQ = "RocketMQ 5.3.3 NameServer";
const GATEWAY = "namesrv gateway, warm 30 s route cache";

async function main(): Promise<void> {
  const quick = process.argv.includes("--quick");
  const sizes = quick ? QUICK_REMOTING_SIZES : FULL_REMOTING_SIZES;
  const log = (message: string) => process.stderr.write(`${message}\n`);
  execFileSync("bash", [join(ROOT, "test/interop/fetch-rocketmq.sh")], {
    stdio: ["ignore", "ignore", "inherit"],
  });

  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  const stops: Array<() => Promise<unknown>> = [];
  const seeds: Array<{ close(): void }> = [];
  try {
    const oracle = await startRocketMqNameServer();
    stops.push(oracle.stop);
    // A long sweep interval: the bench's registrations must not expire mid-run.
    // npm start twice: its remoting port with the route cache off (every answer read from the
    // registry, as RocketMQ's NameServer reads its live table) and with its default 30 s cache.
    const registry = await startRegistry({ dynamodbEndpoint: ddb.endpoint, sweepIntervalMs: 600_000 });
    stops.push(registry.stop);
    const cached = await startRegistry({
      dynamodbEndpoint: ddb.endpoint,
      sweepIntervalMs: 600_000,
      env: { REMOTING_ROUTE_CACHE_MS: "30000" },
    });
    stops.push(cached.stop);
    const gateway = await startGateway(registry);
    stops.push(gateway.stop);
    const targets: RemotingTarget[] = [
      { name: ROCKETMQ, addr: oracle.addr },
      { name: "npm start remoting, route cache off", addr: registry.remotingAddr },
      { name: "npm start remoting, 30 s route cache", addr: cached.remotingAddr },
      { name: GATEWAY, addr: gateway.remotingAddr },
    ];
    // The gateway writes through to the first registry: seeding it serves both.
    seeds.push(
      await seedRoute(oracle.addr),
      await seedRoute(registry.remotingAddr),
      await seedRoute(cached.remotingAddr),
    );

    const figures = await runRemoting(targets, sizes, log);
    const table = remotingReport(figures, ROCKETMQ);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`;
    console.log(
      `\nRemoting bench (${quick ? "quick" : "full"}: ${sizes.durationMs} ms per case; ${machine})\n`,
    );
    console.log(table);
    const compared = figures.filter(
      (f) =>
        (f.target === GATEWAY || f.target.includes("30 s route cache")) && f.operation !== "REGISTER_BROKER",
    );
    for (const f of compared) {
      const base = figures.find(
        (b) => b.target === ROCKETMQ && b.operation === f.operation && b.connections === f.connections,
      );
      const ratio = base === undefined ? Number.NaN : f.perSecond / base.perSecond;
      console.log(
        `${f.target}, ${f.operation} over ${f.connections} connection(s): ${ratio.toFixed(2)}× RocketMQ${f.operation === "GET_ROUTEINFO_BY_TOPIC" ? ` (target ≥ 1×): ${ratio >= 1 ? "PASS" : "MISS"}` : ""}`,
      );
    }
    mkdirSync(join(ROOT, "bench-results"), { recursive: true });
    writeFileSync(
      join(ROOT, "bench-results", "remoting-latest.json"),
      `${JSON.stringify({ at: new Date().toISOString(), machine, sizes, figures }, null, 2)}\n`,
    );
  } finally {
    for (const seed of seeds) seed.close();
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await stopAllRocketMq();
    await ddb.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
