// Prints what every tier of .ci/run counted, the skipped total, then the one plain line CI reads: `N passed, N failed`.
// Usage: node .ci/summary.mjs <results dir> <tier>...  Each tier left one of:
//   <tier>.json      vitest's JSON reporter (unit, integration, e2e and infra share `npm test`'s file)
//   <tier>/*.xml     a JUnit report (Schemathesis: one test case per API operation, plus its stateful phase)
//   failed-steps     one line per step that failed outside a test runner (install, typecheck, lint, synth)
// A tier that left nothing counts as one failure: a runner that crashed before reporting ran no test.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [dir, ...tiers] = process.argv.slice(2);
const rows = [];
const total = { passed: 0, failed: 0, skipped: 0 };

function add(name, counts) {
  rows.push({ name, ...counts });
  total.passed += counts.passed;
  total.failed += counts.failed;
  total.skipped += counts.skipped;
}

/** vitest JSON: split by tier from the test file's folder (test/unit/…, test/interop/…). */
function vitestTiers(file) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  const byTier = new Map();
  for (const result of report.testResults ?? []) {
    const tier = /\btest\/([^/]+)\//.exec(result.name.replaceAll("\\", "/"))?.[1] ?? "other";
    const counts = byTier.get(tier) ?? { passed: 0, failed: 0, skipped: 0 };
    for (const assertion of result.assertionResults ?? []) {
      if (assertion.status === "passed") counts.passed += 1;
      else if (assertion.status === "failed") counts.failed += 1;
      else counts.skipped += 1;
    }
    // A file that failed to load has no assertions but did fail.
    if ((result.assertionResults ?? []).length === 0 && result.status === "failed") counts.failed += 1;
    byTier.set(tier, counts);
  }
  return byTier;
}

function junit(folder) {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  let found = false;
  for (const name of readdirSync(folder).filter((n) => n.endsWith(".xml"))) {
    const xml = readFileSync(join(folder, name), "utf8");
    const head = /<testsuites\b([^>]*)>/.exec(xml)?.[1] ?? /<testsuite\b([^>]*)>/.exec(xml)?.[1];
    if (head === undefined) continue;
    const attr = (key) => Number(new RegExp(`\\b${key}="(\\d+)"`).exec(head)?.[1] ?? 0);
    const failed = attr("failures") + attr("errors");
    counts.failed += failed;
    counts.skipped += attr("skipped");
    counts.passed += attr("tests") - failed - attr("skipped");
    found = true;
  }
  return found ? counts : undefined;
}

for (const tier of tiers) {
  const json = join(dir, `${tier}.json`);
  const folder = join(dir, tier);
  if (existsSync(json)) {
    try {
      for (const [name, counts] of vitestTiers(json)) add(name, counts);
    } catch (error) {
      add(`${tier} (unreadable report: ${error.message})`, { passed: 0, failed: 1, skipped: 0 });
    }
  } else if (existsSync(folder) && junit(folder) !== undefined) {
    add(tier, junit(folder));
  } else {
    add(`${tier} (no report: the runner did not finish)`, { passed: 0, failed: 1, skipped: 0 });
  }
}
const steps = join(dir, "failed-steps");
if (existsSync(steps)) {
  for (const step of readFileSync(steps, "utf8").split("\n").filter(Boolean)) {
    add(`${step} (step failed)`, { passed: 0, failed: 1, skipped: 0 });
  }
}

console.log("");
console.log("Tests by tier:");
for (const row of rows) {
  console.log(`  ${row.name.padEnd(16)} ${row.passed} passed, ${row.failed} failed, ${row.skipped} skipped`);
}
console.log(`Skipped: ${total.skipped}`);
console.log(`${total.passed} passed, ${total.failed} failed`);
