/**
 * The managed endpoint's own lines in the cost model (bench/cost.ts), by its front: the default
 * `-c remotingFront=dns` (a Fargate service per zone, each named in a Cloud Map private DNS namespace;
 * no load balancer) is what the scenarios price; `-c remotingFront=nlb` (a zonal Network Load Balancer
 * in front of the tasks) is priced beside it, so the alternative stays measured. Arithmetic on the
 * bytes and tasks bench/cost.ts derives from the measured figures, and on bench/prices.ts.
 */
import type { Line, Quota } from "./cost";
import { dollars, fmt, GB, usd } from "./format";
import type { Prices } from "./prices";

/** The managed endpoint's fronts: a Cloud Map name per zone (the default) or a Network Load Balancer. */
export type EndpointFront = "dns" | "nlb";

/**
 * The endpoint's alarm metrics (infra/remoting-endpoint.ts): SYSTEM_BUSY rate (2) and overload (1) in
 * both; the DNS front adds "no gateway task running" per zone's service (1 each), the NLB front
 * "unhealthy targets" (1).
 */
export function endpointAlarmMetrics(front: EndpointFront, zones: number): number {
  return front === "dns" ? 3 + zones : 4;
}

/** One managed-endpoint total per front and fleet factor (the DNS front's is the scenario's). */
export interface EndpointFrontCost {
  fleetFactor: number;
  front: EndpointFront;
  totalUsd: number;
  ofClassic: number;
  detail: string;
}

/** Cloud Map: instances per service (not adjustable) and per namespace; an NLB's targets. */
export const ENDPOINT_QUOTAS = {
  cloudMapInstancesPerService: 1_000,
  cloudMapInstancesPerNamespace: 2_000,
  nlbTargetsPerLoadBalancer: 500,
} as const;

/** What the endpoint carries in a month at one fleet factor. */
export interface EndpointLoad {
  zones: number;
  /** Tasks in all, the same number in every zone. */
  tasks: number;
  clients: number;
  brokers: number;
  /** Bytes between the tasks and the clients, and the brokers, a month (both directions). */
  clientBytes: number;
  brokerBytes: number;
  /** The Fargate line's detail (how the tasks were sized). */
  fargateDetail: string;
}

/**
 * The endpoint's lines with the DNS front, its quotas, and `fronts`: given the scenario's total, the
 * total with each front (the NLB front's: the NLB line in place of Cloud Map's, its alarm metrics).
 */
export function endpointPricing(load: EndpointLoad, p: Prices) {
  const { zones, tasks } = load;
  const connections = load.clients + load.brokers;
  // The DNS front: one private hosted zone, a registered instance per task, and the lookups. A
  // RocketMQ client or broker resolves the name when it opens its NameServer connection and keeps
  // that channel (its 30 s polls keep it busy): one lookup per connection an hour, an upper bound.
  const lookups = connections * p.hoursPerMonth;
  const cloudMapUsd = usd(
    p.cloudMap.hostedZonePerMonth +
      tasks * p.cloudMap.perInstanceMonth +
      (lookups / 1e6) * p.cloudMap.dnsQueriesPerMillion,
  );
  const alarms = endpointAlarmMetrics("dns", zones);
  // Named every zone's name (the NamesrvAddr output's list), a client connects to one at random, so
  // (z-1)/z of its bytes cross; a broker registers with every name it lists: z-1 of its z
  // registrations cross. Billed on both sides.
  const crossingBytes = (load.clientBytes * (zones - 1)) / zones + load.brokerBytes * (zones - 1);
  const lines: Line[] = [
    {
      item: "Cloud Map (zonal DNS names)",
      monthlyUsd: cloudMapUsd,
      detail: `a private hosted zone (${dollars(p.cloudMap.hostedZonePerMonth)}), ${tasks} registered tasks at ${dollars(p.cloudMap.perInstanceMonth)}, ${fmt(lookups)} DNS queries at ${dollars(p.cloudMap.dnsQueriesPerMillion)}/M (a lookup per connection an hour, counted as billed: upper bounds)`,
    },
    {
      item: "Fargate gateway tasks (Arm)",
      monthlyUsd: usd(
        tasks *
          (p.fargate.vcpu * p.fargate.perVcpuHour + p.fargate.gb * p.fargate.perGbHour) *
          p.hoursPerMonth,
      ),
      detail: load.fargateDetail,
    },
    {
      item: "Public IPv4, alarms and metric filters",
      monthlyUsd: usd(
        tasks * p.endpoint.publicIpv4PerHour * p.hoursPerMonth +
          alarms * p.endpoint.alarmMetricPerMonth +
          p.endpoint.metricFilters * p.endpoint.metricFilterPerMonth,
      ),
      detail: `one address per task (the endpoint's own VPC); ${alarms} alarm metrics and ${p.endpoint.metricFilters} metric filters`,
    },
    {
      item: "Cross-AZ transfer",
      monthlyUsd: 0,
      detail: `$0: each client and broker names its own zone's name (assumed). Naming every zone's (the NamesrvAddr output's list): ${dollars(usd((crossingBytes / GB) * p.crossAz.perGbEachWay * 2))} a month (${fmt(crossingBytes / GB)} GB across zones at $${p.crossAz.perGbEachWay}/GB each way, both sides)`,
    },
  ];
  const quotas: Quota[] = [
    {
      name: "Cloud Map instances per service (a zone's tasks)",
      used: Math.ceil(tasks / zones),
      limit: ENDPOINT_QUOTAS.cloudMapInstancesPerService,
    },
    {
      name: "Cloud Map instances per namespace",
      used: tasks,
      limit: ENDPOINT_QUOTAS.cloudMapInstancesPerNamespace,
    },
  ];
  // The NLB front in Cloud Map's place: per hour, and per LCU on the bytes and the connections.
  const endpointBytes = load.clientBytes + load.brokerBytes;
  const gbPerHour = endpointBytes / GB / p.hoursPerMonth;
  const lcu = Math.max(gbPerHour / p.nlb.gbPerLcuHour, connections / p.nlb.activeFlowsPerLcu);
  const nlbUsd = usd((p.nlb.perHour + lcu * p.nlb.perLcuHour) * p.hoursPerMonth);
  const nlbAlarms = endpointAlarmMetrics("nlb", zones);
  const fronts = (fleetFactor: number, totalUsd: number, classicUsd: number): EndpointFrontCost[] => {
    const nlbTotal = usd(
      totalUsd - cloudMapUsd + nlbUsd + (nlbAlarms - alarms) * p.endpoint.alarmMetricPerMonth,
    );
    return [
      {
        fleetFactor,
        front: "dns",
        totalUsd,
        ofClassic: Math.round((totalUsd / classicUsd) * 100) / 100,
        detail: "the scenario: a Fargate service and a Cloud Map name per zone, no load balancer",
      },
      {
        fleetFactor,
        front: "nlb",
        totalUsd: nlbTotal,
        ofClassic: Math.round((nlbTotal / classicUsd) * 100) / 100,
        detail: `the scenario with the Network Load Balancer (${dollars(nlbUsd)}: ${fmt(endpointBytes / GB)} GB a month, ${gbPerHour.toFixed(1)} GB/h: ${lcu.toFixed(1)} LCU; ${fmt(connections)} connections) in place of Cloud Map (${dollars(cloudMapUsd)}), ${nlbAlarms} alarm metrics; ${tasks} of its ${ENDPOINT_QUOTAS.nlbTargetsPerLoadBalancer} targets; cross-AZ $0 for clients resolving it through Amazon DNS (zonal: cross-zone off, availability-zone DNS affinity)`,
      },
    ];
  };
  return { lines, quotas, fronts };
}
