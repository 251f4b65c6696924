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
  /**
   * Warm instances of the route function the fleet's route queries are spread over (each has its own
   * group cache). An estimate, explained in docs/performance.md ("Cost"): Little's law gives the mean
   * concurrency (queries per second × invocation time: under 10 at this rate), Lambda keeps the
   * instances of past peaks warm and spreads requests over them; 20 is on the high side of that, and
   * more instances mean fewer cache hits per instance, so the estimate errs towards the dearer side.
   */
  routeFunctionInstances: number;
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
  routeFunctionInstances: 20,
};

export interface UnitCost {
  rcu: number;
  wcu: number;
  /** Handler duration per invocation (ms), as measured locally. */
  durationMs: number;
  /**
   * Billed duration per invocation (ms) when it is not simply durationMs rounded up: the route query
   * with the cache is a mix of hits and misses, each rounded up on its own.
   */
  billedDurationMs?: number;
  /** The function's memory in the stack (MB). */
  memoryMb: number;
}

/** The route query priced one way (cache on at some instance count, or off). */
export interface RouteUnit extends UnitCost {
  /** How it was obtained, for the cost table. */
  label: string;
}

export interface CostInputs {
  steadyHeartbeat: UnitCost;
  /** A route query as the stack runs it: group cache on, queries spread over FLEET's instance estimate. */
  route: RouteUnit;
  /** The same with the cache off (ROUTE_GROUP_CACHE_MS=0): every group read on every query. */
  routeUncached: RouteUnit;
  /** The cache at other instance counts than the estimate: projections that show how much it matters. */
  routeSensitivity?: RouteUnit[];
  /** One sweep of the healthy fleet. */
  sweep: UnitCost;
  /** Sweeps per scheduled Step Functions run (the stack's sweep plan for a 30 s interval). */
  sweepsPerRun: number;
  /** The API stage's steady-state throttle (requests per second), from the stack. */
  stageRateLimit?: number;
  /** The API stage's burst limit, from the stack. */
  stageBurstLimit?: number;
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
  /** One topic's route: reads and the route function's duration. */
  route: RouteUnit;
}

const billedMs = (unit: UnitCost) => unit.billedDurationMs ?? Math.ceil(unit.durationMs);

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
    count * (billedMs(unit) / 1000) * (unit.memoryMb / 1024);
  const wru = (n: number) => (n * p.dynamodb.writeRequestUnitsPerMillion) / 1e6;
  const rru = (n: number) => (n * p.dynamodb.readRequestUnitsPerMillion) / 1e6;

  const ddbHeartbeats =
    wru(heartbeats * inputs.steadyHeartbeat.wcu) + rru(heartbeats * inputs.steadyHeartbeat.rcu);
  const ddbRoutes = wru(routeTopics * variant.route.wcu) + rru(routeTopics * variant.route.rcu);
  const ddbSweeps = wru(sweeps * inputs.sweep.wcu) + rru(sweeps * inputs.sweep.rcu);
  const invocations = heartbeats + routeRequests + sweeps;
  const lambdaRequests = (invocations * p.lambda.perMillionRequests) / 1e6;
  const lambdaDuration =
    (gbSeconds(heartbeats, inputs.steadyHeartbeat) +
      gbSeconds(routeRequests, variant.route) +
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
      detail: `${m(routeTopics)} topic routes × ${variant.route.rcu} RRU (topic on ${fleet.groupsPerTopic} groups; ${variant.route.label})`,
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
      detail: `billed: heartbeat ${billedMs(inputs.steadyHeartbeat)} ms, route ${billedMs(variant.route)} ms, sweep ${billedMs(inputs.sweep)} ms, at ${variant.route.memoryMb} MB (the stack's)`,
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
  const current: Variant = { topicsPerRouteRequest: 1, route: inputs.route };
  const now = serverlessLines(inputs, fleet, p, current);

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

  const breakEven = (variant: Variant) => breakEvenProducers(inputs, fleet, p, variant, classicTotal);
  const total = (variant: Variant) => serverlessLines(inputs, fleet, p, variant).total;
  const projection = (name: string, variant: Variant, detail: string) => ({
    name,
    totalUsd: total(variant),
    breakEvenProducers: breakEven(variant),
    detail,
  });
  const requestRate = (now.heartbeats + now.routeRequests) / (p.hoursPerMonth * 3600);

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
      projection(
        "route group cache off (ROUTE_GROUP_CACHE_MS=0)",
        { topicsPerRouteRequest: 1, route: inputs.routeUncached },
        `route reads ${inputs.route.rcu} → ${inputs.routeUncached.rcu} RRU, billed route ${billedMs(inputs.route)} → ${billedMs(inputs.routeUncached)} ms (${inputs.routeUncached.label})`,
      ),
      ...(inputs.routeSensitivity ?? []).map((route) =>
        projection(
          `route group cache on, ${route.label}`,
          { topicsPerRouteRequest: 1, route },
          `route reads ${inputs.route.rcu} → ${route.rcu} RRU, billed route ${billedMs(route)} ms`,
        ),
      ),
      projection(
        `batch route request (a client's ${fleet.topicsPerProducer} topics in one call), group cache on`,
        { topicsPerRouteRequest: fleet.topicsPerProducer, route: inputs.route },
        `API Gateway and Lambda requests ÷ ${fleet.topicsPerProducer}; DynamoDB reads unchanged`,
      ),
    ],
    notes: [
      `Fleet: ${fleet.brokerInstances} broker instances heartbeating every ${fleet.heartbeatIntervalSeconds} s; ${fleet.producers} producers refreshing ${fleet.topicsPerProducer} topics every ${fleet.routePollIntervalSeconds} s, each topic on ${fleet.groupsPerTopic} groups; sweep every ${fleet.sweepIntervalSeconds} s.`,
      `Route queries: ${inputs.route.label} (the stack's default; docs/performance.md explains the instance estimate). Reads and hit rate come from the real cache code over a simulated fleet; the route function's duration is the mix of the local one-at-a-time HTTP latencies with the cache (hit) and without (miss), each rounded up.`,
      "Units per operation are the bench's ConsumedCapacity on DynamoDB Local (on-demand request units are billed in the same units).",
      "Lambda durations are the local one-at-a-time HTTP latencies (handler + DynamoDB Local + the local HTTP hop): an upper bound of billed duration.",
      ...(inputs.stageRateLimit === undefined
        ? []
        : requestRate > inputs.stageRateLimit
          ? [
              `This fleet sends ${Math.round(requestRate)} requests/s; the stack's default stage throttle is ${inputs.stageRateLimit}/s: deploy it with a higher throttlingRateLimit, or requests beyond it get 429.`,
            ]
          : [
              `This fleet sends ${Math.round(requestRate)} requests/s, within the stack's default stage throttle of ${inputs.stageRateLimit}/s${inputs.stageBurstLimit !== undefined ? ` (burst ${inputs.stageBurstLimit})` : ""} (${Math.round((100 * requestRate) / inputs.stageRateLimit)}% of it); a fleet over ${inputs.stageRateLimit}/s needs a higher throttlingRateLimit, or the excess gets 429.`,
            ]),
      "Not included: CloudWatch Logs ingestion, custom metrics, alarms and dashboard, data transfer out, DynamoDB storage (a few MB), free tiers.",
    ],
  };
}
