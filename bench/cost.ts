/**
 * Monthly cost of a fleet, from the units the bench measured per operation and the list prices of
 * bench/prices.ts, beside the classic NameServer on two always-on instances. Everything is arithmetic
 * on measured figures; the assumptions are the FLEET constants and the notes returned with the result.
 */
import { PRICES, type Prices } from "./prices";

export interface Fleet {
  brokerInstances: number;
  heartbeatIntervalSeconds: number;
  producers: number;
  topicsPerProducer: number;
  routePollIntervalSeconds: number;
  sweepIntervalSeconds: number;
  /** How many groups each producer topic is on (which route figure prices a query). */
  groupsPerTopic: number;
}

/** The fleet of the issue: 100 brokers (50 master/slave groups), 1,000 producers polling 20 topics. */
export const FLEET: Fleet = {
  brokerInstances: 100,
  heartbeatIntervalSeconds: 30,
  producers: 1_000,
  topicsPerProducer: 20,
  // RocketMQ's clients refresh every topic's route every 30 s (pollNameServerInterval).
  routePollIntervalSeconds: 30,
  sweepIntervalSeconds: 30,
  groupsPerTopic: 10,
};

export interface UnitCost {
  rcu: number;
  wcu: number;
  /** Handler duration per invocation (ms), as measured locally. */
  durationMs: number;
  /** The function's memory in the stack (MB). */
  memoryMb: number;
}

export interface CostInputs {
  steadyHeartbeat: UnitCost;
  route: UnitCost;
  /** The route query's reads other than the group items (the topic's Query): for the cache projection. */
  routeTopicQueryRcu: number;
  /** One sweep of the healthy fleet. */
  sweep: UnitCost;
  /** Sweeps per scheduled Step Functions run (the stack's sweep plan for a 30 s interval). */
  sweepsPerRun: number;
}

export interface CostLine {
  item: string;
  monthlyUsd: number;
  detail: string;
}

export interface CostResult {
  fleet: Fleet;
  prices: { region: string; asOf: string; checkBeforeUse: string };
  monthly: {
    heartbeats: number;
    routeQueries: number;
    sweeps: number;
    sweepRuns: number;
  };
  serverless: CostLine[];
  serverlessTotalUsd: number;
  classic: CostLine[];
  classicTotalUsd: number;
  /** Producers (20 topics, 30 s) at which the serverless total reaches the classic one. */
  breakEvenProducers: number;
  /** The same fleet under design changes (see docs/performance.md), each priced with the same units. */
  projections: Array<{ name: string; totalUsd: number; breakEvenProducers: number; detail: string }>;
  notes: string[];
}

const usd = (n: number) => Math.round(n * 100) / 100;

function apiGatewayUsd(requests: number, p: Prices): number {
  const first = Math.min(requests, 300e6);
  const rest = Math.max(0, requests - 300e6);
  return (
    (first * p.apiGatewayHttpApi.perMillionRequestsFirst300M +
      rest * p.apiGatewayHttpApi.perMillionRequestsAbove300M) /
    1e6
  );
}

interface Variant {
  /** Topics per route request (1 today; a batch route would take a client's whole list). */
  topicsPerRouteRequest: number;
  /** RCU of one topic's route (the measured figure, or less with a group cache). */
  routeRcu: number;
}

function serverlessLines(inputs: CostInputs, fleet: Fleet, p: Prices, variant: Variant) {
  const seconds = p.hoursPerMonth * 3600;
  const heartbeats = (fleet.brokerInstances * seconds) / fleet.heartbeatIntervalSeconds;
  const routeTopics = (fleet.producers * fleet.topicsPerProducer * seconds) / fleet.routePollIntervalSeconds;
  const routeRequests = routeTopics / variant.topicsPerRouteRequest;
  const sweeps = seconds / fleet.sweepIntervalSeconds;
  // EventBridge starts one Express run per schedule period; it sweeps `sweepsPerRun` times, `interval` apart.
  const sweepsPerRun = inputs.sweepsPerRun;
  const sweepRuns = sweeps / sweepsPerRun;

  // Lambda bills duration rounded up to the millisecond.
  const gbSeconds = (count: number, unit: UnitCost) =>
    count * (Math.ceil(unit.durationMs) / 1000) * (unit.memoryMb / 1024);
  const wru = (n: number) => (n * p.dynamodb.writeRequestUnitsPerMillion) / 1e6;
  const rru = (n: number) => (n * p.dynamodb.readRequestUnitsPerMillion) / 1e6;

  const ddbHeartbeats =
    wru(heartbeats * inputs.steadyHeartbeat.wcu) + rru(heartbeats * inputs.steadyHeartbeat.rcu);
  const ddbRoutes = wru(routeTopics * inputs.route.wcu) + rru(routeTopics * variant.routeRcu);
  const ddbSweeps = wru(sweeps * inputs.sweep.wcu) + rru(sweeps * inputs.sweep.rcu);
  const invocations = heartbeats + routeRequests + sweeps;
  const lambdaRequests = (invocations * p.lambda.perMillionRequests) / 1e6;
  const lambdaDuration =
    (gbSeconds(heartbeats, inputs.steadyHeartbeat) +
      gbSeconds(routeRequests, inputs.route) +
      gbSeconds(sweeps, inputs.sweep)) *
    p.lambda.armPerGbSecond;
  const apiGateway = apiGatewayUsd(heartbeats + routeRequests, p);
  const runSeconds =
    Math.ceil(
      ((sweepsPerRun - 1) * fleet.sweepIntervalSeconds + (sweepsPerRun * inputs.sweep.durationMs) / 1000) /
        p.stepFunctionsExpress.billingStepSeconds,
    ) * p.stepFunctionsExpress.billingStepSeconds;
  const stepFunctions =
    (sweepRuns * p.stepFunctionsExpress.perMillionRequests) / 1e6 +
    sweepRuns * runSeconds * p.stepFunctionsExpress.minimumMemoryGb * p.stepFunctionsExpress.perGbSecond;
  const eventBridge = (sweepRuns * p.eventBridge.perMillionScheduledInvocations) / 1e6;

  const m = (n: number) => `${(n / 1e6).toLocaleString("en-US", { maximumFractionDigits: 2 })} M`;
  const lines: CostLine[] = [
    {
      item: "DynamoDB: heartbeats",
      monthlyUsd: usd(ddbHeartbeats),
      detail: `${m(heartbeats)} steady heartbeats × ${inputs.steadyHeartbeat.wcu} WRU`,
    },
    {
      item: "DynamoDB: route queries",
      monthlyUsd: usd(ddbRoutes),
      detail: `${m(routeTopics)} topic routes × ${variant.routeRcu} RRU (topic on ${fleet.groupsPerTopic} groups)`,
    },
    {
      item: "DynamoDB: sweeps",
      monthlyUsd: usd(ddbSweeps),
      detail: `${m(sweeps)} sweeps × ${inputs.sweep.rcu} RRU + ${inputs.sweep.wcu} WRU`,
    },
    {
      item: "Lambda: requests",
      monthlyUsd: usd(lambdaRequests),
      detail: `${m(invocations)} invocations`,
    },
    {
      item: "Lambda: duration (Arm)",
      monthlyUsd: usd(lambdaDuration),
      detail: `heartbeat ${Math.ceil(inputs.steadyHeartbeat.durationMs)} ms, route ${Math.ceil(inputs.route.durationMs)} ms, sweep ${Math.ceil(inputs.sweep.durationMs)} ms, at ${inputs.route.memoryMb} MB (the stack's)`,
    },
    {
      item: "API Gateway HTTP API",
      monthlyUsd: usd(apiGateway),
      detail: `${m(heartbeats + routeRequests)} requests`,
    },
    {
      item: "Sweep schedule: Step Functions Express",
      monthlyUsd: usd(stepFunctions),
      detail: `${m(sweepRuns)} runs of ~${runSeconds.toFixed(1)} s at 64 MB (${sweepsPerRun} sweeps per run)`,
    },
    {
      item: "Sweep schedule: EventBridge",
      monthlyUsd: usd(eventBridge),
      detail: `${m(sweepRuns)} scheduled invocations`,
    },
  ];
  const total = lines.reduce((n, l) => n + l.monthlyUsd, 0);
  return { lines, total: usd(total), heartbeats, routeRequests, routeTopics, sweeps, sweepRuns };
}

/** Producers (same brokers) at which the serverless total reaches `classicTotal`: bisection. */
function breakEvenProducers(
  inputs: CostInputs,
  fleet: Fleet,
  p: Prices,
  variant: Variant,
  classicTotal: number,
): number {
  const cost = (producers: number) => serverlessLines(inputs, { ...fleet, producers }, p, variant).total;
  if (cost(0) >= classicTotal) return 0;
  let low = 0;
  let high = Math.max(1, fleet.producers);
  while (cost(high) < classicTotal && high < 1e9) high *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (low + high) / 2;
    if (cost(mid) < classicTotal) low = mid;
    else high = mid;
  }
  return Math.floor(low);
}

export function estimateCost(inputs: CostInputs, fleet: Fleet = FLEET, p: Prices = PRICES): CostResult {
  const now = serverlessLines(inputs, fleet, p, { topicsPerRouteRequest: 1, routeRcu: inputs.route.rcu });

  const perInstance = p.ec2.onDemandPerHour * p.hoursPerMonth;
  const storage = p.ec2.gp3PerGbMonth * p.ec2.volumeGb;
  const classic: CostLine[] = [
    {
      item: `EC2: 2 × ${p.ec2.instanceType} on-demand`,
      monthlyUsd: usd(2 * perInstance),
      detail: p.ec2.description,
    },
    { item: "EBS: 2 × gp3 root volume", monthlyUsd: usd(2 * storage), detail: `${p.ec2.volumeGb} GB each` },
  ];
  const classicTotal = usd(classic.reduce((n, l) => n + l.monthlyUsd, 0));

  const current: Variant = { topicsPerRouteRequest: 1, routeRcu: inputs.route.rcu };
  const batch: Variant = { topicsPerRouteRequest: fleet.topicsPerProducer, routeRcu: inputs.route.rcu };
  const cached: Variant = { topicsPerRouteRequest: 1, routeRcu: inputs.routeTopicQueryRcu };
  const both: Variant = {
    topicsPerRouteRequest: fleet.topicsPerProducer,
    routeRcu: inputs.routeTopicQueryRcu,
  };
  const breakEven = (variant: Variant) => breakEvenProducers(inputs, fleet, p, variant, classicTotal);
  const total = (variant: Variant) => serverlessLines(inputs, fleet, p, variant).total;

  return {
    fleet,
    prices: { region: p.region, asOf: p.asOf, checkBeforeUse: p.checkBeforeUse },
    monthly: {
      heartbeats: now.heartbeats,
      routeQueries: now.routeRequests,
      sweeps: now.sweeps,
      sweepRuns: now.sweepRuns,
    },
    serverless: now.lines,
    serverlessTotalUsd: now.total,
    classic,
    classicTotalUsd: classicTotal,
    breakEvenProducers: breakEven(current),
    projections: [
      {
        name: `batch route request (a client's ${fleet.topicsPerProducer} topics in one call)`,
        totalUsd: total(batch),
        breakEvenProducers: breakEven(batch),
        detail: `API Gateway and Lambda requests ÷ ${fleet.topicsPerProducer}; DynamoDB reads unchanged`,
      },
      {
        name: "group items cached per Lambda instance (≤1 s, liveness re-judged at serve time)",
        totalUsd: total(cached),
        breakEvenProducers: breakEven(cached),
        detail: `route reads ${inputs.route.rcu} → ${inputs.routeTopicQueryRcu} RRU (the topic's Query only)`,
      },
      {
        name: "both",
        totalUsd: total(both),
        breakEvenProducers: breakEven(both),
        detail: "",
      },
    ],
    notes: [
      `Fleet: ${fleet.brokerInstances} broker instances heartbeating every ${fleet.heartbeatIntervalSeconds} s; ${fleet.producers} producers refreshing ${fleet.topicsPerProducer} topics every ${fleet.routePollIntervalSeconds} s, each topic on ${fleet.groupsPerTopic} groups; sweep every ${fleet.sweepIntervalSeconds} s.`,
      "Units per operation are the bench's ConsumedCapacity on DynamoDB Local (on-demand request units are billed in the same units).",
      "Lambda durations are the local one-at-a-time HTTP latencies (handler + DynamoDB Local + the local HTTP hop): an upper bound of billed duration.",
      "Not included: CloudWatch Logs ingestion, custom metrics, alarms and dashboard, data transfer out, DynamoDB storage (a few MB), free tiers.",
    ],
  };
}
