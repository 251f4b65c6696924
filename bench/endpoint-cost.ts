/**
 * What the managed remoting endpoint (`-c remotingEndpoint=true`, infra/remoting-endpoint.ts) costs a
 * month for the reference fleet (bench/cost.ts FLEET: 100 broker instances, 1,000 producers polling
 * 20 topics every 30 s), and the registry calls it makes and saves, with either front: a Fargate
 * service and a Cloud Map name per zone (`-c remotingFront=dns`, the default) or a Network Load
 * Balancer (`-c remotingFront=nlb`). Arithmetic on the construct's settings, bench/prices.ts and the
 * endpoint prices below (us-east-1 list prices, same caveat as bench/prices.ts: recalled, not fetched;
 * check before quoting). `npx tsx bench/endpoint-cost.ts`.
 */
import { ENDPOINT_ZONES, FLEET } from "./cost";
import { type EndpointFront, endpointAlarmMetrics } from "./endpoint-front";
import { PRICES } from "./prices";

/** Endpoint-only list prices (us-east-1, 2026-12), kept here rather than in bench/prices.ts. */
export const ENDPOINT_PRICES = {
  /** Fargate, Linux/ARM (Graviton), per vCPU-hour and per GB-hour. */
  fargateArmPerVcpuHour: 0.03238,
  fargateArmPerGbHour: 0.00356,
  /** Network Load Balancer per hour, and per NLCU-hour (TCP: 800 new connections/s, 100,000 active, 1 GB/h). */
  nlbPerHour: 0.0225,
  nlbPerNlcuHour: 0.006,
  /** Cloud Map: a private hosted zone a month, a registered instance a month, DNS queries per million. */
  cloudMapHostedZonePerMonth: PRICES.cloudMap.hostedZonePerMonth,
  cloudMapPerInstanceMonth: PRICES.cloudMap.perInstanceMonth,
  dnsQueriesPerMillion: PRICES.cloudMap.dnsQueriesPerMillion,
  /** A public IPv4 address per hour (the endpoint's own VPC gives each task one; yours with NAT does not). */
  publicIpv4PerHour: 0.005,
  /** CloudWatch: a standard-resolution alarm per metric it evaluates, a custom metric (metric filter) per month. */
  alarmMetricPerMonth: 0.1,
  customMetricPerMonth: 0.3,
} as const;

export interface EndpointSettings {
  /** `dns`: a Fargate service and a Cloud Map name per zone, no load balancer; `nlb`: a zonal NLB. */
  front: EndpointFront;
  /** Tasks, at least one per zone (a service per zone, or a zonal NLB: cross-zone off). */
  tasks: number;
  /** The Availability Zones the endpoint uses (its own VPC: 2; yours: one per subnet). */
  zones: number;
  vcpu: number;
  memoryGb: number;
  /** Tasks with public IPs (the endpoint's own VPC). */
  publicIps: boolean;
  /** The gateway's route cache period and its /health probe of the registry (one per period per task). */
  refreshSeconds: number;
  healthProbeSeconds: number;
  /** Metric filters (5); the alarm metrics follow the front and the zones (`endpointAlarmMetrics`). */
  customMetrics: number;
  /** One counters line a minute per task. */
  countersLineBytes: number;
}

export const ENDPOINT_DEFAULTS: EndpointSettings = {
  front: "dns",
  tasks: ENDPOINT_ZONES,
  zones: ENDPOINT_ZONES,
  vcpu: 0.25,
  memoryGb: 0.5,
  publicIps: true,
  refreshSeconds: 30,
  healthProbeSeconds: 10,
  customMetrics: 5,
  countersLineBytes: 700,
};

export interface EndpointTraffic {
  /** Distinct topics the fleet asks for (what each task refreshes with POST /routes, 1,000 a call). */
  distinctTopics: number;
  /** Bytes between a client and the endpoint per route query (request and answer frames, measured by bench:gateway's answer size). */
  bytesPerRouteQuery: number;
  /** Connections held: one per broker and client to its NameServer. */
  connections: number;
}

export const REFERENCE_TRAFFIC: EndpointTraffic = {
  distinctTopics: 2_000,
  bytesPerRouteQuery: 800,
  connections: FLEET.brokers + FLEET.clients,
};

export interface CostLine {
  item: string;
  monthlyUsd: number;
  detail: string;
}

const round = (usd: number) => Math.round(usd * 100) / 100;

export function endpointMonthlyCost(
  settings: EndpointSettings = ENDPOINT_DEFAULTS,
  traffic: EndpointTraffic = REFERENCE_TRAFFIC,
  p = ENDPOINT_PRICES,
) {
  const hours = PRICES.hoursPerMonth;
  const seconds = hours * 3600;
  // The service's minimum follows the zones (infra/remoting-endpoint.ts: a task per zone at least).
  const tasks = Math.max(2, settings.zones, settings.tasks);
  const alarmMetrics = endpointAlarmMetrics(settings.front, settings.zones);
  // The DNS front's lookups: one per connection when it opens, counted once an hour (an upper bound).
  const dnsQueries = traffic.connections * hours;
  // Java clients ask GET_ROUTEINFO_BY_TOPIC per topic per poll; the gateways answer from their cache.
  const routeQueriesPerSecond = (FLEET.clients * FLEET.topicsPerClient) / FLEET.intervalSeconds;
  const gbPerHour = (routeQueriesPerSecond * traffic.bytesPerRouteQuery * 3600) / 1e9;
  const nlcu = Math.max(gbPerHour, traffic.connections / 100_000);
  const refreshCallsPerTask = Math.ceil(traffic.distinctTopics / 1000);
  const refreshes = (tasks * refreshCallsPerTask * seconds) / settings.refreshSeconds;
  const probes = (tasks * seconds) / settings.healthProbeSeconds;
  const apiPerRequest = PRICES.apiGatewayHttpApi.perMillionRequestsFirst300M / 1e6;
  const lambdaPerRequest = PRICES.lambda.perMillionRequests / 1e6;
  // POST /routes: 0.1 ms per topic + 10 ms per batch at 512 MB (bench/gateway-cost.ts); /health ~2 ms.
  const refreshGbSeconds = refreshes * ((1000 * 0.1 + 10) / 1000) * 0.5;
  const probeGbSeconds = probes * 0.002 * 0.5;
  // Each refresh reads each topic once (0.5 RRU) and the groups (5.5 RRU); the stack's table is provisioned.
  const rcu = (tasks * (traffic.distinctTopics * 0.5 + refreshCallsPerTask * 5.5)) / settings.refreshSeconds;
  const lines: CostLine[] = [
    {
      item: "Fargate tasks (ARM64)",
      monthlyUsd:
        tasks * (settings.vcpu * p.fargateArmPerVcpuHour + settings.memoryGb * p.fargateArmPerGbHour) * hours,
      detail: `${tasks} × ${settings.vcpu} vCPU / ${settings.memoryGb} GB, always on`,
    },
    ...(settings.front === "nlb"
      ? [
          { item: "NLB hours", monthlyUsd: p.nlbPerHour * hours, detail: "one internal NLB" },
          {
            item: "NLB capacity units",
            monthlyUsd: nlcu * p.nlbPerNlcuHour * hours,
            detail: `${nlcu.toFixed(2)} NLCU: ${Math.round(routeQueriesPerSecond)} route queries/s × ${traffic.bytesPerRouteQuery} B = ${gbPerHour.toFixed(2)} GB/h; ${traffic.connections} connections`,
          },
        ]
      : [
          {
            item: "Cloud Map (zonal DNS names)",
            monthlyUsd:
              p.cloudMapHostedZonePerMonth +
              tasks * p.cloudMapPerInstanceMonth +
              (dnsQueries / 1e6) * p.dnsQueriesPerMillion,
            detail: `a private hosted zone, ${tasks} registered tasks, ${Math.round(dnsQueries / 1000)}k DNS queries (a lookup per connection an hour, counted as billed: upper bounds)`,
          },
        ]),
    {
      item: "public IPv4",
      monthlyUsd: settings.publicIps ? tasks * p.publicIpv4PerHour * hours : 0,
      detail: settings.publicIps ? "one per task (own VPC, no NAT gateway)" : "none (your subnets, your NAT)",
    },
    {
      item: "alarms and metrics",
      monthlyUsd: alarmMetrics * p.alarmMetricPerMonth + settings.customMetrics * p.customMetricPerMonth,
      detail: `${alarmMetrics} alarm metrics, ${settings.customMetrics} metric filters`,
    },
    {
      item: "gateway logs",
      monthlyUsd:
        ((tasks * settings.countersLineBytes * hours * 60) / 1e9) * PRICES.cloudWatchLogs.ingestionPerGb,
      detail: "one counters line a minute per task",
    },
    {
      item: "registry calls (refresh, /health)",
      monthlyUsd:
        (refreshes + probes) * (apiPerRequest + lambdaPerRequest) +
        (refreshGbSeconds + probeGbSeconds) * PRICES.lambda.armPerGbSecond +
        rcu * PRICES.dynamodb.provisionedPerRcuHour * hours,
      detail: `${Math.round(refreshes / 1000)}k POST /routes and ${Math.round(probes / 1000)}k GET /health a month; ${Math.round(rcu)} RCU provisioned`,
    },
  ];
  const total = lines.reduce((sum, line) => sum + line.monthlyUsd, 0);
  // What the gateways save: the producers' own POST /routes (one per producer per poll) never reach the API.
  const avoidedRequests = (FLEET.clients * seconds) / FLEET.intervalSeconds;
  return {
    lines: lines.map((line) => ({ ...line, monthlyUsd: round(line.monthlyUsd) })),
    totalUsd: round(total),
    avoidedRouteRequests: avoidedRequests,
    avoidedFrontDoorUsd: round(avoidedRequests * apiPerRequest),
    routeQueriesPerSecond,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const front of ["dns", "nlb"] as const) {
    for (const publicIps of [true, false]) {
      const cost = endpointMonthlyCost({ ...ENDPOINT_DEFAULTS, front, publicIps });
      console.log(
        `\nremoting endpoint, ${front} front, ${publicIps ? "its own VPC" : "your subnets"}: $${cost.totalUsd.toFixed(2)} a month`,
      );
      for (const line of cost.lines)
        console.log(`  ${line.item.padEnd(36)} $${line.monthlyUsd.toFixed(2).padStart(7)}  ${line.detail}`);
      console.log(
        `  avoided: ${Math.round(cost.avoidedRouteRequests / 1e6)} M producer POST /routes a month ($${cost.avoidedFrontDoorUsd.toFixed(2)} of API Gateway alone)`,
      );
    }
  }
}
