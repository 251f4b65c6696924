/**
 * Metrics summed per instance (METRICS_FLUSH_INTERVAL_MS, set by the stack on HTTP route functions):
 * one EMF line per interval instead of one per invocation, with the counts of the whole interval.
 */
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

async function load(interval: string | undefined) {
  vi.resetModules();
  if (interval !== undefined) vi.stubEnv("METRICS_FLUSH_INTERVAL_MS", interval);
  const observability = await import("../../lib/observability");
  const addMetric = vi.spyOn(observability.metrics, "addMetric");
  return { ...observability, addMetric };
}

describe("metrics flush interval", () => {
  it("sums counts and adds them once per interval", async () => {
    const { countMetric, flushMetrics, MetricName, addMetric } = await load("60000");
    const start = Date.now();
    countMetric(MetricName.RouteQueries, 20);
    flushMetrics(start + 1_000);
    countMetric(MetricName.RouteQueries, 20);
    countMetric(MetricName.RouteNotFound);
    flushMetrics(start + 30_000);
    expect(addMetric).not.toHaveBeenCalled();
    flushMetrics(start + 61_000);
    expect(addMetric.mock.calls).toEqual([
      ["RouteQueries", "Count", 40],
      ["RouteNotFound", "Count", 1],
    ]);
    countMetric(MetricName.RouteQueries);
    flushMetrics(start + 62_000);
    expect(addMetric).toHaveBeenCalledTimes(2);
  });

  it("adds every count at once without an interval (the sweeper, the local runner)", async () => {
    const { countMetric, MetricName, addMetric } = await load(undefined);
    countMetric(MetricName.SweepCount);
    expect(addMetric.mock.calls).toEqual([["SweepCount", "Count", 1]]);
  });

  it("refuses an interval that is not a whole number of ms at cold start", async () => {
    await expect(load("soon")).rejects.toThrow(/METRICS_FLUSH_INTERVAL_MS/);
  });
});
