/**
 * `npm run fuzz`: hostile input against a whole local registry (its own DynamoDB Local, in memory),
 * 10,000 cases by default. Prints the case count, the answers by status and category, and every
 * violation (a 5xx, a non-4xx, an error body not of API.md's shape, or any change to the table).
 *
 *   npm run fuzz -- --runs 50000 --seed 42 --concurrency 8
 *
 * Exit code 1 when there is a violation. Cases run in batches; the table is dumped (Scan) before the
 * run and after every batch, so a change is pinned to one batch, whose requests are listed.
 *
 * Then the same for RocketMQ's protocol: `--frames` hostile frames (10,000 by default; 0 skips them)
 * against a remoting gateway in front of the same registry (frame-fuzz.ts).
 */
import { parseArgs } from "node:util";
import fc from "fast-check";
import { startLocalRegistry } from "../../lib/local/registry";
import { createDocumentClient } from "../../lib/store/dynamodb-client";
import { dumpTable } from "../support/table-dump";
import { runFrameFuzz } from "./frame-fuzz";
import {
  describe,
  type HostileRequest,
  hostileRequest,
  mustHaveRequests,
  SEED,
  seedRegistration,
  send,
  violationsOf,
} from "./hostile-requests";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "10000" },
    seed: { type: "string" },
    concurrency: { type: "string", default: "8" },
    batch: { type: "string", default: "250" },
    frames: { type: "string", default: "10000" },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
const concurrency = Number(values.concurrency);
const batchSize = Number(values.batch);
const frames = Number(values.frames);
if (
  ![runs, seed, concurrency, batchSize, frames].every((n) => Number.isInteger(n) && n >= 0) ||
  concurrency < 1 ||
  batchSize < 1
) {
  console.error("usage: npm run fuzz -- [--runs N] [--frames N] [--seed N] [--concurrency N] [--batch N]");
  process.exit(2);
}

async function main(): Promise<number> {
  const started = Date.now();
  console.log(
    `fuzz: ${runs} generated cases (+ ${mustHaveRequests().length} fixed ones), seed ${seed} (replay: npm run fuzz -- --seed ${seed})`,
  );
  const registry = await startLocalRegistry({
    dataDir: ":memory:",
    sweepIntervalMs: 24 * 3600 * 1000,
    logLevel: "CRITICAL",
  });
  const ddb = createDocumentClient({ endpoint: registry.dynamodbEndpoint });
  try {
    for (const id of [0, 1] as const)
      await expectOk(registry.url, "POST", "/brokers/heartbeat", seedRegistration(id));
    for (const key of SEED.kvKeys) {
      await expectOk(registry.url, "PUT", `/kv/${SEED.kvNamespace}/${encodeURIComponent(key)}`, {
        value: `v-${key}`,
      });
    }
    await expectOk(registry.url, "PUT", `/kv/ORDER_TOPIC_CONFIG/${SEED.topics[0]}`, {
      value: `${SEED.brokerName}:4`,
    });
    let expected = JSON.stringify(await dumpTable(ddb, registry.tableName));

    const statuses = new Map<number, number>();
    const labels = new Map<string, number>();
    const violations: string[] = [];
    let cases = 0;
    const arbitrary = hostileRequest({ oversizedPerMille: 3 });
    const batches = Math.ceil(runs / batchSize);
    for (let b = 0; b <= batches; b++) {
      const batch: HostileRequest[] =
        b === 0
          ? mustHaveRequests()
          : fc.sample(arbitrary, {
              numRuns: Math.min(batchSize, runs - (b - 1) * batchSize),
              seed: seed + b,
            });
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < batch.length) {
            const r = batch[next++] as HostileRequest;
            const kind = r.label.split(" ").slice(0, 2).join(" ");
            labels.set(kind, (labels.get(kind) ?? 0) + 1);
            try {
              const response = await send(registry.url, r);
              statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
              for (const v of violationsOf(r, response)) {
                violations.push(`${v}\n    ${describe(r)}\n    → ${response.text.slice(0, 200)}`);
              }
            } catch (error) {
              violations.push(`no answer: ${String(error)}\n    ${describe(r)}`);
            }
            cases++;
          }
        }),
      );
      const after = JSON.stringify(await dumpTable(ddb, registry.tableName));
      if (after !== expected) {
        violations.push(
          `the table changed during batch ${b} (sample seed ${seed + b}); its requests:\n    ${batch.map(describe).join("\n    ")}`,
        );
        expected = after;
      }
      if (b % 10 === 0 || b === batches) {
        process.stdout.write(
          `  ${cases} cases, ${violations.length} violations, ${Math.round((Date.now() - started) / 1000)} s\n`,
        );
      }
    }

    const sorted = (m: Map<string | number, number>) =>
      [...m.entries()].sort(([a], [b]) => (String(a) < String(b) ? -1 : 1)).map(([k, n]) => `${k}: ${n}`);
    console.log(`\nfuzz: ${cases} cases in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}`);
    console.log(`statuses: ${sorted(statuses).join(", ")}`);
    console.log(`categories: ${sorted(labels).join(", ")}`);
    console.log(`violations: ${violations.length}`);
    for (const v of violations.slice(0, 30)) console.log(`  - ${v}`);
    if (violations.length > 30) console.log(`  ... and ${violations.length - 30} more`);

    let frameViolations = 0;
    if (frames > 0) {
      const frameStarted = Date.now();
      console.log(`\nfuzz: ${frames} hostile RocketMQ remoting frames, seed ${seed}`);
      const report = await runFrameFuzz({
        registryUrl: registry.url,
        ddb,
        tableName: registry.tableName,
        runs: frames,
        seed,
        concurrency: Math.max(concurrency, 32),
        batchSize: 500,
        log: (line) => console.log(line),
      });
      frameViolations = report.violations.length;
      console.log(`fuzz: ${report.cases} frames in ${((Date.now() - frameStarted) / 1000).toFixed(1)} s`);
      console.log(
        `outcomes: ${sorted(report.outcomes).join(", ")}; connections closed with a log line: ${report.closeLogLines}`,
      );
      console.log(`categories: ${sorted(report.labels).join(", ")}`);
      console.log(`answer codes: ${sorted(report.codes).join(", ")}`);
      console.log(`violations (crashes, bad answers, state changes): ${frameViolations}`);
      for (const v of report.violations.slice(0, 30)) console.log(`  - ${v}`);
    }
    return violations.length === 0 && frameViolations === 0 ? 0 : 1;
  } finally {
    ddb.destroy();
    await registry.stop();
  }
}

async function expectOk(url: string, method: string, path: string, json: unknown): Promise<void> {
  const response = await send(url, {
    label: "seed",
    method,
    target: path,
    headers: { "content-type": "application/json" },
    body: Buffer.from(JSON.stringify(json)),
  });
  if (response.status !== 200)
    throw new Error(`seeding ${method} ${path} answered ${response.status}: ${response.text}`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
