/** The scheduled sweeper (scanNotActiveBroker): one sweep per invocation, reported as metrics. */
import type { ScheduledEvent } from "aws-lambda";
import { nameServer } from "../lib/app/container";
import type { SweepReport } from "../lib/app/name-server";
import { countMetric, flushMetrics, logger, MetricName, MetricUnit, metrics } from "../lib/observability";

export async function handler(_event?: ScheduledEvent): Promise<SweepReport> {
  try {
    const report = await nameServer.sweep();
    metrics.addMetric(MetricName.SweepDurationMs, MetricUnit.Milliseconds, report.durationMs);
    countMetric(MetricName.SweepCount);
    countMetric(MetricName.Evictions, report.expiredInstances);
    countMetric(MetricName.SelfPreservation, report.selfPreservation ? 1 : 0);
    countMetric(MetricName.SelfPreservationActive, report.selfPreservation ? 1 : 0);
    countMetric(MetricName.PreservedInstances, report.preservedInstances);
    countMetric(MetricName.SelfPreservationTimeouts, report.selfPreservationEvent === "timedOut" ? 1 : 0);
    if (report.selfPreservationEvent === "timedOut") {
      logger.error(
        "Self-preservation reached its maximum duration (SELF_PRESERVATION_MAX_DURATION_MS): expiry resumes",
        { report },
      );
    } else if (report.selfPreservationEvent === "staleSince") {
      logger.warn(
        "Most instances are dead but the last healthy sweep is too old to know who was live: expiring normally",
        { report },
      );
    } else if (report.selfPreservationEvent === "recovered") {
      logger.info("Heartbeats arrive again: self-preservation ended", { report });
    } else if (report.selfPreservation) {
      logger.warn("Sweep kept instances alive: self-preservation is active", { report });
    } else if (report.expiredInstances > 0 || report.removedGroups > 0) {
      logger.info("Sweep expired instances", { report });
    } else {
      logger.debug("Sweep found nothing to expire", { report });
    }
    return report;
  } catch (error) {
    logger.error("Sweep failed", { error: error instanceof Error ? error : String(error) });
    throw error;
  } finally {
    flushMetrics();
  }
}
