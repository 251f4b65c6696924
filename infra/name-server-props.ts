/**
 * The options of the NameServer construct (infra/name-server.ts) and the pure helpers they go
 * through: table capacity defaults, the sweep plan, the self-preservation environment and the access
 * log line formats.
 */
import { Duration, type RemovalPolicy } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import { type SelfPreservationConfig, selfPreservationConfigFromEnv } from "../lib/domain/self-preservation";
import type { BrokerGroupRef } from "./api-access";
import type { AwsSdkSource } from "./namesrv-function";
import type { RemotingEndpointOptions } from "./remoting-endpoint";

export interface NameServerProps {
  /**
   * What `cdk destroy` (or replacing the table) does to the registry table. Use DESTROY only for
   * throw-away stacks: the KV config lives in this table.
   * @default RemovalPolicy.RETAIN
   */
  readonly tableRemovalPolicy?: RemovalPolicy;
  /**
   * DynamoDB deletion protection on the table (a delete through any API fails while it is on).
   * @default true
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * Open the `read` routes (the GETs: routes, clusters, topic lists, KV reads; and POST /routes, the
   * batched route read) to anyone. `write` routes
   * always need IAM (SigV4) and GET /health never does, whatever this says.
   * @default false (every route but GET /health needs IAM)
   */
  readonly openReads?: boolean;
  /**
   * Retention of every log group of the stack (functions, API access logs, sweep state machine).
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * An e-mail address subscribed to the alarm topic (the recipient confirms the subscription).
   * @default - no subscription: the topic exists, subscribe to it yourself
   */
  readonly alarmEmail?: string;
  /**
   * Reserved concurrency of each HTTP route function: a ceiling per route that also keeps that much of
   * the account's concurrency for it. Lambda refuses a reservation that leaves the account fewer than
   * 100 unreserved executions, so leave it unset on small accounts.
   * @default - unreserved
   */
  readonly reservedConcurrency?: number;
  /**
   * How often the sweeper expires dead brokers (RocketMQ's scanNotActiveBroker period). Whole seconds
   * dividing a minute (EventBridge fires once a minute; a Step Functions Express workflow sweeps that
   * many times per minute), or whole minutes.
   * @default Duration.seconds(30)
   */
  readonly sweepInterval?: Duration;
  /**
   * Steady-state request rate of the API's default stage (requests per second, all routes together).
   * 1,000 producers polling 20 topics every 30 s send about 670 requests per second.
   * @default 1000
   */
  readonly throttlingRateLimit?: number;
  /**
   * Burst limit of the API's default stage (requests).
   * @default 2000
   */
  readonly throttlingBurstLimit?: number;
  /**
   * Where the functions get the AWS SDK v3: bundled (pinned by package-lock.json, tree-shaken,
   * minified) or the Lambda runtime's copy. Measured in docs/deploy.md: bundling makes both the cold
   * start and the behaviour more predictable.
   * @default "bundled"
   */
  readonly awsSdk?: AwsSdkSource;
  /**
   * Memory of every function, MiB (Lambda gives CPU in proportion, which shortens cold starts).
   * @default 512
   */
  readonly functionMemorySize?: number;
  /**
   * Self-preservation of the sweeper (README "Self-preservation"): passed to the sweeper as
   * SELF_PRESERVATION, SELF_PRESERVATION_EXPIRY_RATIO, SELF_PRESERVATION_MIN_EXPIRED,
   * SELF_PRESERVATION_MAX_DURATION_MS and SELF_PRESERVATION_RECOVERY_GRACE_MS (the sweep period comes
   * from `sweepInterval`).
   * @default - on, expiry ratio 0.5, minimum 5 instances, at most 15 minutes (DEFAULT_SELF_PRESERVATION)
   */
  readonly selfPreservation?: Partial<SelfPreservationConfig>;
  /**
   * How long a route function instance may reuse a broker group it read (README "Data model"): a
   * warm route query is then one Query instead of a Query and a BatchGetItem. Liveness is still judged
   * at every answer, so a dead broker is never served; unregisters, promotions and address or zone
   * changes show up to this much later (clients poll every 30 s). 0 turns the cache off. 5 s rather
   * than 1 s: with groups expiring one by one, a topic on 10 groups is answered from the cache 78 % of
   * the time instead of 26 % at 20 route instances (docs/performance.md).
   * @default 5000
   */
  readonly routeGroupCacheMs?: number;
  /**
   * How long the history of changes (GET /history) is kept, in whole days (1 to 3650): the table's
   * TTL deletes older entries, and the sweeper deletes what TTL has not deleted yet.
   * @default 30
   */
  readonly historyRetentionDays?: number;
  /**
   * Broker groups that get a managed policy of their own (exported as `BrokerPolicy<n>Arn`): the
   * group's scoped writes (heartbeat, unregister, ... on `/clusters/{cluster}/brokers/{brokerName}/`)
   * plus the route reads. Attach it to the role the group's brokers run with. `grantBrokerWrites`
   * does the same for a role defined in CDK.
   * @default - none
   */
  readonly brokerGroups?: readonly BrokerGroupRef[];
  /**
   * Route-level throttle of each broker write route (heartbeat, unregister, both forms): its own
   * token bucket, so no flood of another route (reads, the public /health) can take it. 1,000 req/s
   * is 30,000 brokers heartbeating every 30 s, or a whole fleet of 3,000 re-registering in 3 s.
   * @default { rateLimit: 1000, burstLimit: 2000 }
   */
  readonly heartbeatThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Route-level throttle of the public, unauthenticated GET /health: load balancer and uptime probes
   * need a few requests per second.
   * @default { rateLimit: 10, burstLimit: 20 }
   */
  readonly healthThrottle?: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * How long one function instance reuses its GET /health answer (ms): a /health flood costs one table
   * read per instance per period.
   * @default 5000
   */
  readonly healthCacheMs?: number;
  /**
   * Reserved concurrency of the heartbeat function (POST .../heartbeat, both forms): capacity other
   * functions cannot take, and a ceiling. 50 instances at ~20 ms a heartbeat serve ~2,500 req/s, above
   * heartbeatThrottle. "unreserved" on accounts below ~200 concurrent executions (Lambda keeps 100
   * unreserved).
   * @default 50
   */
  readonly heartbeatReservedConcurrency?: number | "unreserved";
  /**
   * Reserved concurrency of the sweeper: overlapping scheduled runs (a slow sweep, a retry, the next
   * minute's run) need a few instances, and a shortage of account concurrency must never stop expiry.
   * @default 3
   */
  readonly sweeperReservedConcurrency?: number | "unreserved";
  /**
   * DynamoDB capacity of the table and its index. Provisioned with auto scaling by default: the
   * reference fleet's steady reads cost about half of on-demand's (docs/performance.md "Cost").
   * Trade-off: writes beyond the provisioned rate and DynamoDB's burst capacity (300 s of unused
   * capacity) are throttled, answered 503 with Retry-After, until auto scaling catches up (minutes):
   * a fleet whose brokers all restart at once (each first registration writes 2 WCU per topic) or
   * a dev stack that sits idle (the minimums are paid) is better served by `{ mode: "onDemand" }`.
   * @default provisioned, 70 % target; table reads 25 to 10,000, writes 10 to 10,000; gsi1 reads 5 to 1,000, writes 10 to 10,000
   */
  readonly tableCapacity?: TableCapacity;
  /**
   * Lambda's own log lines (platform.start, platform.report) at INFO, or only warnings and errors
   * (WARN: one fewer pair of lines per invocation, about 450 bytes of CloudWatch Logs each). Durations
   * stay in CloudWatch's Lambda metrics either way.
   * @default "WARN"
   */
  readonly lambdaSystemLogLevel?: "DEBUG" | "INFO" | "WARN";
  /**
   * API Gateway access logs: "minimal" (request id, time, caller, route, status, latency, errors),
   * "full" (also path, source IP, user agent, protocol, lengths, integration details) or "off".
   * @default "minimal"
   */
  readonly accessLogs?: "minimal" | "full" | "off";
  /**
   * How often each instance of an HTTP route function publishes its metrics (counts summed over the
   * interval, one CloudWatch EMF line): 0 publishes one line per invocation. The sweeper always
   * publishes at once (its alarms count sweeps). Counts of an instance's last interval before it is
   * recycled are lost.
   * @default Duration.minutes(1)
   */
  readonly metricsFlushInterval?: Duration;
  /**
   * Also serve every route from one function behind a Lambda function URL (IAM auth): the low-cost
   * front door, with no API Gateway request fee. Trade-offs: one IAM permission
   * (lambda:InvokeFunctionUrl) covers every route, reads and writes alike; no stage throttle (use
   * `reservedConcurrency`), no access log, one function holding the table's read-write grant. The
   * HTTP API stays (it costs nothing while unused). Not allowed with `openReads`.
   * @default false
   */
  readonly functionUrl?: boolean;
  /**
   * Prefix of the outputs' export names (`<prefix>-ApiUrl`, `<prefix>-TableName`, ...), for other stacks'
   * `Fn.importValue`. Export names are unique per account and region.
   * @default - the stack's name, followed by the construct's path when it is not the stack's root
   */
  readonly exportNamePrefix?: string;
  /**
   * The managed remoting endpoint (infra/remoting-endpoint.ts): RocketMQ's `namesrvAddr` (output
   * NamesrvAddr) from this deployment: an internal NLB on 9876 in front of ARM64 Fargate tasks running
   * `namesrv gateway` against this API. `cdk deploy` builds the gateway's image (Docker needed then);
   * `cdk synth` needs no Docker. `{}` for the defaults (its own small VPC, reachable from that VPC).
   * @default - none: run `namesrv gateway` on the brokers' and clients' hosts instead
   */
  readonly remotingEndpoint?: RemotingEndpointOptions;
}

/**
 * The handlers of broker writes (RocketMQ's REGISTER_BROKER, UNREGISTER_BROKER, BROKER_HEARTBEAT,
 * QUERY_DATA_VERSION), both forms: their routes get the heartbeat throttle. An acting-master broker
 * touches every second, so touch needs the headroom most.
 */
export const BROKER_WRITE_HANDLERS = [
  "register-broker",
  "unregister-broker",
  "touch-broker",
  "query-data-version",
];

/** DynamoDB capacity of the registry table (see NameServerProps.tableCapacity). */
export type TableCapacity =
  | { readonly mode: "onDemand" }
  | {
      readonly mode: "provisioned";
      readonly tableRead: { readonly min: number; readonly max: number };
      readonly tableWrite: { readonly min: number; readonly max: number };
      readonly indexRead: { readonly min: number; readonly max: number };
      readonly indexWrite: { readonly min: number; readonly max: number };
      /** @default 70 */
      readonly targetUtilizationPercent?: number;
    };

export const DEFAULT_TABLE_CAPACITY: TableCapacity = {
  mode: "provisioned",
  tableRead: { min: 25, max: 10_000 },
  tableWrite: { min: 10, max: 10_000 },
  indexRead: { min: 5, max: 1_000 },
  indexWrite: { min: 10, max: 10_000 },
  targetUtilizationPercent: 70,
};

/** The sweeper's environment for a self-preservation setting; validated like the function will. */
export function selfPreservationEnvironment(
  config: Partial<SelfPreservationConfig> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  if (config.enabled !== undefined) env.SELF_PRESERVATION = config.enabled ? "on" : "off";
  if (config.expiryRatio !== undefined) env.SELF_PRESERVATION_EXPIRY_RATIO = String(config.expiryRatio);
  if (config.minExpired !== undefined) env.SELF_PRESERVATION_MIN_EXPIRED = String(config.minExpired);
  if (config.maxDurationMs !== undefined)
    env.SELF_PRESERVATION_MAX_DURATION_MS = String(config.maxDurationMs);
  if (config.recoveryGraceMs !== undefined)
    env.SELF_PRESERVATION_RECOVERY_GRACE_MS = String(config.recoveryGraceMs);
  if (config.sweepIntervalMs !== undefined) env.SWEEP_INTERVAL_MS = String(config.sweepIntervalMs);
  selfPreservationConfigFromEnv(env);
  return env;
}

/** How many sweeps one scheduled run makes, and how often EventBridge starts a run. */
export function sweepPlan(interval: Duration): { sweepsPerRun: number; schedule: Duration } {
  const seconds = interval.toSeconds();
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new Error(`sweepInterval must be a whole number of seconds, got ${seconds}`);
  }
  if (seconds < 60) {
    if (60 % seconds !== 0)
      throw new Error(`sweepInterval below a minute must divide 60 s, got ${seconds} s`);
    return { sweepsPerRun: 60 / seconds, schedule: Duration.minutes(1) };
  }
  if (seconds % 60 !== 0)
    throw new Error(`sweepInterval above a minute must be whole minutes, got ${seconds} s`);
  return { sweepsPerRun: 1, schedule: interval };
}

/** API Gateway access log line (JSON), HTTP API context variables. */
const accessLogFields = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  userAgent: "$context.identity.userAgent",
  caller: "$context.identity.userArn",
  httpMethod: "$context.httpMethod",
  routeKey: "$context.routeKey",
  path: "$context.path",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  responseLatencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationStatus: "$context.integrationStatus",
  integrationError: "$context.integrationErrorMessage",
  error: "$context.error.message",
  authError: "$context.authorizer.error",
};

/**
 * The default access log line: what an operator needs to find a request and its caller, at a third of
 * the full line's bytes (every request writes one; docs/performance.md "Cost").
 */
export const minimalAccessLogFields = {
  // The same keys as the full line (metric filters on `$.routeKey` / `$.status` work on both).
  requestId: "$context.requestId",
  requestTimeEpoch: "$context.requestTimeEpoch",
  caller: "$context.identity.userArn",
  routeKey: "$context.routeKey",
  status: "$context.status",
  responseLatencyMs: "$context.responseLatency",
  integrationError: "$context.integrationErrorMessage",
  error: "$context.error.message",
};

export { accessLogFields };
