/**
 * One run's figures as a readable console table and as docs/bench/README.md (the same tables in
 * Markdown, with the chart). Both are built from the results object that is also written as JSON.
 */
import type { CostResult } from "./cost";
import type { OperationFigure } from "./harness";
import type { BatchResults } from "./scenarios/batch";
import type { HttpResults } from "./scenarios/http";
import type { LambdaResults } from "./scenarios/lambda";
import type { RouteFloor, WriteFloor } from "./scenarios/operations";
import type { RouteCacheResults } from "./scenarios/route-cache";
import type { ScalingPoint } from "./scenarios/scaling";
import type { StackSettings } from "./stack-settings";
import type { TargetResult } from "./targets";

export interface BenchResults {
  schema: 1;
  mode: "full" | "quick";
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  environment: {
    node: string;
    platform: string;
    arch: string;
    cpus: number;
    cpuModel: string;
    loadAverageAtStart: number;
    loadAverageAtEnd: number;
  };
  operations: OperationFigure[];
  floor?: RouteFloor;
  writeFloor?: WriteFloor;
  routeCache?: RouteCacheResults;
  scaling: ScalingPoint[];
  http?: HttpResults;
  lambda?: LambdaResults;
  /** POST /routes: per call and per topic, answer sizes, the fleet's mean. */
  batch?: BatchResults;
  /** What the cost estimate read from the CDK stack (memory, architecture, sweep plan). */
  stack?: StackSettings;
  cost?: CostResult;
  targets: TargetResult[];
}

type Row = Array<string | number>;
interface Table {
  title: string;
  headers: string[];
  rows: Row[];
  /** Right-aligned columns (numbers). */
  numeric?: boolean[];
  notes?: string[];
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
const kb = (bytes: number) => (bytes / 1024).toFixed(0);
const usd = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const ratio = (n: number | undefined) => (n === undefined ? "–" : `${n.toFixed(2)}×`);

function calls(byOperation: OperationFigure["byOperation"]): string {
  return Object.entries(byOperation)
    .map(([name, c]) => (c.requests === 1 ? name : `${name} ×${c.requests}`))
    .join(", ");
}

export function tables(results: BenchResults): Table[] {
  const out: Table[] = [];
  out.push({
    title: "Targets",
    headers: ["", "target", "measured"],
    rows: results.targets.map((t) => [t.pass ? "PASS" : "MISS", t.target, t.measured]),
  });
  out.push({
    title:
      "Per operation (DynamoDB requests and consumed capacity via the store's recorder; latency in-process over DynamoDB Local)",
    headers: ["operation", "requests", "RCU", "WCU", "p50 ms", "p99 ms", "runs", "DynamoDB calls"],
    numeric: [false, true, true, true, true, true, true, false],
    rows: results.operations.map((o) => [
      o.label,
      `${o.requests}${o.requestsVaried ? "*" : ""}`,
      o.rcu,
      o.wcu,
      ms(o.p50Ms),
      ms(o.p99Ms),
      o.runs,
      calls(o.byOperation),
    ]),
    notes: [
      "* request count varied between runs; the largest is shown.",
      "Capacity includes the index (gsi1) writes of queue data.",
    ],
  });
  if (results.floor !== undefined) {
    const f = results.floor;
    const op = (id: string) => results.operations.find((o) => o.id === id);
    const units = (o: OperationFigure | undefined) => (o === undefined ? "–" : `${o.requests} / ${o.rcu}`);
    out.push({
      title: `Route query, group cache off and on (${f.routeGroupCacheMs.toLocaleString("en-US")} ms, warm), over the floor: one raw GetItem p50 ${ms(f.getItemP50Ms)} ms (p99 ${ms(f.getItemP99Ms)} ms), interleaved`,
      headers: [
        "topic on",
        "cache off: requests / RCU",
        "p50 ms",
        "p99 ms",
        "÷ GetItem",
        "raw Query + BatchGet p50 ms",
        "off ÷ raw pair",
        "cache on: requests / RCU",
        "p50 ms",
        "p99 ms",
        "÷ GetItem",
        "raw Query p50 ms",
        "on ÷ raw Query",
      ],
      numeric: [false, true, true, true, true, true, true, true, true, true, true, true, true],
      rows: f.ratios.map((r) => [
        `${r.groups} group(s)`,
        units(op(`route.${r.groups}`)),
        ms(r.routeP50Ms),
        ms(r.routeP99Ms),
        ratio(r.ratio),
        ms(r.rawPairP50Ms),
        ratio(r.overRawPair),
        units(op(`route.cached.${r.groups}`)),
        ms(r.cachedP50Ms),
        ms(r.cachedP99Ms),
        ratio(r.cachedRatio),
        ms(r.rawQueryP50Ms),
        ratio(r.cachedOverRawQuery),
      ]),
      notes: [
        "Cache off (ROUTE_GROUP_CACHE_MS=0): the topic's Query, then one BatchGet of its groups and the sweeper state.",
        "Cache on, warm: every group of the topic read less than the bound ago by this instance, so the topic's Query alone; liveness is still judged per answer.",
        "Raw: the same requests (same keys) sent with the document client: the floor of each design.",
      ],
    });
  }
  if (results.routeCache !== undefined) {
    const c = results.routeCache;
    out.push({
      title: `Route group cache over a fleet (${c.routeGroupCacheMs.toLocaleString("en-US")} ms): ${c.routeQueriesPerSecond} route queries/s spread over N Lambda instances; ${c.groups} groups, ${c.topics} topics on ${c.groupsPerTopic} groups each`,
      headers: [
        "instances",
        "queries/s per instance",
        "hit rate (queries)",
        "groups from cache",
        "requests / query",
        "RCU / query",
        "p50 ms",
        "p99 ms",
        "GetItem p50 ms",
        "÷ GetItem",
        "queries",
        "simulated s",
      ],
      numeric: [false, true, true, true, true, true, true, true, true, true, true, true],
      rows: [
        [
          "cache off (any)",
          "–",
          "–",
          "–",
          c.uncached.requestsPerQuery,
          c.uncached.rcuPerQuery,
          ms(c.uncached.p50Ms),
          ms(c.uncached.p99Ms),
          ms(c.uncached.getItemP50Ms),
          ratio(c.uncached.ratio),
          "–",
          "–",
        ],
        ...c.points.map((p) => [
          p.routeGroupCacheMs === c.routeGroupCacheMs
            ? String(p.instances)
            : `${p.instances}, ${p.routeGroupCacheMs.toLocaleString("en-US")} ms bound`,
          p.queriesPerInstanceSecond,
          `${(p.hitRate * 100).toFixed(1)}%`,
          `${(p.groupHitRate * 100).toFixed(1)}%`,
          p.requestsPerQuery,
          p.rcuPerQuery,
          ms(p.p50Ms),
          ms(p.p99Ms),
          ms(p.getItemP50Ms),
          ratio(p.ratio),
          p.queries,
          p.simulatedSeconds,
        ]),
      ],
      notes: [
        "The real NameServer and GroupCache over DynamoDB Local; each instance's clock is simulated (Poisson arrivals at the fleet's rate ÷ N), topics picked at random; a raw GetItem before each query gives the floor.",
        "Hit: answered by the topic's Query alone. A miss reads only the topic's stale groups, with the sweeper state, in one BatchGet: so the reads saved (groups from cache) are far above the hit rate.",
      ],
    });
  }
  if (results.writeFloor !== undefined) {
    const w = results.writeFloor;
    out.push({
      title: "Heartbeats over the write floor (one raw UpdateItem of a small item, interleaved)",
      headers: [
        "raw UpdateItem p50 ms",
        "p99 ms",
        "steady heartbeat ÷ UpdateItem",
        "light heartbeat ÷ UpdateItem",
      ],
      numeric: [true, true, true, true],
      rows: [[ms(w.updateItemP50Ms), ms(w.updateItemP99Ms), ratio(w.steadyRatio), ratio(w.lightRatio)]],
    });
  }
  if (results.scaling.length > 0) {
    out.push({
      title:
        "Scaling: the same broker's steady heartbeat and the same topic's route (on 2 groups; group cache off, and on, warm) as the table grows",
      headers: [
        "topics",
        "groups",
        "heartbeat req",
        "WCU",
        "p50 ms",
        "p99 ms",
        "route off: req",
        "RCU",
        "p50 ms",
        "p99 ms",
        "route on: req",
        "RCU",
        "p50 ms",
        "p99 ms",
        "UpdateItem p50",
        "heartbeat ÷ UpdateItem",
        "GetItem p50",
        "route off ÷ GetItem",
        "route on ÷ GetItem",
        "cluster info req / RCU / p50 ms",
        "populate s",
      ],
      numeric: [
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        true,
        false,
        true,
      ],
      rows: results.scaling.map((p) => [
        p.topics.toLocaleString("en-US"),
        p.groups.toLocaleString("en-US"),
        p.steadyHeartbeat.requests,
        p.steadyHeartbeat.wcu,
        ms(p.steadyHeartbeat.p50Ms),
        ms(p.steadyHeartbeat.p99Ms),
        p.route.requests,
        p.route.rcu,
        ms(p.route.p50Ms),
        ms(p.route.p99Ms),
        p.routeCached.requests,
        p.routeCached.rcu,
        ms(p.routeCached.p50Ms),
        ms(p.routeCached.p99Ms),
        ms(p.updateItemP50Ms),
        ratio(p.heartbeatRatio),
        ms(p.getItemP50Ms),
        ratio(p.routeRatio),
        ratio(p.routeCachedRatio),
        `${p.clusterInfo.requests} / ${p.clusterInfo.rcu} / ${ms(p.clusterInfo.p50Ms)}`,
        p.populateSeconds,
      ]),
      notes: [
        "Flat means: requests and capacity identical at every size, and each p50 ÷ its raw request's p50 at that size within 1.5×.",
      ],
    });
  }
  if (results.http !== undefined) {
    const h = results.http;
    const l = h.load;
    out.push({
      title: `HTTP through the real handlers (local server, child process): autocannon, ${h.connections} connections, ${h.rounds} rounds × ${h.durationSeconds} s per request kind`,
      headers: ["request", "req/s", "÷ GET /health", "p50 ms", "p99 ms", "one at a time p50 ms", "p99 ms"],
      numeric: [false, true, true, true, true, true, true],
      rows: [
        [
          "GET /health",
          l.health.requestsPerSecond,
          "1.00×",
          l.health.p50Ms,
          l.health.p99Ms,
          ms(h.sequential.health.p50Ms),
          ms(h.sequential.health.p99Ms),
        ],
        [
          "POST /brokers/heartbeat (steady)",
          l.heartbeat.requestsPerSecond,
          ratio(h.ratios.heartbeat),
          l.heartbeat.p50Ms,
          l.heartbeat.p99Ms,
          ms(h.sequential.heartbeat.p50Ms),
          ms(h.sequential.heartbeat.p99Ms),
        ],
        [
          "GET /topics/{topic}/route, ROUTE_GROUP_CACHE_MS=0",
          l.route.requestsPerSecond,
          ratio(h.ratios.route),
          l.route.p50Ms,
          l.route.p99Ms,
          ms(h.sequential.route.p50Ms),
          ms(h.sequential.route.p99Ms),
        ],
        [
          `GET /topics/{topic}/route, ROUTE_GROUP_CACHE_MS=${h.routeGroupCacheMs}`,
          l.routeCached.requestsPerSecond,
          ratio(h.ratios.routeCached),
          l.routeCached.p50Ms,
          l.routeCached.p99Ms,
          ms(h.sequential.routeCached.p50Ms),
          ms(h.sequential.routeCached.p99Ms),
        ],
        [
          "GET /no-such-path (404, no DynamoDB)",
          l.notFound.requestsPerSecond,
          ratio(h.ratios.notFound),
          l.notFound.p50Ms,
          l.notFound.p99Ms,
          "–",
          "–",
        ],
      ],
      notes: [
        "GET /health reads the sweeper state (one GetItem): it is the cheapest route that reaches the table.",
        `The cached route is answered by a second registry process over the same table, started with ROUTE_GROUP_CACHE_MS=${h.routeGroupCacheMs} (real time: each group read again about once per bound); ÷ GET /health is against the first one's.`,
      ],
    });
  }
  if (results.lambda !== undefined) {
    const lam = results.lambda;
    out.push({
      title: `Lambda bundles (esbuild as infra/namesrv-function.ts, target ${lam.esbuildTarget}) and cold init (fresh node ${lam.nodeOptions}, median of ${lam.coldInitRuns}; empty Node ${ms(lam.emptyNodeMs)} ms)`,
      headers: [
        "function",
        "SDK bundled: KB",
        "gzip KB",
        "init ms",
        "÷ empty",
        "SDK runtime: KB",
        "gzip KB",
        "init ms",
        "÷ empty",
      ],
      numeric: [false, true, true, true, true, true, true, true, true],
      rows: lam.functions.map((f) => [
        f.name,
        kb(f.bundled.bytes),
        kb(f.bundled.gzipBytes),
        f.bundled.coldInitMs === undefined ? "–" : ms(f.bundled.coldInitMs),
        ratio(f.bundled.coldInitRatio),
        kb(f.runtime.bytes),
        kb(f.runtime.gzipBytes),
        f.runtime.coldInitMs === undefined ? "–" : ms(f.runtime.coldInitMs),
        ratio(f.runtime.coldInitRatio),
      ]),
      notes: [
        `Largest inputs (register-broker, SDK bundled): ${(lam.functions.find((f) => f.name === "register-broker")?.bundled.topInputs ?? []).map((i) => `${i.name} ${kb(i.bytes)} KB`).join(", ")}.`,
        "SDK runtime: @aws-sdk/* and @smithy/* external, resolved from node_modules here (the Lambda runtime's copy on AWS).",
      ],
    });
    if (lam.composition !== undefined) {
      const comp = lam.composition;
      const asBuilt = comp.parts;
      const total = asBuilt.reduce((n, p) => n + p.bytes, 0);
      const whatIfs = lam.whatIf;
      const names = [
        ...new Set([
          ...asBuilt.map((p) => p.part),
          ...whatIfs.flatMap((w) => w.composition.map((p) => p.part)),
        ]),
      ];
      const bytesOf = (parts: { part: string; bytes: number }[], name: string) =>
        parts.find((p) => p.part === name)?.bytes ?? 0;
      out.push({
        title: `What the ${comp.function} bundle (SDK bundled) is made of: esbuild metafile, KB in the minified output`,
        headers: ["part", "as built", "share", ...whatIfs.map((w) => `what-if: ${w.id}`)],
        numeric: [false, true, true, ...whatIfs.map(() => true)],
        rows: [
          ...names.map((name) => [
            name,
            kb(bytesOf(asBuilt, name)),
            `${((bytesOf(asBuilt, name) / total) * 100).toFixed(0)}%`,
            ...whatIfs.map((w) => kb(bytesOf(w.composition, name))),
          ]),
          [
            "inputs, total",
            kb(total),
            "100%",
            ...whatIfs.map((w) => kb(w.composition.reduce((n, p) => n + p.bytes, 0))),
          ],
          [
            "bundle file (with the banner and esbuild's glue)",
            kb(lam.functions.find((f) => f.name === comp.function)?.bundled.bytes ?? 0),
            "",
            ...whatIfs.map((w) => kb(w.bundled.bytes)),
          ],
          [
            "cold init ÷ empty Node",
            ratio(lam.functions.find((f) => f.name === comp.function)?.bundled.coldInitRatio),
            "",
            ...whatIfs.map((w) => ratio(w.bundled.coldInitRatio)),
          ],
        ],
        notes: [
          ...whatIfs.map(
            (w) =>
              `what-if ${w.id} (built by the bench, never deployed): ${w.label}${w.rewritten.length > 0 ? `; rewrites ${w.rewritten.join(", ")}` : ""}${w.runtime !== undefined ? `; with the SDK external: ${kb(w.runtime.bytes)} KB, cold init ${ratio(w.runtime.coldInitRatio)}` : ""}.`,
          ),
        ],
      });
    }
    out.push({
      title: `What the cold init is made of (SDK bundled; empty Node ${ms(lam.emptyNodeMs)} ms; same runs, same options)`,
      headers: ["bundle", "KB", "init ms", "over empty Node, ms"],
      numeric: [false, true, true, true],
      rows: lam.breakdown.map((b) => [b.name, kb(b.bytes), ms(b.coldInitMs), ms(b.overEmptyMs)]),
      notes: [
        "Probes (bench/lambda-probes/) import one part each: the DynamoDB client module, the zod model, Powertools.",
      ],
    });
  }
  if (results.batch !== undefined) {
    const b = results.batch;
    const init = (name: string) => results.lambda?.functions.find((f) => f.name === name)?.bundled.coldInitMs;
    const sdk = results.lambda?.breakdown.find((x) => x.name === "probe: sdk only")?.coldInitMs;
    const routesInit = init("get-routes");
    out.push({
      title: "POST /routes: DynamoDB per call and per topic, latency ÷ the same number of raw GetItems",
      headers: [
        "topics",
        "groups/topic",
        "group cache",
        "requests",
        "RCU",
        "req/topic",
        "RCU/topic",
        "p50 ms",
        "p99 ms",
        "p50 ÷ GetItems",
        "p99 ÷ GetItems",
      ],
      numeric: [true, true, false, true, true, true, true, true, true, true, true],
      rows: b.points.map((p) => [
        p.topics,
        p.groupsPerTopic,
        p.cache,
        p.requests,
        p.rcu,
        p.requestsPerTopic,
        p.rcuPerTopic,
        ms(p.p50Ms),
        ms(p.p99Ms),
        ratio(p.p50Ratio),
        ratio(p.p99Ratio),
      ]),
      notes: [
        "The topics of a call share their groups (a producer's topics on one cluster). The raw GetItems are issued with the call's own parallelism (32 in flight).",
        ...b.sizes.map(
          (z) =>
            `Answer of ${z.topics} topics on ${z.groupsPerTopic} group(s): ${z.jsonBytes.toLocaleString("en-US")} B JSON, ${z.gzipBytes.toLocaleString("en-US")} B gzip; all unchanged ${z.unchangedJsonBytes} B, ${z.unchangedGzipBytes} B gzip; building it ${z.encodeMs} ms.`,
        ),
        `Over the fleet (${b.fleet.callsPerInstanceSecond} calls/s on each of ${b.fleet.instances} instances, ${b.fleet.routeGroupCacheMs} ms group cache): ${b.fleet.requestsPerCall} requests and ${b.fleet.rcuPerCall} RCU per ${b.fleet.topicsPerCall}-topic call, p50 ${ms(b.fleet.p50Ms)} ms, p99 ${ms(b.fleet.p99Ms)} ms.`,
        ...(routesInit !== undefined && sdk !== undefined
          ? [
              `Cold init of get-routes: ${ms(routesInit)} ms, of which the AWS SDK's own import ${ms(sdk)} ms (the SDK alone): the handler adds ${ms(routesInit - sdk)} ms.`,
            ]
          : []),
      ],
    });
  }
  if (results.cost !== undefined) {
    const c = results.cost;
    const names = c.deployments.map((d) => d.name);
    const items = c.deployments[0]?.lines.map((l) => l.item) ?? [];
    out.push({
      title: `Monthly cost, ${c.prices.region}, list prices as of ${c.prices.asOf} (bench/prices.ts; check before quoting)`,
      headers: ["item", ...names],
      numeric: [false, ...names.map(() => true)],
      rows: [
        ...items.map((item, i) => [
          item,
          ...c.deployments.map((d) => {
            const line = d.lines[i];
            return line === undefined
              ? ""
              : `${usd(line.monthlyUsd)}${line.item === item ? "" : ` (${line.item})`}`;
          }),
        ]),
        ["Serverless NameServer, total", ...c.deployments.map((d) => usd(d.totalUsd))],
        ["÷ classic", ...c.deployments.map((d) => `${d.ofClassic.toFixed(2)}×`)],
        ...c.classic.map((l) => [l.item, usd(l.monthlyUsd), "", ""]),
        ["Classic NameServer, total", usd(c.classicTotalUsd), "", ""],
      ],
      notes: [
        ...c.deployments.flatMap((d) => [
          `${d.name}: ${d.lines.map((l) => `${l.item}: ${l.detail}`).join("; ")}.`,
          `${d.name}, quotas: ${d.quotas.join("; ")}.`,
        ]),
        ...c.notes,
      ],
    });
    out.push({
      title: "The fleet × 10 and × 100: monthly cost and the quotas each meets or passes",
      headers: ["fleet", "deployment", "USD / month", "÷ classic", "quotas (mean rates)"],
      numeric: [false, false, true, true, false],
      rows: c.scale.flatMap((s) => [
        ...s.deployments.map((d) => [
          `× ${s.factor}`,
          d.name,
          usd(d.totalUsd),
          `${d.ofClassic.toFixed(2)}×`,
          d.quotas.join("; "),
        ]),
        [`× ${s.factor}`, "classic", usd(s.classic.totalUsd), "1.00×", s.classic.detail],
      ]),
    });
  }
  return out;
}

function pad(text: string, width: number, right: boolean): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

export function consoleReport(results: BenchResults): string {
  const lines: string[] = [];
  for (const t of tables(results)) {
    const cells = [t.headers, ...t.rows.map((r) => r.map(String))];
    const widths = t.headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
    lines.push("", t.title);
    lines.push(t.headers.map((h, i) => pad(h, widths[i] ?? 0, t.numeric?.[i] ?? false)).join("  "));
    lines.push(widths.map((w) => "-".repeat(w)).join("  "));
    for (const r of t.rows)
      lines.push(r.map((c, i) => pad(String(c), widths[i] ?? 0, t.numeric?.[i] ?? false)).join("  "));
    for (const n of t.notes ?? []) lines.push(`  ${n}`);
  }
  return lines.join("\n");
}

const mdCell = (c: string | number) => String(c).replace(/\|/g, "\\|");

export function markdownReport(results: BenchResults, chartFile: string): string {
  const e = results.environment;
  const lines = [
    "# Benchmarks",
    "",
    "<!-- Generated by `npm run bench` (bench/run.ts) from docs/bench/latest.json: do not edit by hand. -->",
    "",
    `Run of ${results.startedAt.slice(0, 10)}, ${results.mode} mode, ${Math.round(results.durationSeconds)} s; Node ${e.node}, ${e.cpus} × ${e.cpuModel}, load average ${e.loadAverageAtStart.toFixed(1)} at start and ${e.loadAverageAtEnd.toFixed(1)} at end.`,
    "Everything runs on one machine: DynamoDB Local (a JVM), the registry and the load generator share its cores, so absolute",
    "latencies are those of DynamoDB Local on a busy machine. Compare ratios within the run; request counts and capacity units",
    "are exact (the store's recorder sees every DynamoDB request). Analysis and recommendations: [docs/performance.md](../performance.md).",
    "",
    `![Hot paths as the registry grows](${chartFile})`,
  ];
  for (const t of tables(results)) {
    lines.push("", `## ${t.title}`, "");
    lines.push(`| ${t.headers.map(mdCell).join(" | ")} |`);
    lines.push(`| ${t.headers.map((_, i) => (t.numeric?.[i] ? "---:" : "---")).join(" | ")} |`);
    for (const r of t.rows) lines.push(`| ${r.map(mdCell).join(" | ")} |`);
    if (t.notes?.length) lines.push("", ...t.notes.map((n) => `- ${n}`));
  }
  lines.push("");
  return lines.join("\n");
}
