/**
 * What one `namesrv gateway` host costs a month, next to its clients asking the API directly.
 *
 * Directly, every client asks for the route of each of its topics every poll interval (RocketMQ's
 * `pollNameServerInterval`, 30 s): one API Gateway request, one Lambda invocation and the route's
 * DynamoDB reads per topic per client. Behind one gateway, the clients ask the gateway, and the
 * gateway refreshes the distinct topics they use with one `POST /routes` per 1,000 topics per
 * interval. Arithmetic on measured units and bench/prices.ts, like bench/cost.ts.
 */
import { PRICES, type Prices } from "./prices";

export interface GatewayFleet {
  /** RocketMQ clients (producers/consumers) behind the one gateway. */
  clients: number;
  topicsPerClient: number;
  /** Distinct topics over all clients (≤ clients × topicsPerClient): what the gateway refreshes. */
  distinctTopics: number;
  /** The clients' route poll (30 s) and the gateway's refresh interval (30 s by default). */
  pollIntervalSeconds: number;
  refreshIntervalSeconds: number;
}

export const GATEWAY_FLEET: GatewayFleet = {
  clients: 50,
  topicsPerClient: 20,
  distinctTopics: 200,
  pollIntervalSeconds: 30,
  refreshIntervalSeconds: 30,
};

export interface GatewayCostInputs {
  /** One topic's route asked directly (GET /route): reads, billed ms, memory. From the main bench. */
  directRoute: { rru: number; billedMs: number; memoryMb: number; label: string };
  /** POST /routes: reads per topic and per batch (the groups), billed ms per topic. */
  batch: {
    rruPerTopic: number;
    rruPerBatch: number;
    billedMsPerTopic: number;
    billedMsPerBatch: number;
    memoryMb: number;
    label: string;
  };
}

/**
 * Units measured elsewhere in the repository: the direct route is the stack's default (group cache
 * on, 20 instances) from docs/bench/latest.json; the batch reads are test/integration/capacity.test.ts's
 * (a topic 0.5 RRU, the groups of a batch 5.5 RRU for 10 groups); the batch's duration is what
 * bench/gateway.ts measures locally (`refreshMs`), passed in when it ran.
 */
export const DEFAULT_GATEWAY_COST_INPUTS: GatewayCostInputs = {
  directRoute: {
    rru: 0.686,
    billedMs: 5.19,
    memoryMb: 512,
    label: "group cache on, 20 instances (docs/bench/latest.json)",
  },
  batch: {
    rruPerTopic: 0.5,
    rruPerBatch: 5.5,
    billedMsPerTopic: 0.1,
    billedMsPerBatch: 10,
    memoryMb: 512,
    label: "capacity.test.ts reads; duration estimated",
  },
};

export interface GatewayCostLine {
  item: string;
  monthlyUsd: number;
  detail: string;
}

export interface GatewayCostResult {
  fleet: GatewayFleet;
  direct: GatewayCostLine[];
  directTotalUsd: number;
  gateway: GatewayCostLine[];
  gatewayTotalUsd: number;
  /** Clients (same topics each, same distinct topics) at which the gateway host pays for itself. */
  breakEvenClients: number;
  notes: string[];
}

const usd = (n: number) => Math.round(n * 100) / 100;
const m = (n: number) => `${(n / 1e6).toLocaleString("en-US", { maximumFractionDigits: 2 })} M`;

function requestUsd(requests: number, billedMs: number, memoryMb: number, rru: number, p: Prices) {
  return {
    apiGateway: (requests * p.apiGatewayHttpApi.perMillionRequestsFirst300M) / 1e6,
    lambdaRequests: (requests * p.lambda.perMillionRequests) / 1e6,
    lambdaDuration: requests * (billedMs / 1000) * (memoryMb / 1024) * p.lambda.armPerGbSecond,
    dynamodb: (requests * rru * p.dynamodb.readRequestUnitsPerMillion) / 1e6,
  };
}

function directLines(fleet: GatewayFleet, inputs: GatewayCostInputs, p: Prices) {
  const seconds = p.hoursPerMonth * 3600;
  const requests = (fleet.clients * fleet.topicsPerClient * seconds) / fleet.pollIntervalSeconds;
  const r = inputs.directRoute;
  const c = requestUsd(requests, r.billedMs, r.memoryMb, r.rru, p);
  const lines: GatewayCostLine[] = [
    { item: "API Gateway HTTP API", monthlyUsd: usd(c.apiGateway), detail: `${m(requests)} GET /route` },
    { item: "Lambda: requests", monthlyUsd: usd(c.lambdaRequests), detail: `${m(requests)} invocations` },
    {
      item: "Lambda: duration (Arm)",
      monthlyUsd: usd(c.lambdaDuration),
      detail: `${r.billedMs} ms at ${r.memoryMb} MB`,
    },
    {
      item: "DynamoDB: route reads",
      monthlyUsd: usd(c.dynamodb),
      detail: `${r.rru} RRU per route (${r.label})`,
    },
  ];
  return { lines, total: usd(c.apiGateway + c.lambdaRequests + c.lambdaDuration + c.dynamodb), requests };
}

export function estimateGatewayCost(
  fleet: GatewayFleet = GATEWAY_FLEET,
  inputs: GatewayCostInputs = DEFAULT_GATEWAY_COST_INPUTS,
  p: Prices = PRICES,
): GatewayCostResult {
  const seconds = p.hoursPerMonth * 3600;
  const direct = directLines(fleet, inputs, p);

  const batchesPerRefresh = Math.ceil(fleet.distinctTopics / 1000);
  const refreshes = seconds / fleet.refreshIntervalSeconds;
  const batches = batchesPerRefresh * refreshes;
  const b = inputs.batch;
  const topicsPerBatch = fleet.distinctTopics / Math.max(1, batchesPerRefresh);
  const billedMs = Math.ceil(b.billedMsPerBatch + b.billedMsPerTopic * topicsPerBatch);
  const rru = b.rruPerBatch + b.rruPerTopic * topicsPerBatch;
  const c = requestUsd(batches, billedMs, b.memoryMb, rru, p);
  const host = p.gatewayHost.onDemandPerHour * p.hoursPerMonth;
  const volume = p.ec2.gp3PerGbMonth * p.gatewayHost.volumeGb;
  const gateway: GatewayCostLine[] = [
    {
      item: `EC2: 1 × ${p.gatewayHost.instanceType} on-demand`,
      monthlyUsd: usd(host),
      detail: p.gatewayHost.description,
    },
    { item: "EBS: gp3 root volume", monthlyUsd: usd(volume), detail: `${p.gatewayHost.volumeGb} GB` },
    {
      item: "API Gateway HTTP API",
      monthlyUsd: usd(c.apiGateway),
      detail: `${m(batches)} POST /routes (${batchesPerRefresh} per ${fleet.refreshIntervalSeconds} s, ${Math.round(topicsPerBatch)} topics each)`,
    },
    { item: "Lambda: requests", monthlyUsd: usd(c.lambdaRequests), detail: `${m(batches)} invocations` },
    {
      item: "Lambda: duration (Arm)",
      monthlyUsd: usd(c.lambdaDuration),
      detail: `${billedMs} ms per batch at ${b.memoryMb} MB (${b.label})`,
    },
    { item: "DynamoDB: route reads", monthlyUsd: usd(c.dynamodb), detail: `${rru} RRU per batch` },
  ];
  const gatewayTotal = usd(gateway.reduce((n, l) => n + l.monthlyUsd, 0));
  const perClient = direct.total / Math.max(1, fleet.clients);
  const breakEvenClients = perClient === 0 ? Number.POSITIVE_INFINITY : Math.ceil(gatewayTotal / perClient);
  return {
    fleet,
    direct: direct.lines,
    directTotalUsd: direct.total,
    gateway,
    gatewayTotalUsd: gatewayTotal,
    breakEvenClients,
    notes: [
      `${fleet.clients} clients × ${fleet.topicsPerClient} topics polled every ${fleet.pollIntervalSeconds} s; ${fleet.distinctTopics} distinct topics refreshed every ${fleet.refreshIntervalSeconds} s; prices ${p.region} as of ${p.asOf} (bench/prices.ts, check before quoting).`,
      `Break-even: the host pays for itself from ${breakEvenClients} clients of this shape (each costs $${usd(perClient)} a month asking directly).`,
      "As a sidecar on a client host the EC2 lines disappear: the gateway costs its share of that host (a small Node process) and the batch requests.",
      "Not included: data transfer, CloudWatch, the clients' own hosts; first asks of new topics (one GET /route each) are negligible next to the polling.",
    ],
  };
}

export function gatewayCostTable(result: GatewayCostResult): string {
  const rows = (lines: GatewayCostLine[]) =>
    lines.map((l) => `  ${l.item.padEnd(38)} ${`$${l.monthlyUsd.toFixed(2)}`.padStart(10)}  ${l.detail}`);
  return [
    "Clients asking the API directly:",
    ...rows(result.direct),
    `  ${"total".padEnd(38)} ${`$${result.directTotalUsd.toFixed(2)}`.padStart(10)}`,
    "Behind one namesrv gateway host (route cache, POST /routes):",
    ...rows(result.gateway),
    `  ${"total".padEnd(38)} ${`$${result.gatewayTotalUsd.toFixed(2)}`.padStart(10)}`,
    ...result.notes.map((n) => `  - ${n}`),
  ].join("\n");
}
