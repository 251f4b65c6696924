/**
 * The names the registry's metrics are published under, shared by the functions (lib/observability.ts)
 * and the CDK construct's alarms and dashboard (infra/): plain constants, no Powertools, so that the
 * published construct (`serverless-namesrv/cdk`) does not pull the Lambda runtime's libraries.
 */
export const SERVICE_NAME = "namesrv";

/** CloudWatch namespace of the registry's metrics; the stack's alarms and dashboard read it. */
export const METRICS_NAMESPACE = "NameServer";

/** The metric names: part of the dashboards' and alarms' contract, never rename casually. */
export const MetricName = {
  Registrations: "Registrations",
  LightHeartbeats: "LightHeartbeats",
  SteadyHeartbeats: "SteadyHeartbeats",
  BrokerTouches: "BrokerTouches",
  FullRegistrationRequired: "FullRegistrationRequired",
  Evictions: "Evictions",
  RouteQueries: "RouteQueries",
  RouteNotFound: "RouteNotFound",
  SweepDurationMs: "SweepDurationMs",
  SweepCount: "SweepCount",
  SelfPreservation: "SelfPreservation",
  /** 1 when a sweep ends in self-preservation, 0 otherwise: one datapoint per sweep (the alarm's metric). */
  SelfPreservationActive: "SelfPreservationActive",
  /** Self-preservation reached its maximum duration and expiry resumed. */
  SelfPreservationTimeouts: "SelfPreservationTimeouts",
  /** Instances a sweep kept although dead by the clock (self-preservation). */
  PreservedInstances: "PreservedInstances",
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];
