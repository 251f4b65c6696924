/**
 * Monthly cost of a fleet, from the units the bench measured per operation and the list prices of
 * bench/prices.ts, beside the classic NameServer on two always-on instances. Everything is arithmetic
 * on measured figures (capacity, durations, answer sizes, log line sizes at the stack's formats); the
 * assumptions are the FLEET constants, the Deployment settings and the notes returned with the result.
 *
 * Every line the bill has is priced: the front door (API Gateway HTTP API, or a Lambda function URL),
 * Lambda requests and duration, DynamoDB (on demand or provisioned), CloudWatch Logs ingestion (API
 * access logs, Lambda's platform lines, metric lines), data transfer out of the answers (after gzip)
 * and NAT processing, the sweep schedule.
 */
import { PRICES, type Prices } from "./prices";

export interface Fleet {
  brokerInstances: number;
  heartbeatIntervalSeconds: number;
  producers: number;
  topicsPerProducer: number;
  /** RocketMQ's pollNameServerInterval: each producer refreshes all its routes this often. */
  routePollIntervalSeconds: number;
  sweepIntervalSeconds: number;
  /** How many groups each producer topic is on. */
  groupsPerTopic: number;
  /**
   * Warm instances of the route function the fleet's calls are spread over (each has its own group
   * cache). An estimate, explained in docs/performance.md ("Cost").
   */
  routeFunctionInstances: number;
  /**
   * Share of the topic answers of a poll whose route changed since the producer's last poll (and so
   * come back with a body): routes change when brokers join, leave or change perm.
   */
  changedRouteShare: number;
}

/** The fleet of the issue: 100 brokers (50 master/slave groups), 1,000 producers polling 20 topics. */
export const FLEET: Fleet = {
  brokerInstances: 100,
  heartbeatIntervalSeconds: 30,
  producers: 1_000,
  topicsPerProducer: 20,
  routePollIntervalSeconds: 30,
  sweepIntervalSeconds: 30,
  groupsPerTopic: 10,
  routeFunctionInstances: 20,
  changedRouteShare: 0.01,
};

export interface UnitCost {
  rcu: number;
  wcu: number;
  /** Handler duration per invocation (ms), as measured locally. */
  durationMs: number;
  /** The function's memory in the stack (MB). */
  memoryMb: number;
}

/** A route request of one kind, as the fleet sends it. */
export interface RouteUnit extends UnitCost {
  /** Topics each request answers (1 for GET /route, the producer's topics for POST /routes). */
  topicsPerRequest: number;
  /** Answer bytes on the wire (gzip where the request allows it), body changed / unchanged. */
  changedResponseBytes: number;
  unchangedResponseBytes: number;
  /** Request bytes (headers, SigV4, body). */
  requestBytes: number;
  label: string;
}

/** What a log line costs, measured at the stack's formats (bench/run.ts). */
export interface LogLines {
  /** One API access log line at the format of the given setting (bytes); 0 when off. */
  accessLogBytes: { full: number; minimal: number };
  /** Lambda's platform lines per invocation in JSON format at system log level INFO (start, report). */
  platformBytesPerInvocation: number;
  /** One EMF metrics line of the route function (bytes). */
  metricsLineBytes: number;
}

export interface CostInputs {
  steadyHeartbeat: UnitCost & { requestBytes: number; responseBytes: number };
  /** POST /routes of one producer's topics, group cache as the stack runs it over the fleet. */
  batchRoute: RouteUnit;
  /** GET /route per topic: what RocketMQ's own clients ask (through a gateway, say). */
  perTopicRoute: RouteUnit;
  sweep: UnitCost;
  sweepsPerRun: number;
  logs: LogLines;
  /** The default stack, read from infra/name-server-stack.ts. */
  stack: StackCostSettings;
}

export type CapacitySetting =
  | { mode: "onDemand" }
  | {
      mode: "provisioned";
      /** Auto scaling's target utilization (0 to 1). */
      targetUtilization: number;
      tableMin: { read: number; write: number };
      indexMin: { read: number; write: number };
    };

/** The stack's settings that change the bill. */
export interface StackCostSettings {
  frontDoor: "httpApi" | "functionUrl";
  capacity: CapacitySetting;
  accessLogs: "full" | "minimal" | "off";
  systemLogLevel: "DEBUG" | "INFO" | "WARN";
  /** 0: one metrics line per invocation; else at most one per instance per interval. */
  metricsFlushIntervalMs: number;
  routeGroupCacheMs: number;
  stageRateLimit?: number;
  stageBurstLimit?: number;
}

export interface Deployment extends StackCostSettings {
  name: string;
  routeRequest: "batch" | "perTopic";
  /** The fleet's route refresh (RocketMQ's pollNameServerInterval); the fleet's unless set. */
  routePollIntervalSeconds?: number;
}

export interface CostLine {
  item: string;
  monthlyUsd: number;
  detail: string;
}

export interface DeploymentCost {
  name: string;
  lines: CostLine[];
  totalUsd: number;
  /** Total ÷ the classic NameServer's. */
  ofClassic: number;
  monthly: { heartbeats: number; routeRequests: number; routeTopics: number; sweeps: number };
  /** Peak-free mean rates and what they meet or pass. */
  rates: {
    frontDoorRequestsPerSecond: number;
    lambdaConcurrency: number;
    readUnitsPerSecond: number;
    writeUnitsPerSecond: number;
    groupPartitionReadUnitsPerSecond: number;
    groupPartitionWriteUnitsPerSecond: number;
  };
  quotas: string[];
}

export interface ScalePoint {
  factor: number;
  deployments: Array<{ name: string; totalUsd: number; ofClassic: number; quotas: string[] }>;
  classic: { totalUsd: number; detail: string };
}

export interface CostResult {
  fleet: Fleet;
  prices: { region: string; asOf: string; checkBeforeUse: string };
  deployments: DeploymentCost[];
  classic: CostLine[];
  classicTotalUsd: number;
  scale: ScalePoint[];
  notes: string[];
}

const usd = (n: number) => Math.round(n * 100) / 100;
const GB = 1e9;
/** CloudWatch Logs counts 26 bytes per event beside the message (PutLogEvents); counted here too. */
const LOG_EVENT_OVERHEAD_BYTES = 26;
/** AWS quotas (defaults, per account and Region) the figures are held against. */
export const QUOTAS = {
  httpApiRequestsPerSecond: 10_000,
  lambdaConcurrency: 1_000,
  tableReadUnitsPerSecond: 40_000,
  tableWriteUnitsPerSecond: 40_000,
  partitionReadUnitsPerSecond: 3_000,
  partitionWriteUnitsPerSecond: 1_000,
} as const;

function apiGatewayUsd(requests: number, p: Prices): number {
  const first = Math.min(requests, 300e6);
  const rest = Math.max(0, requests - 300e6);
  return (
    (first * p.apiGatewayHttpApi.perMillionRequestsFirst300M +
      rest * p.apiGatewayHttpApi.perMillionRequestsAbove300M) /
    1e6
  );
}

const billedMs = (unit: UnitCost) => Math.max(1, Math.ceil(unit.durationMs));
const m = (n: number) => `${(n / 1e6).toLocaleString("en-US", { maximumFractionDigits: 2 })} M`;
const pct = (n: number, of: number) => `${Math.round((100 * n) / of)}%`;

export function priceDeployment(
  inputs: CostInputs,
  deployment: Deployment,
  fleet: Fleet = FLEET,
  p: Prices = PRICES,
  classicTotal = classicCost(p).total,
): DeploymentCost {
  const seconds = p.hoursPerMonth * 3600;
  const poll = deployment.routePollIntervalSeconds ?? fleet.routePollIntervalSeconds;
  const route = deployment.routeRequest === "batch" ? inputs.batchRoute : inputs.perTopicRoute;
  // A producer with more topics than one call takes sends several calls; the unit is per call.
  const requestsPerPoll = Math.ceil(fleet.topicsPerProducer / route.topicsPerRequest);
  const heartbeats = (fleet.brokerInstances * seconds) / fleet.heartbeatIntervalSeconds;
  const routeRequests = (fleet.producers * requestsPerPoll * seconds) / poll;
  const routeTopics = (fleet.producers * fleet.topicsPerProducer * seconds) / poll;
  const sweeps = seconds / fleet.sweepIntervalSeconds;
  const sweepRuns = sweeps / inputs.sweepsPerRun;
  const hb = inputs.steadyHeartbeat;

  // ---- Lambda.
  const gbSeconds = (count: number, unit: UnitCost) =>
    count * (billedMs(unit) / 1000) * (unit.memoryMb / 1024);
  const invocations = heartbeats + routeRequests + sweeps;
  const lambdaRequests = (invocations * p.lambda.perMillionRequests) / 1e6;
  const lambdaDuration =
    (gbSeconds(heartbeats, hb) + gbSeconds(routeRequests, route) + gbSeconds(sweeps, inputs.sweep)) *
    p.lambda.armPerGbSecond;

  // ---- Front door.
  const frontDoorRequests = heartbeats + routeRequests;
  const frontDoor = deployment.frontDoor === "httpApi" ? apiGatewayUsd(frontDoorRequests, p) : 0;

  // ---- DynamoDB.
  const readUnits = heartbeats * hb.rcu + routeRequests * route.rcu + sweeps * inputs.sweep.rcu;
  const writeUnits = heartbeats * hb.wcu + routeRequests * route.wcu + sweeps * inputs.sweep.wcu;
  const readPerSecond = readUnits / seconds;
  const writePerSecond = writeUnits / seconds;
  let dynamodb: number;
  let dynamodbDetail: string;
  const cap = deployment.capacity;
  if (cap.mode === "onDemand") {
    dynamodb =
      (readUnits * p.dynamodb.readRequestUnitsPerMillion +
        writeUnits * p.dynamodb.writeRequestUnitsPerMillion) /
      1e6;
    dynamodbDetail = `on demand: ${m(readUnits)} RRU + ${m(writeUnits)} WRU`;
  } else {
    const rcu = Math.max(cap.tableMin.read, Math.ceil(readPerSecond / cap.targetUtilization));
    const wcu = Math.max(cap.tableMin.write, Math.ceil(writePerSecond / cap.targetUtilization));
    const hours = p.hoursPerMonth;
    dynamodb =
      (rcu + cap.indexMin.read) * p.dynamodb.provisionedPerRcuHour * hours +
      (wcu + cap.indexMin.write) * p.dynamodb.provisionedPerWcuHour * hours;
    dynamodbDetail = `provisioned, auto scaling at ${Math.round(cap.targetUtilization * 100)}%: table ${rcu} RCU / ${wcu} WCU (mean use ${readPerSecond.toFixed(0)} / ${writePerSecond.toFixed(1)} per s), gsi1 ${cap.indexMin.read} / ${cap.indexMin.write}`;
  }
  const dynamodbHeartbeats =
    cap.mode === "onDemand"
      ? (heartbeats * hb.wcu * p.dynamodb.writeRequestUnitsPerMillion) / 1e6
      : undefined;

  // ---- CloudWatch Logs.
  const accessLine =
    deployment.frontDoor === "httpApi" && deployment.accessLogs !== "off"
      ? inputs.logs.accessLogBytes[deployment.accessLogs] + LOG_EVENT_OVERHEAD_BYTES
      : 0;
  const platformLines =
    deployment.systemLogLevel === "WARN"
      ? 0
      : inputs.logs.platformBytesPerInvocation + 2 * LOG_EVENT_OVERHEAD_BYTES;
  const metricsLine = inputs.logs.metricsLineBytes + LOG_EVENT_OVERHEAD_BYTES;
  // Aggregated metrics: at most one line per instance per interval (route and heartbeat functions).
  const metricLines =
    deployment.metricsFlushIntervalMs > 0
      ? Math.min(
          heartbeats + routeRequests,
          (2 * fleet.routeFunctionInstances * seconds * 1000) / deployment.metricsFlushIntervalMs,
        ) + sweeps
      : heartbeats + routeRequests + sweeps;
  const logBytes = frontDoorRequests * accessLine + invocations * platformLines + metricLines * metricsLine;
  const logs = (logBytes / GB) * p.cloudWatchLogs.ingestionPerGb;

  // ---- Data transfer out (answers) and NAT processing (both directions), after gzip.
  const changed = fleet.changedRouteShare;
  const answerBytes =
    routeRequests * (changed * route.changedResponseBytes + (1 - changed) * route.unchangedResponseBytes) +
    heartbeats * hb.responseBytes;
  const requestBytes = routeRequests * route.requestBytes + heartbeats * hb.requestBytes;
  const transfer = (answerBytes / GB) * p.dataTransfer.outPerGb;
  const nat = ((answerBytes + requestBytes) / GB) * p.dataTransfer.natProcessingPerGb;

  // ---- Sweep schedule.
  const runSeconds =
    Math.ceil(
      ((inputs.sweepsPerRun - 1) * fleet.sweepIntervalSeconds +
        (inputs.sweepsPerRun * inputs.sweep.durationMs) / 1000) /
        p.stepFunctionsExpress.billingStepSeconds,
    ) * p.stepFunctionsExpress.billingStepSeconds;
  const schedule =
    (sweepRuns * p.stepFunctionsExpress.perMillionRequests) / 1e6 +
    sweepRuns * runSeconds * p.stepFunctionsExpress.minimumMemoryGb * p.stepFunctionsExpress.perGbSecond +
    (sweepRuns * p.eventBridge.perMillionScheduledInvocations) / 1e6;

  const lines: CostLine[] = [
    deployment.frontDoor === "httpApi"
      ? {
          item: "API Gateway HTTP API",
          monthlyUsd: usd(frontDoor),
          detail: `${m(frontDoorRequests)} requests`,
        }
      : {
          item: "Lambda function URL",
          monthlyUsd: 0,
          detail: `${m(frontDoorRequests)} requests, no charge of its own`,
        },
    {
      item: "Lambda: requests",
      monthlyUsd: usd(lambdaRequests),
      detail: `${m(invocations)} invocations (${m(routeRequests)} route, ${m(heartbeats)} heartbeat)`,
    },
    {
      item: "Lambda: duration (Arm)",
      monthlyUsd: usd(lambdaDuration),
      detail: `billed route ${billedMs(route)} ms at ${route.memoryMb} MB, heartbeat ${billedMs(hb)} ms, sweep ${billedMs(inputs.sweep)} ms`,
    },
    {
      item: "DynamoDB",
      monthlyUsd: usd(dynamodb),
      detail: `${dynamodbDetail}; route ${route.rcu} RCU per request (${route.label})${dynamodbHeartbeats !== undefined ? `; heartbeats $${usd(dynamodbHeartbeats)}` : ""}`,
    },
    {
      item: "CloudWatch Logs",
      monthlyUsd: usd(logs),
      detail: `${(logBytes / GB).toFixed(1)} GB: access log ${accessLine} B/request (${deployment.frontDoor === "httpApi" ? deployment.accessLogs : "none"}), platform ${platformLines} B/invocation (system log level ${deployment.systemLogLevel}), metrics ${m(metricLines)} lines × ${metricsLine} B`,
    },
    {
      item: "Data transfer out",
      monthlyUsd: usd(transfer),
      detail: `${(answerBytes / GB).toFixed(0)} GB of answers (${route.unchangedResponseBytes} B unchanged, ${route.changedResponseBytes} B changed; ${Math.round(changed * 100)}% of topics changed per poll)`,
    },
    {
      item: "NAT processing (clients in private subnets)",
      monthlyUsd: usd(nat),
      detail: `${((answerBytes + requestBytes) / GB).toFixed(0)} GB both ways`,
    },
    {
      item: "Sweep schedule (Step Functions Express + EventBridge)",
      monthlyUsd: usd(schedule),
      detail: `${m(sweepRuns)} runs of ~${runSeconds.toFixed(1)} s (${inputs.sweepsPerRun} sweeps each)`,
    },
  ];
  const total = usd(lines.reduce((n, l) => n + l.monthlyUsd, 0));

  // ---- Rates against the quotas.
  const frontDoorPerSecond = frontDoorRequests / seconds;
  const concurrency =
    (heartbeats * billedMs(hb) + routeRequests * billedMs(route) + sweeps * billedMs(inputs.sweep)) /
    1000 /
    seconds;
  // Group items all live in one partition (pk GROUPS): the route calls' group reads and every heartbeat.
  const topicReadUnits = route.topicsPerRequest * 0.5;
  const groupReads = (routeRequests * Math.max(0, route.rcu - topicReadUnits)) / seconds;
  const groupWrites = (heartbeats * hb.wcu) / seconds;
  const quotas: string[] = [];
  const against = (label: string, value: number, quota: number, remedy: string) =>
    quotas.push(
      `${label} ${value.toFixed(value < 10 ? 1 : 0)} of ${quota.toLocaleString("en-US")} (${pct(value, quota)})${value > quota ? `: PASSES it, ${remedy}` : ""}`,
    );
  if (deployment.frontDoor === "httpApi") {
    against(
      "HTTP API requests/s",
      frontDoorPerSecond,
      QUOTAS.httpApiRequestsPerSecond,
      "ask AWS to raise the account's quota",
    );
    if (deployment.stageRateLimit !== undefined && frontDoorPerSecond > deployment.stageRateLimit) {
      quotas.push(
        `the stage throttle (${deployment.stageRateLimit}/s, prop throttlingRateLimit) must be raised`,
      );
    }
  }
  against("Lambda concurrency", concurrency, QUOTAS.lambdaConcurrency, "ask AWS to raise it");
  against(
    "table read units/s",
    readPerSecond,
    QUOTAS.tableReadUnitsPerSecond,
    "raise the table's throughput quota",
  );
  against(
    "GROUPS partition read units/s",
    groupReads,
    QUOTAS.partitionReadUnitsPerSecond,
    "a longer group cache, or DynamoDB's split for heat (not guaranteed)",
  );
  against(
    "GROUPS partition write units/s",
    groupWrites,
    QUOTAS.partitionWriteUnitsPerSecond,
    "shard the group items",
  );
  return {
    name: deployment.name,
    lines,
    totalUsd: total,
    ofClassic: Math.round((total / classicTotal) * 100) / 100,
    monthly: { heartbeats, routeRequests, routeTopics, sweeps },
    rates: {
      frontDoorRequestsPerSecond: Math.round(frontDoorPerSecond * 10) / 10,
      lambdaConcurrency: Math.round(concurrency * 10) / 10,
      readUnitsPerSecond: Math.round(readPerSecond),
      writeUnitsPerSecond: Math.round(writePerSecond * 10) / 10,
      groupPartitionReadUnitsPerSecond: Math.round(groupReads),
      groupPartitionWriteUnitsPerSecond: Math.round(groupWrites * 10) / 10,
    },
    quotas,
  };
}

function classicCost(p: Prices, scale = 1): { lines: CostLine[]; total: number; detail: string } {
  // Every broker registers with every NameServer: adding servers spreads the route queries, not the
  // registrations, so a classic deployment grows by instance size once registrations dominate.
  const size = scale >= 100 ? 4 : 1;
  const count = scale >= 100 ? 4 : 2;
  const instance = size === 1 ? p.ec2.instanceType : "m7g.2xlarge";
  const perInstance = p.ec2.onDemandPerHour * size * p.hoursPerMonth;
  const storage = p.ec2.gp3PerGbMonth * p.ec2.volumeGb;
  const lines: CostLine[] = [
    {
      item: `EC2: ${count} × ${instance} on-demand`,
      monthlyUsd: usd(count * perInstance),
      detail: size === 1 ? p.ec2.description : "assumed growth (4× the large's list price per instance)",
    },
    {
      item: `EBS: ${count} × gp3 root volume`,
      monthlyUsd: usd(count * storage),
      detail: `${p.ec2.volumeGb} GB each`,
    },
  ];
  return {
    lines,
    total: usd(lines.reduce((n, l) => n + l.monthlyUsd, 0)),
    detail: `${count} × ${instance}`,
  };
}

/** The documented low-cost setting (docs/performance.md "Cost"): stack props and the client's refresh. */
export function lowCostDeployment(stack: StackCostSettings): Deployment {
  return {
    ...stack,
    name: "low-cost setting",
    routeRequest: "batch",
    frontDoor: "functionUrl",
    accessLogs: "off",
    systemLogLevel: "WARN",
    capacity: {
      mode: "provisioned",
      targetUtilization: 0.7,
      tableMin: { read: 5, write: 5 },
      indexMin: { read: 1, write: 5 },
    },
    metricsFlushIntervalMs: Math.max(60_000, stack.metricsFlushIntervalMs),
  };
}

/** The stack before POST /routes and the cheap defaults: what the first deployment review priced. */
export function previousDeployment(stack: StackCostSettings): Deployment {
  return {
    ...stack,
    name: "before: per-topic GET, on demand, full access log, INFO platform lines, a metrics line per invocation",
    routeRequest: "perTopic",
    frontDoor: "httpApi",
    accessLogs: "full",
    systemLogLevel: "INFO",
    capacity: { mode: "onDemand" },
    metricsFlushIntervalMs: 0,
  };
}

export function estimateCost(inputs: CostInputs, fleet: Fleet = FLEET, p: Prices = PRICES): CostResult {
  const classic = classicCost(p);
  const defaults: Deployment = { ...inputs.stack, name: "default stack", routeRequest: "batch" };
  const variants = [defaults, lowCostDeployment(inputs.stack), previousDeployment(inputs.stack)];
  const deployments = variants.map((d) => priceDeployment(inputs, d, fleet, p, classic.total));
  const scale: ScalePoint[] = [10, 100].map((factor) => {
    const bigger: Fleet = {
      ...fleet,
      brokerInstances: fleet.brokerInstances * factor,
      producers: fleet.producers * factor,
      routeFunctionInstances: fleet.routeFunctionInstances * factor,
    };
    const grown = classicCost(p, factor);
    return {
      factor,
      deployments: variants.slice(0, 2).map((d) => {
        const cost = priceDeployment(inputs, d, bigger, p, grown.total);
        return { name: d.name, totalUsd: cost.totalUsd, ofClassic: cost.ofClassic, quotas: cost.quotas };
      }),
      classic: {
        totalUsd: grown.total,
        detail:
          factor >= 100
            ? `${grown.detail}: each NameServer takes every broker's registration (${((fleet.brokerInstances * factor) / fleet.heartbeatIntervalSeconds).toFixed(0)} full registrations/s) and half of ${Math.round((fleet.producers * factor * fleet.topicsPerProducer) / fleet.routePollIntervalSeconds).toLocaleString("en-US")} route queries/s: past what two 2-vCPU servers hold, so larger instances (an assumption, not measured)`
            : `${grown.detail}: ${((fleet.brokerInstances * factor) / fleet.heartbeatIntervalSeconds).toFixed(0)} registrations/s and ${Math.round((fleet.producers * factor * fleet.topicsPerProducer) / fleet.routePollIntervalSeconds).toLocaleString("en-US")} route queries/s, held in memory by two servers`,
      },
    };
  });
  return {
    fleet,
    prices: { region: p.region, asOf: p.asOf, checkBeforeUse: p.checkBeforeUse },
    deployments,
    classic: classic.lines,
    classicTotalUsd: classic.total,
    scale,
    notes: [
      `Fleet: ${fleet.brokerInstances} broker instances heartbeating every ${fleet.heartbeatIntervalSeconds} s; ${fleet.producers} producers refreshing ${fleet.topicsPerProducer} topics every ${fleet.routePollIntervalSeconds} s (RocketMQ's pollNameServerInterval), each topic on ${fleet.groupsPerTopic} groups, a producer's topics on the same groups; ${Math.round(fleet.changedRouteShare * 100)}% of the topics of a poll changed since the last one; sweep every ${fleet.sweepIntervalSeconds} s.`,
      `Low-cost setting: frontDoor "functionUrl" (no API Gateway: IAM on the function URL, no per-route IAM resources, no stage throttle, no access log), tableCapacity provisioned with auto scaling (registration bursts beyond the burst capacity get 503 and retry until auto scaling catches up, minutes), metrics once a minute per instance.`,
      "DynamoDB units are the bench's ConsumedCapacity on DynamoDB Local (on-demand request units and provisioned capacity units count alike); the batch route's reads are the fleet simulation's mean with the stack's group cache.",
      "Lambda durations are local (DynamoDB Local on a shared machine): an upper bound of billed duration on AWS. Log lines are measured at the stack's formats; CloudWatch's 26 bytes per event are counted.",
      "Data transfer is priced for every answer (as if every client were outside AWS), NAT processing as if every client sat in a private subnet: each is an upper bound, and both together over-count.",
      "At 10× and 100× the route function's instances are assumed to grow with the fleet (same calls per instance, so the same group reads per call as measured); fewer, busier instances would read groups less often.",
      "Not included: free tiers, DynamoDB storage and PITR (a few MB), alarms and the dashboard (fixed, about $10), KMS (AWS-managed key).",
    ],
  };
}
