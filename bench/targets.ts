/**
 * The issue's targets, judged from one run's figures. Reported (PASS / MISS with the figure that
 * decided), never enforced: timings on a shared machine are for comparison within a run only.
 */
import { FLEET } from "./cost";
import type { OperationFigure } from "./harness";
import type { LambdaResults, SdkMode } from "./scenarios/lambda";
import type { RouteFloor } from "./scenarios/operations";
import type { RouteCachePoint, RouteCacheResults } from "./scenarios/route-cache";
import type { ScalingPoint } from "./scenarios/scaling";

export interface TargetResult {
  id: string;
  target: string;
  measured: string;
  pass: boolean;
}

export const LIMITS = {
  heartbeatRequests: 1,
  heartbeatWcu: 1,
  routeRequests: 2,
  routeLatencyRatio: 2.5,
  /** "Well inside 30 s": at most a third of API Gateway's limit. */
  registration10kMs: 10_000,
  coldInitRatio: 2,
  bundleBytes: 300 * 1024,
  /**
   * Latency "flat": at every size, the operation's p50 ÷ the raw request's p50 at that size (which takes
   * out what DynamoDB Local itself does as its table grows) within 1.5× of each other.
   */
  flatLatencySpread: 1.5,
} as const;

export interface TargetInputs {
  operations: OperationFigure[];
  floor: RouteFloor;
  scaling: ScalingPoint[];
  /** The cache over a fleet: the mix of hits and misses at the cost estimate's instance count. */
  routeCache?: RouteCacheResults;
  lambda?: LambdaResults;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const x = (n: number) => `${n.toFixed(2)}×`;

/** Largest ÷ smallest of a per-stage ratio (an operation's p50 over the raw request's p50 at that size). */
function spread(points: ScalingPoint[], pick: (p: ScalingPoint) => number): number {
  const ratios = points.map(pick);
  return Math.max(...ratios) / Math.min(...ratios);
}

export function judgeTargets(inputs: TargetInputs): TargetResult[] {
  const results: TargetResult[] = [];
  const op = (id: string) => inputs.operations.find((o) => o.id === id);
  const points = inputs.scaling;

  const steady = op("heartbeat.steady");
  if (steady !== undefined && points.length > 0) {
    const maxRequests = Math.max(steady.requests, ...points.map((p) => p.steadyHeartbeat.requests));
    const maxWcu = Math.max(steady.wcu, ...points.map((p) => p.steadyHeartbeat.wcu));
    const hbSpread = spread(points, (p) => p.heartbeatRatio);
    results.push({
      id: "heartbeat",
      target: `steady heartbeat: ${LIMITS.heartbeatRequests} request, ≤${LIMITS.heartbeatWcu} WCU, flat from ${points[0]?.groups} to ${points.at(-1)?.groups} groups`,
      measured: `${maxRequests} request(s), ${maxWcu} WCU at every size; p50 ${points.map((p) => p.steadyHeartbeat.p50Ms).join(" → ")} ms, ÷ raw UpdateItem ${points.map((p) => x(p.heartbeatRatio)).join(" → ")} (spread ${x(hbSpread)})`,
      pass:
        maxRequests <= LIMITS.heartbeatRequests &&
        maxWcu <= LIMITS.heartbeatWcu &&
        hbSpread <= LIMITS.flatLatencySpread,
    });
  }

  const routes = inputs.operations.filter((o) => /^route\.\d+$/.test(o.id));
  const cachedRoutes = inputs.operations.filter((o) => /^route\.cached\.\d+$/.test(o.id));
  if (routes.length > 0 && points.length > 0) {
    const cacheMs = inputs.floor.routeGroupCacheMs;
    const maxRequests = Math.max(...routes.map((r) => r.requests), ...points.map((p) => p.route.requests));
    const maxCached = Math.max(
      ...cachedRoutes.map((r) => r.requests),
      ...points.map((p) => p.routeCached.requests),
    );
    const routeSpread = spread(points, (p) => p.routeRatio);
    const cachedSpread = spread(points, (p) => p.routeCachedRatio);
    results.push({
      id: "route.requests",
      target: `route query: ≤${LIMITS.routeRequests} requests, flat in table size (group cache off, and on)`,
      measured: `cache off: ${maxRequests} requests on ${routes.map((r) => r.id.split(".")[1]).join("/")} groups and at every size, p50 ÷ raw GetItem ${points.map((p) => x(p.routeRatio)).join(" → ")} (spread ${x(routeSpread)}); cache on (${cacheMs} ms, warm): ${maxCached} request, ${points.map((p) => x(p.routeCachedRatio)).join(" → ")} (spread ${x(cachedSpread)})`,
      pass:
        maxRequests <= LIMITS.routeRequests &&
        maxCached <= LIMITS.routeRequests &&
        routeSpread <= LIMITS.flatLatencySpread &&
        cachedSpread <= LIMITS.flatLatencySpread,
    });
    const cached = [
      ...inputs.floor.ratios.map((r) => ({ where: `${r.groups} group(s)`, ratio: r.cachedRatio })),
      ...points.map((p) => ({
        where: `${p.topics.toLocaleString("en-US")} topics`,
        ratio: p.routeCachedRatio,
      })),
    ];
    const worst = Math.max(...cached.map((r) => r.ratio));
    results.push({
      id: "route.latency",
      target: `route query latency ≤${LIMITS.routeLatencyRatio}× one raw GetItem (p50), as deployed: group cache on (${cacheMs} ms), warm`,
      measured: `cache on: ${cached.map((r) => `${r.where} ${x(r.ratio)}`).join(", ")}; cache off: ${[
        ...inputs.floor.ratios.map((r) => `${r.groups} group(s) ${x(r.ratio)}`),
        ...points.map((p) => `${p.topics.toLocaleString("en-US")} topics ${x(p.routeRatio)}`),
      ].join(", ")}`,
      pass: worst <= LIMITS.routeLatencyRatio,
    });

    // The same over a fleet: the mix of hits and misses when the queries are spread over instances.
    const fleet = inputs.routeCache;
    const atBound = fleet?.points.filter((p) => p.routeGroupCacheMs === cacheMs) ?? [];
    const assumed = atBound.find((p) => p.instances === FLEET.routeFunctionInstances);
    if (fleet !== undefined && assumed !== undefined) {
      const hits = (p: RouteCachePoint) => `${(p.hitRate * 100).toFixed(0)}% hits`;
      const others = fleet.points.filter((p) => p !== assumed);
      results.push({
        id: "route.latency.fleet",
        target: `the same over a fleet: ${fleet.routeQueriesPerSecond} queries/s (topics on ${fleet.groupsPerTopic} of ${fleet.groups} groups) over ${assumed.instances} instances, the cost estimate's`,
        measured: `${x(assumed.ratio)} (${hits(assumed)}, ${assumed.requestsPerQuery} requests per query); ${others
          .map(
            (p) =>
              `${p.instances} instances${p.routeGroupCacheMs === cacheMs ? "" : ` at ${p.routeGroupCacheMs} ms`} ${x(p.ratio)} (${hits(p)})`,
          )
          .join(", ")}; cache off ${x(fleet.uncached.ratio)}`,
        pass: assumed.ratio <= LIMITS.routeLatencyRatio,
      });
    }
  }

  const reg = inputs.operations.find((o) => o.id === "registration.first.10000");
  if (reg !== undefined) {
    results.push({
      id: "registration.10k",
      target: `first registration of 10,000 topics well inside 30 s (≤${LIMITS.registration10kMs / 1000} s)`,
      measured: `p50 ${(reg.p50Ms / 1000).toFixed(1)} s, p99 ${(reg.p99Ms / 1000).toFixed(1)} s (${reg.requests} requests)`,
      pass: reg.p99Ms <= LIMITS.registration10kMs,
    });
  }

  if (inputs.lambda !== undefined) {
    const lambda = inputs.lambda;
    for (const mode of ["bundled", "runtime"] as SdkMode[]) {
      const measured = lambda.functions.filter((f) => f[mode].coldInitRatio !== undefined);
      if (measured.length > 0) {
        const worst = measured.reduce((a, b) =>
          (b[mode].coldInitRatio ?? 0) > (a[mode].coldInitRatio ?? 0) ? b : a,
        );
        const best = measured.reduce((a, b) =>
          (b[mode].coldInitRatio ?? 0) < (a[mode].coldInitRatio ?? 0) ? b : a,
        );
        results.push({
          id: `coldInit.${mode}`,
          target: `cold init ≤${LIMITS.coldInitRatio}× an empty Node process (SDK ${mode})`,
          measured: `${x(best[mode].coldInitRatio ?? 0)} (${best.name}) to ${x(worst[mode].coldInitRatio ?? 0)} (${worst.name}); empty Node ${lambda.emptyNodeMs} ms${
            mode === "bundled" && lambda.breakdown.length > 0
              ? `; over empty: ${lambda.breakdown.map((b) => `${b.name.replace(/^probe: /, "")} +${b.overEmptyMs.toFixed(0)} ms`).join(", ")}`
              : ""
          }${lambda.whatIf
            .map((w) => ({ id: w.id, ratio: (mode === "bundled" ? w.bundled : w.runtime)?.coldInitRatio }))
            .filter((w) => w.ratio !== undefined)
            .map((w, i) => `${i === 0 ? "; what-if (not deployed): " : ", "}${w.id} ${x(w.ratio ?? 0)}`)
            .join("")}`,
          pass: (worst[mode].coldInitRatio ?? 0) <= LIMITS.coldInitRatio,
        });
      }
      const largest = lambda.functions.reduce((a, b) => (b[mode].bytes > a[mode].bytes ? b : a));
      const smallest = lambda.functions.reduce((a, b) => (b[mode].bytes < a[mode].bytes ? b : a));
      const whatIf = lambda.whatIf
        .map((w) => {
          const figure = mode === "bundled" ? w.bundled : w.runtime;
          return figure === undefined ? undefined : `${w.id} ${kb(figure.bytes)}`;
        })
        .filter((w) => w !== undefined);
      const inputsOf = largest[mode].topInputs
        .slice(0, 3)
        .map((i) => `${i.name} ${kb(i.bytes)}`)
        .join(", ");
      const whatIfText =
        whatIf.length > 0
          ? `; what-if (${lambda.composition?.function ?? "?"}, not deployed): ${whatIf.join(", ")}`
          : "";
      results.push({
        id: `bundle.${mode}`,
        target: `each bundle ≤${kb(LIMITS.bundleBytes)} (SDK ${mode})`,
        measured: `${kb(smallest[mode].bytes)} (${smallest.name}) to ${kb(largest[mode].bytes)} (${largest.name}); largest inputs: ${inputsOf}${whatIfText}`,
        pass: largest[mode].bytes <= LIMITS.bundleBytes,
      });
    }
  }
  return results;
}
