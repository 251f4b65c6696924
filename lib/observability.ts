/**
 * The logger and metrics singletons shared by every function (created once per execution environment).
 *
 * Metrics are CloudWatch EMF lines on stdout: that is how Lambda publishes them, and only there are
 * they useful. Outside Lambda (the local runner, tests, benchmarks) `flushMetrics()` drops them
 * instead of printing one JSON blob per request, unless `POWERTOOLS_METRICS_DISABLED=false` asks for
 * them explicitly. Powertools itself only turns metrics off through env variables read in the
 * constructor (`POWERTOOLS_METRICS_DISABLED`, `POWERTOOLS_DEV`), so the decision is made here, once.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from "./metric-names";

export { METRICS_NAMESPACE, MetricName, SERVICE_NAME };

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });

export { MetricUnit };

const runningInLambda = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;
const explicitlyEnabled = /^(false|0|no|off)$/i.test(process.env.POWERTOOLS_METRICS_DISABLED ?? "");
const publishMetrics = runningInLambda || explicitlyEnabled;

function flushIntervalFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 0;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 3_600_000) {
    throw new Error(`METRICS_FLUSH_INTERVAL_MS must be a whole number of ms from 0 to 3600000, got ${raw}`);
  }
  return value;
}

/**
 * With METRICS_FLUSH_INTERVAL_MS (the stack sets it on HTTP route functions), counts are summed in the
 * instance and published as one EMF line at most once per interval, instead of one line per
 * invocation: at hundreds of requests a second, those lines were a large part of the CloudWatch Logs
 * bill (docs/performance.md "Cost"). 0 publishes at the end of every invocation.
 */
const flushIntervalMs = flushIntervalFromEnv(process.env.METRICS_FLUSH_INTERVAL_MS);
const pendingCounts = new Map<MetricName, number>();
let lastPublishedAt = Date.now();

/** Adds one count to a metric (the common case). */
export function countMetric(name: MetricName, value = 1): void {
  if (flushIntervalMs > 0) pendingCounts.set(name, (pendingCounts.get(name) ?? 0) + value);
  else metrics.addMetric(name, MetricUnit.Count, value);
}

function movePendingCounts(now: number): void {
  if (pendingCounts.size === 0 || now - lastPublishedAt < flushIntervalMs) return;
  for (const [name, value] of pendingCounts) metrics.addMetric(name, MetricUnit.Count, value);
  pendingCounts.clear();
  lastPublishedAt = now;
}

/**
 * Ends an invocation's metrics: publishes them as EMF in Lambda, drops them elsewhere. Never prints
 * Powertools' "no metrics" warning for invocations that recorded nothing.
 */
export function flushMetrics(now = Date.now()): void {
  movePendingCounts(now);
  if (!metrics.hasStoredMetrics()) return;
  if (publishMetrics) {
    metrics.publishStoredMetrics();
  } else {
    metrics.clearMetrics();
  }
}
