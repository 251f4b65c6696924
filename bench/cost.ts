/**
 * Monthly cost per topology and fleet factor, from the figures bench/measure.ts measured (DynamoDB
 * requests and units, handler work, bytes on each hop, the gateway's requests to the registry) and the
 * list prices of bench/prices.ts, beside the classic NameServer. Everything here is arithmetic; the
 * assumptions are the constants below and the notes returned with the result.
 *
 * Topologies (RocketMQ's brokers and clients are unmodified in all three; brokers always reach the
 * registry through `namesrv gateway` on their own host, with the steady-registration lever on):
 * - host-gateways: a gateway per client host (sidecar / DaemonSet, 10 client instances per host);
 *   each keeps its clients' topics by the change feed: one POST /routes with `changesSince` per 30 s,
 *   the refetch of the topics a change touched in the same round, and every topic every 30 minutes.
 * - managed-endpoint: the stack's Fargate gateways (infra/remoting-endpoint.ts: 0.25 vCPU / 512 MiB Arm
 *   tasks) behind its default front, `-c remotingFront=dns`: a Fargate service per zone, each named in a
 *   Cloud Map private DNS namespace (`zone-1.<stack name>.internal`, …: A records of that zone's tasks);
 *   every broker and client names its own zone's name, so nothing crosses zones and no load balancer
 *   carries the bytes. Each task keeps the topics its clients ask by the change feed, as a host gateway
 *   does. Brokers set `compressedRegister=true`. The alternative front, `-c remotingFront=nlb` (a zonal
 *   NLB: cross-zone off, availability-zone DNS affinity), is priced beside it: `endpointFronts`.
 * Every topology is priced with the function URL front door (`-c functionUrl=true`), the rest of the
 * stack as deployed; the HTTP API's fee is in the front door line's detail.
 * - http-clients: each client calls POST /routes itself (the project's RouteClient), every 30 s.
 */

import { type EndpointFrontCost, endpointPricing } from "./endpoint-front";
import { fmt, GB, usd } from "./format";
import {
  type Figure,
  type GatewayFigure,
  type Measured,
  REQUEST_HEADER_BYTES,
  RESPONSE_HEADER_BYTES,
} from "./measure-base";
import { PRICES, type Prices } from "./prices";
import type { StackSettings } from "./stack-settings";

export type Topology = "host-gateways" | "managed-endpoint" | "http-clients";
export const TOPOLOGIES: Topology[] = ["host-gateways", "managed-endpoint", "http-clients"];
export const FACTORS = [1, 10, 100] as const;

/** The targets: total ÷ classic, per topology and factor (undefined: reported only). */
export const TARGETS: Record<Topology, Array<number | undefined>> = {
  "host-gateways": [1, 1, 1],
  "managed-endpoint": [1, 2.5, 3],
  "http-clients": [1.5, undefined, undefined],
};
/** At 100×, the gateway topologies use at most this share of every quota (a burst of 2× fits). */
export const QUOTA_SHARE = 0.5;

/** The reference fleet (×1). */
export const FLEET = {
  brokers: 100,
  clients: 1_000,
  topicsPerClient: 20,
  clientsPerHost: 10,
  topicsPerBroker: 1_000,
  groupsPerTopic: 10,
  intervalSeconds: 30,
  /** Share of a poll's routes that changed since the last one (their answer carries a body). */
  changedShare: 0.01,
  /**
   * The endpoint's tasks scale on CPU at this target (infra/remoting-endpoint.ts, `targetCpuPercent`):
   * the model sizes them from the gateway's CPU per ask the bench measures (`gatewayCpu`; an upper
   * bound taken on this machine's cores, not Graviton's).
   */
  taskCpuTarget: 0.5,
  /**
   * History of changes (README "History of changes"): steady heartbeats record nothing, so its cost is
   * the fleet's churn. Assumed: a restart per broker a day (an unregister or expiry and a registration:
   * two entries), each under 1 KB (1 WCU, as test/integration/history.test.ts measures for membership
   * changes), kept for the default 30 days, plus the hourly clean-up's two Queries.
   */
  historyEntriesPerBrokerPerDay: 2,
  /**
   * Topology changes other than restarts (assumed): a topic created or its queues changed, once per
   * broker group a day, each one topic's route. A restart changes only its group's member list, which
   * the feed answer carries: gateways patch their routes; a topic change makes them refetch the topic.
   */
  topicChangesPerGroupPerDay: 1,
  historyEntryBytes: 1_024,
  historyRetentionDays: 30,
  /**
   * The gateways' change feed (lib/gateway/route-cache.ts): each round asks from the last answer's
   * time less this overlap, so an answer carries (interval + overlap) of entries; every topic is
   * refetched every `fullRefreshSeconds` all the same.
   */
  feedOverlapSeconds: 10,
  fullRefreshSeconds: 3_600,
} as const;

/**
 * Availability Zones the managed endpoint uses (its own VPC's two: infra/remoting-endpoint.ts
 * OWN_VPC_ZONES). Either front runs at least one task per zone (a service and a name per zone, or a
 * zonal NLB).
 */
export const ENDPOINT_ZONES = 2;

/** Account and table quotas (us-east-1 defaults). */
export const QUOTAS = {
  httpApiRequestsPerSecond: 10_000,
  lambdaConcurrency: 1_000,
  tableReadUnitsPerSecond: 40_000,
  tableWriteUnitsPerSecond: 40_000,
  partitionReadUnitsPerSecond: 3_000,
  partitionWriteUnitsPerSecond: 1_000,
  nlbTargetsPerLoadBalancer: 500,
  /** Cloud Map: instances per service (not adjustable) and per namespace. */
  cloudMapInstancesPerService: 1_000,
  cloudMapInstancesPerNamespace: 2_000,
} as const;

export interface Line {
  item: string;
  monthlyUsd: number;
  detail: string;
}
export interface Quota {
  name: string;
  used: number;
  limit: number;
}
export interface Scenario {
  topology: Topology;
  fleetFactor: number;
  totalUsd: number;
  classicUsd: number;
  ofClassic: number;
  target?: number;
  pass?: boolean;
  lines: Line[];
  quotas: Quota[];
}

export function classicUsd(factor: number, p: Prices = PRICES): number {
  // Every broker registers with every NameServer: past 10× two 2-vCPU servers do not hold the
  // registrations, so the classic deployment grows by instance size (4 × m7g.2xlarge, an assumption).
  const count = factor >= 100 ? 4 : 2;
  const size = factor >= 100 ? 4 : 1;
  return usd(count * (p.ec2.onDemandPerHour * size * p.hoursPerMonth + p.ec2.gp3PerGbMonth * p.ec2.volumeGb));
}

function pick<T extends { id: string }>(list: T[], id: string): T {
  const found = list.find((f) => f.id === id);
  if (found === undefined) throw new Error(`the cost model needs the figure ${id}`);
  return found;
}

/** What one kind of request costs the registry: invocations, units, billed ms and bytes per month. */
interface Traffic {
  label: string;
  perMonth: number;
  rcu: number;
  wcu: number;
  billedMs: number;
  memoryMb: number;
  requestBytes: number;
  responseBytes: number;
}

/** Work done inside invocations already counted (no request, no bytes, no duration of its own). */
const NO_TRAFFIC: Traffic = {
  label: "",
  perMonth: 0,
  rcu: 0,
  wcu: 0,
  billedMs: 0,
  memoryMb: 128,
  requestBytes: 0,
  responseBytes: 0,
};

export function costScenarios(m: Measured, stack: StackSettings, p: Prices = PRICES): Scenario[] {
  return costModel(m, stack, p).scenarios;
}

/** The scenarios and, beside them, the managed endpoint's total with each front. */
export function costModel(
  m: Measured,
  stack: StackSettings,
  p: Prices = PRICES,
): { scenarios: Scenario[]; endpointFronts: EndpointFrontCost[] } {
  const seconds = p.hoursPerMonth * 3600;
  const op = (id: string): Figure => pick(m.operations, id);
  const gw = (id: string): GatewayFigure => pick(m.gateway, id);
  const billed = (f: Figure) => Math.max(1, Math.ceil(f.p50Ms));
  const perInterval = seconds / FLEET.intervalSeconds;

  // A broker's steady registration through its gateway, lever on: the measured mix of light and full.
  const reg = gw("gateway.register.every10");
  const light = op("heartbeat.light");
  const steady = op("heartbeat.steady.1000");
  const lightShare = reg.lightHeartbeats / reg.asks;
  const registration = (brokers: number): Traffic => ({
    label: `registrations: ${fmt(brokers)} brokers every ${FLEET.intervalSeconds} s, ${Math.round(lightShare * 100)}% light heartbeats`,
    perMonth: brokers * perInterval * (reg.apiRequests / reg.asks),
    rcu: reg.rcu / reg.asks,
    wcu: reg.wcu / reg.asks,
    billedMs: lightShare * billed(light) + (1 - lightShare) * billed(steady),
    memoryMb: stack.memoryMb.registerBroker,
    requestBytes: reg.apiRequestBytes / reg.asks,
    responseBytes: reg.apiResponseBytes / reg.asks,
  });
  const post20 = op("routes.post.20.warm");
  const post200 = op("routes.post.200.warm");
  const cold20 = op("routes.post.20.off");
  const hostInterval = gw("gateway.routes.interval");
  const changed = (unchanged: number, full: number) =>
    FLEET.changedShare * full + (1 - FLEET.changedShare) * unchanged;
  const b = m.bytes;
  /** Each HTTP client's own POST /routes of its topics every interval. */
  const clientRoutes = (calls: number): Traffic => ({
    label: `POST /routes of ${FLEET.topicsPerClient} topics per client per ${FLEET.intervalSeconds} s`,
    perMonth: calls * perInterval,
    rcu: post20.rcu,
    wcu: 0,
    billedMs: billed(post20),
    memoryMb: stack.memoryMb.getRouteInfoByTopic,
    requestBytes: 1_200 + (b["http.routes.20.request"] ?? 0),
    responseBytes: 250 + changed(b["http.routes.20.unchanged"] ?? 0, b["http.routes.20.changed"] ?? 0),
  });
  // The change feed's figures: a steady round (no change), a round after two topics changed (their
  // refetch), a round after a restart (two membership entries with the group's membership: patched),
  // the feed ask in the route function (its window a second old: the Query, the digest's GetItem and
  // the groups new membership entries name; warm: memory).
  const feedSteady = gw("gateway.routes.feed.steady");
  const feedChange = gw("gateway.routes.feed.change");
  const feedRestart = gw("gateway.routes.feed.restart");
  /** What one entry adds to a feed answer, gzip-encoded, with its group's membership. */
  const entryBytes = (feedRestart.apiResponseBytes - feedSteady.apiResponseBytes) / feedRestart.asks;
  const feedWindow = op("routes.changes.window");
  const feedWarm = op("routes.changes.warm");
  const perTopic = {
    rcu: hostInterval.rcu / hostInterval.asks,
    requestBytes: (hostInterval.apiRequestBytes - REQUEST_HEADER_BYTES) / hostInterval.asks,
    // A refetched route comes back in full (its ETag changed): what the change round's refetch answered.
    responseBytes:
      (feedChange.apiResponseBytes - feedSteady.apiResponseBytes - RESPONSE_HEADER_BYTES) / feedChange.asks,
  };
  /**
   * What `gateways` route caches of `cached` topics each cost the registry by the change feed: one feed
   * ask a round, whose answer carries the round's entries (restarts with their group's membership:
   * the routes are patched, no refetch); the refetch, in the same round, of a cached topic that changed
   * (a topic change names one topic: a cache holding share s of the fleet's topics holds it with
   * probability s); every topic every FLEET.fullRefreshSeconds.
   */
  const feedTraffic = (
    gateways: number,
    cached: number,
    fleetTopics: number,
    entriesPerRound: number,
    topicChangesPerRound: number,
  ): Traffic[] => {
    const share = Math.min(1, cached / fleetTopics);
    const refetchShare = 1 - Math.exp(-topicChangesPerRound * share);
    const refetchTopics = refetchShare > 0 ? (topicChangesPerRound * share) / refetchShare : 0;
    const refetchCalls = Math.max(1, Math.ceil(refetchTopics / 1000));
    const entriesPerAnswer =
      (entriesPerRound * (FLEET.intervalSeconds + FLEET.feedOverlapSeconds)) / FLEET.intervalSeconds;
    const fullCalls = Math.ceil(cached / 1000);
    const fullsPerMonth = seconds / FLEET.fullRefreshSeconds;
    return [
      {
        label: `feed asks: one POST /routes with changesSince per cache per ${FLEET.intervalSeconds} s (${entriesPerAnswer.toFixed(2)} entries an answer)`,
        perMonth: gateways * perInterval,
        // The Query of the window and the digest's GetItem are counted per route-function instance.
        rcu: 0,
        wcu: 0,
        billedMs: billed(feedWarm),
        memoryMb: stack.memoryMb.getRouteInfoByTopic,
        requestBytes: feedSteady.apiRequestBytes,
        responseBytes: feedSteady.apiResponseBytes + entriesPerAnswer * entryBytes,
      },
      {
        label: `refetches of changed topics: ${(refetchShare * 100).toFixed(2)} % of rounds, ${refetchTopics.toFixed(1)} topics each`,
        perMonth: gateways * perInterval * refetchShare * refetchCalls,
        rcu: (refetchTopics / refetchCalls) * perTopic.rcu,
        wcu: 0,
        billedMs: Math.max(billed(post20), Math.ceil((billed(post200) * refetchTopics) / refetchCalls / 200)),
        memoryMb: stack.memoryMb.getRouteInfoByTopic,
        requestBytes: REQUEST_HEADER_BYTES + (refetchTopics / refetchCalls) * perTopic.requestBytes,
        responseBytes: RESPONSE_HEADER_BYTES + (refetchTopics / refetchCalls) * perTopic.responseBytes,
      },
      {
        label: `full refreshes: every topic (${fmt(cached)}) every ${FLEET.fullRefreshSeconds / 60} min`,
        perMonth: gateways * fullsPerMonth * fullCalls,
        rcu: (cached / fullCalls) * perTopic.rcu,
        wcu: 0,
        billedMs: Math.ceil((billed(post200) * cached) / fullCalls / hostInterval.asks),
        memoryMb: stack.memoryMb.getRouteInfoByTopic,
        requestBytes: (hostInterval.apiRequestBytes / hostInterval.asks) * (cached / fullCalls),
        responseBytes: (hostInterval.apiResponseBytes / hostInterval.asks) * (cached / fullCalls),
      },
    ];
  };
  const sweep = op("sweep.idle.100");
  const routeCpu = pick(m.gatewayCpu ?? [], "gateway.cpu.route.cached");
  const registerCpu = pick(m.gatewayCpu ?? [], "gateway.cpu.register.compressed");

  const scenarios: Scenario[] = [];
  const endpointFronts: EndpointFrontCost[] = [];
  for (const topology of TOPOLOGIES) {
    for (const [k, f] of FACTORS.entries()) {
      const brokers = FLEET.brokers * f;
      const clients = FLEET.clients * f;
      const fleetTopics = (FLEET.brokers / 2) * f * (FLEET.topicsPerBroker / FLEET.groupsPerTopic);
      const traffic: Traffic[] = [registration(brokers)];
      const lines: Line[] = [];
      let tasks = 0;
      let taskCpu = 0;
      /** Bytes between the endpoint's tasks and the clients, and the brokers (each way summed). */
      let clientBytes = 0;
      let brokerBytes = 0;
      /** Feed asks a second (each route-function instance re-reads its window at most once a second). */
      let feedAsksPerSecond = 0;
      // Topology changes a 30 s round sees: the fleet's churn (a restart per broker a day: two
      // history entries naming its group).
      const topicChangesPerRound =
        ((brokers / 2) * FLEET.topicChangesPerGroupPerDay * FLEET.intervalSeconds) / 86_400;
      const changesPerRound =
        (brokers * FLEET.historyEntriesPerBrokerPerDay * FLEET.intervalSeconds) / 86_400 +
        topicChangesPerRound;
      if (topology === "host-gateways") {
        traffic.push(
          ...feedTraffic(
            clients / FLEET.clientsPerHost,
            hostInterval.asks,
            fleetTopics,
            changesPerRound,
            topicChangesPerRound,
          ),
        );
        feedAsksPerSecond = clients / FLEET.clientsPerHost / FLEET.intervalSeconds;
      }
      if (topology === "http-clients") traffic.push(clientRoutes(clients));
      if (topology === "managed-endpoint") {
        // Each task refreshes the topics its clients ask (a client keeps one connection, to one task).
        const topicsOf = (n: number) => Math.min(fleetTopics, Math.ceil(clients / n) * FLEET.topicsPerClient);
        // CPU-seconds a second: every client's route asks and every broker's registration, measured per
        // ask; of the tasks' refreshes (each client's topics at most once), the changed routes (an
        // unchanged one comes back as its name only) count as one more route ask each.
        taskCpu =
          (clients * FLEET.topicsPerClient * (1 + FLEET.changedShare) * routeCpu.cpuMicrosPerAsk +
            brokers * registerCpu.cpuMicrosPerAsk) /
          FLEET.intervalSeconds /
          1e6;
        // At least a task per zone and what the measured CPU needs, the same count in every zone: a zone's
        // clients reach only its own tasks (its own name; or the zonal NLB's), and CPU scaling sees the
        // zone's average (clients assumed spread evenly over the zones).
        const needed = Math.max(ENDPOINT_ZONES, Math.ceil(taskCpu / (p.fargate.vcpu * FLEET.taskCpuTarget)));
        tasks = Math.ceil(needed / ENDPOINT_ZONES) * ENDPOINT_ZONES;
        traffic.push(
          ...feedTraffic(tasks, topicsOf(tasks), fleetTopics, changesPerRound, topicChangesPerRound),
        );
        feedAsksPerSecond = tasks / FLEET.intervalSeconds;
        brokerBytes =
          perInterval *
          brokers *
          ((b["remoting.register.1000.compressed"] ?? 0) + reg.remotingResponseBytes / reg.asks);
        clientBytes =
          perInterval *
          clients *
          FLEET.topicsPerClient *
          ((b["remoting.route.request"] ?? 0) + (b["remoting.route.response"] ?? 0));
      }
      const sweeps = perInterval;
      const historyEntries =
        (brokers * FLEET.historyEntriesPerBrokerPerDay + (brokers / 2) * FLEET.topicChangesPerGroupPerDay) *
        (seconds / 86_400);
      const history: Traffic[] = [
        { ...NO_TRAFFIC, label: "history entries", perMonth: historyEntries, wcu: 1 },
        { ...NO_TRAFFIC, label: "history clean-up", perMonth: 2 * p.hoursPerMonth, rcu: 0.5 },
      ];
      const all = [
        ...traffic,
        ...history,
        {
          label: "sweeps",
          perMonth: sweeps,
          rcu: sweep.rcu * f,
          wcu: sweep.wcu,
          billedMs: billed(sweep) * f,
          memoryMb: stack.memoryMb.sweeper,
          requestBytes: 0,
          responseBytes: 0,
        },
      ];
      const front = traffic.reduce((n, t) => n + t.perMonth, 0);
      const invocations = front + sweeps;
      const gbSeconds = all.reduce((n, t) => n + t.perMonth * (t.billedMs / 1000) * (t.memoryMb / 1024), 0);
      const readUnits = all.reduce((n, t) => n + t.perMonth * t.rcu, 0);
      const writeUnits = all.reduce((n, t) => n + t.perMonth * t.wcu, 0);
      const apiBytes = traffic.reduce((n, t) => n + t.perMonth * (t.requestBytes + t.responseBytes), 0);
      const answerBytes = traffic.reduce((n, t) => n + t.perMonth * t.responseBytes, 0);
      // Route function instances re-read the groups of their topics once per group-cache bound.
      const concurrency = all.reduce((n, t) => n + (t.perMonth * t.billedMs) / 1000, 0) / seconds;
      const instances = Math.max(2, Math.ceil(concurrency * 2));
      const groupRead = cold20.rcu - post20.rcu;
      const groupReadsPerSecond =
        stack.routeGroupCacheMs > 0 ? (instances * groupRead) / (stack.routeGroupCacheMs / 1000) : 0;
      // The feed's window: each instance that answers feed asks re-reads it at most once a second.
      const feedReadsPerSecond = Math.min(feedAsksPerSecond, instances) * feedWindow.rcu;
      const readPerSecond = readUnits / seconds + groupReadsPerSecond + feedReadsPerSecond;
      const writePerSecond = writeUnits / seconds;

      // The front door the scenarios price: the function URL (`-c functionUrl=true`); the HTTP API's fee beside it.
      const httpApiUsd =
        Math.min(front, 300e6) * (p.apiGatewayHttpApi.perMillionRequestsFirst300M / 1e6) +
        Math.max(0, front - 300e6) * (p.apiGatewayHttpApi.perMillionRequestsAbove300M / 1e6);
      lines.push({
        item: "Front door: Lambda function URL",
        monthlyUsd: 0,
        detail: `${fmt(front)} requests, no fee of their own (through the default stack's HTTP API: ${usd(httpApiUsd)} USD more, plus its access log)`,
      });
      lines.push({
        item: "Lambda requests and duration (Arm)",
        monthlyUsd: usd(
          (invocations * p.lambda.perMillionRequests) / 1e6 + gbSeconds * p.lambda.armPerGbSecond,
        ),
        detail: `${fmt(invocations)} invocations, ${fmt(gbSeconds)} GB-s (handler work measured locally, an upper bound)`,
      });
      const cap = stack.capacity;
      let ddbUsd: number;
      let ddbDetail: string;
      if (cap.mode === "onDemand") {
        ddbUsd =
          ((readPerSecond * seconds) / 1e6) * p.dynamodb.readRequestUnitsPerMillion +
          (writeUnits / 1e6) * p.dynamodb.writeRequestUnitsPerMillion;
        ddbDetail = "on demand";
      } else {
        const rcu = Math.max(cap.tableMin.read, Math.ceil(readPerSecond / cap.targetUtilization));
        const wcu = Math.max(cap.tableMin.write, Math.ceil(writePerSecond / cap.targetUtilization));
        ddbUsd =
          ((rcu + cap.indexMin.read) * p.dynamodb.provisionedPerRcuHour +
            (wcu + cap.indexMin.write) * p.dynamodb.provisionedPerWcuHour) *
          p.hoursPerMonth;
        ddbDetail = `provisioned at ${Math.round(cap.targetUtilization * 100)}%: ${rcu} RCU / ${wcu} WCU (mean ${readPerSecond.toFixed(1)} / ${writePerSecond.toFixed(1)} per s)`;
      }
      lines.push({ item: "DynamoDB", monthlyUsd: usd(ddbUsd), detail: ddbDetail });
      const logBytes = instances * 2 * (seconds / 60) * 700;
      lines.push({
        item: "CloudWatch Logs",
        monthlyUsd: usd((logBytes / GB) * p.cloudWatchLogs.ingestionPerGb),
        detail: `${(logBytes / GB).toFixed(1)} GB: a metrics line per instance a minute (a function URL has no access log)`,
      });
      lines.push({
        item: "Data transfer out and NAT processing",
        monthlyUsd: usd(
          (answerBytes / GB) * p.dataTransfer.outPerGb + (apiBytes / GB) * p.dataTransfer.natProcessingPerGb,
        ),
        detail: `${(answerBytes / GB).toFixed(0)} GB of answers, ${(apiBytes / GB).toFixed(0)} GB through NAT (upper bounds)`,
      });
      lines.push({
        item: "Sweep schedule (Step Functions Express + EventBridge)",
        monthlyUsd: usd(
          (sweeps / stack.sweepsPerRun) *
            (p.stepFunctionsExpress.perMillionRequests / 1e6 +
              p.eventBridge.perMillionScheduledInvocations / 1e6 +
              stack.sweepScheduleSeconds *
                p.stepFunctionsExpress.minimumMemoryGb *
                p.stepFunctionsExpress.perGbSecond),
        ),
        detail: `${fmt(sweeps / stack.sweepsPerRun)} runs`,
      });
      const historyGb =
        (historyEntries / (seconds / 86_400)) * FLEET.historyRetentionDays * (FLEET.historyEntryBytes / GB);
      lines.push({
        item: "History of changes",
        monthlyUsd: usd(historyGb * p.dynamodb.storagePerGbMonth),
        detail: `${fmt(historyEntries)} entries a month at a restart per broker and a topic change per group a day (their ${fmt(historyEntries)} WCU and the hourly clean-up are in the DynamoDB line), ${historyGb.toFixed(2)} GB kept ${FLEET.historyRetentionDays} days; heartbeats record nothing`,
      });
      let endpoint: ReturnType<typeof endpointPricing> | undefined;
      if (topology === "managed-endpoint") {
        endpoint = endpointPricing(
          {
            zones: ENDPOINT_ZONES,
            tasks,
            clients,
            brokers,
            clientBytes,
            brokerBytes,
            fargateDetail: `${tasks} tasks of ${p.fargate.vcpu} vCPU / ${p.fargate.gb} GB (≥ one per zone, ${ENDPOINT_ZONES} zones; ${taskCpu.toFixed(2)} vCPU of gateway work at ${Math.round(FLEET.taskCpuTarget * 100)} % CPU: ${routeCpu.cpuMicrosPerAsk} µs per cached route ask, ${registerCpu.cpuMicrosPerAsk} µs per compressed registration, measured)`,
          },
          p,
        );
        lines.push(...endpoint.lines);
      } else {
        lines.push({
          item: "Gateway processes",
          monthlyUsd: 0,
          detail: `${fmt(brokers + (topology === "host-gateways" ? clients / FLEET.clientsPerHost : 0))} gateways beside brokers${topology === "host-gateways" ? " and clients" : ""} on hosts already paid for (≈60 MB each)`,
        });
      }
      const totalUsd = usd(lines.reduce((n, l) => n + l.monthlyUsd, 0));
      const classic = classicUsd(f, p);
      const ofClassic = Math.round((totalUsd / classic) * 100) / 100;
      const target = TARGETS[topology][k];
      // History entries live in their own day partitions; every other write is a group's.
      const groupWrites = writePerSecond - historyEntries / seconds;
      const quotas: Quota[] = [
        {
          name: "HTTP API requests/s",
          used: round1(front / seconds),
          limit: QUOTAS.httpApiRequestsPerSecond,
        },
        { name: "Lambda concurrency", used: round1(concurrency), limit: QUOTAS.lambdaConcurrency },
        { name: "table read units/s", used: round1(readPerSecond), limit: QUOTAS.tableReadUnitsPerSecond },
        { name: "table write units/s", used: round1(writePerSecond), limit: QUOTAS.tableWriteUnitsPerSecond },
        {
          name: "GROUPS partition read units/s",
          used: round1(groupReadsPerSecond + (sweep.rcu * f) / FLEET.intervalSeconds),
          limit: QUOTAS.partitionReadUnitsPerSecond,
        },
        // Every heartbeat writes its group's item, and every group item lives in the GROUPS partition.
        {
          name: "GROUPS partition write units/s",
          used: round1(groupWrites),
          limit: QUOTAS.partitionWriteUnitsPerSecond,
        },
        ...(feedAsksPerSecond > 0
          ? [
              {
                name: "history and digest partitions read units/s",
                used: round1(feedReadsPerSecond),
                limit: QUOTAS.partitionReadUnitsPerSecond,
              },
            ]
          : []),
        ...(endpoint?.quotas ?? []),
      ];
      scenarios.push({
        topology,
        fleetFactor: f,
        totalUsd,
        classicUsd: classic,
        ofClassic,
        ...(target === undefined ? {} : { target, pass: ofClassic <= target }),
        lines,
        quotas,
      });
      if (endpoint !== undefined) endpointFronts.push(...endpoint.fronts(f, totalUsd, classic));
    }
  }
  return { scenarios, endpointFronts };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The 100× gateway-topology quotas over QUOTA_SHARE, by name. */
export function quotaMisses(scenarios: Scenario[]): string[] {
  return scenarios
    .filter((s) => s.fleetFactor === 100 && s.topology !== "http-clients")
    .flatMap((s) =>
      s.quotas
        .filter((q) => q.used > q.limit * QUOTA_SHARE)
        .map((q) => `${s.topology}: ${q.name} ${q.used} of ${q.limit}`),
    );
}
