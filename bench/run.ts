/**
 * `npm run bench` (`-- --quick`: fewer timed runs, the same counts): reads the stack's settings,
 * starts DynamoDB Local in memory, measures (bench/measure.ts), prices every topology at 1×, 10× and
 * 100× the fleet (bench/cost.ts), prints the report with PASS/MISS per target and writes the results
 * to bench-results/<timestamp>.json and bench-results/latest.json. A full run also writes the committed
 * docs/bench/latest.json and docs/bench/README.md (generated from that JSON). `-- --reprice` prices the
 * committed figures again (after a change to bench/cost.ts or bench/prices.ts) without measuring.
 */
import "./env";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startDynamoDbLocal } from "../lib/local/dynamodb-local";
import { costModel } from "./cost";
import { measure } from "./measure";
import { type BenchResults, consoleReport, judgeTargets, markdownReport } from "./report";
import { readStackSettings } from "./stack-settings";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== "--");
  const unknown = args.filter((a) => a !== "--quick" && a !== "--reprice");
  if (unknown.length > 0)
    throw new Error(`unknown argument(s) ${unknown.join(" ")}; use --quick or --reprice`);
  if (args.includes("--reprice")) {
    // Prices or the model changed, the code did not: the committed figures, priced again.
    const file = join(ROOT, "docs", "bench", "latest.json");
    const results = JSON.parse(readFileSync(file, "utf8")) as BenchResults;
    const cost = costModel(results.measured, results.stack);
    const repriced = { ...results, cost, targets: judgeTargets(results.measured, cost.scenarios) };
    writeFileSync(file, `${JSON.stringify(repriced, null, 2)}\n`);
    writeFileSync(join(ROOT, "docs", "bench", "README.md"), markdownReport(repriced));
    console.log(consoleReport(repriced));
    return;
  }
  const quick = args.includes("--quick");
  const started = new Date();
  const load = loadavg()[0] ?? 0;
  const log = (m: string) =>
    console.log(`[${((Date.now() - started.getTime()) / 1000).toFixed(0).padStart(4)} s] ${m}`);
  log(`bench: ${quick ? "quick" : "full"} run; reading the CDK stack's settings`);
  const stack = readStackSettings();
  if (!stack.architectures.every((a) => a === "arm64")) throw new Error("bench/prices.ts prices Arm Lambda");
  log("starting DynamoDB Local (in memory)");
  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  let measured: Awaited<ReturnType<typeof measure>>;
  try {
    measured = await measure(ddb.endpoint, {
      runs: quick ? 20 : 200,
      routeGroupCacheMs: stack.routeGroupCacheMs || 5_000,
      log,
    });
  } finally {
    await ddb.stop();
  }
  const cost = costModel(measured, stack);
  const cpu = cpus();
  const results: BenchResults = {
    schema: 2,
    mode: quick ? "quick" : "full",
    startedAt: started.toISOString(),
    durationSeconds: Math.round((Date.now() - started.getTime()) / 100) / 10,
    environment: {
      node: process.version,
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? "unknown",
      loadAverageAtStart: Math.round(load * 10) / 10,
    },
    stack,
    measured,
    cost,
    targets: judgeTargets(measured, cost.scenarios),
  };
  console.log(`\n${consoleReport(results)}`);
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const dir = join(ROOT, "bench-results");
  mkdirSync(dir, { recursive: true });
  const written = [join(dir, `${results.startedAt.replace(/[:.]/g, "-")}.json`), join(dir, "latest.json")];
  for (const file of written) writeFileSync(file, json);
  if (!quick) {
    writeFileSync(join(ROOT, "docs", "bench", "latest.json"), json);
    writeFileSync(join(ROOT, "docs", "bench", "README.md"), markdownReport(results));
    written.push("docs/bench/latest.json", "docs/bench/README.md");
  }
  const missed = results.targets.filter((t) => !t.pass);
  console.log(
    `\n${results.targets.length - missed.length} of ${results.targets.length} targets PASS${missed.length > 0 ? `; MISS: ${missed.map((t) => t.id).join(", ")}` : ""}`,
  );
  console.log(
    `Bench took ${results.durationSeconds} s; written: ${written.map((f) => f.replace(ROOT, "")).join(", ")}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
