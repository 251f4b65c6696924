/**
 * The NameServer on AWS: one DynamoDB table, one Lambda per route of lib/http/routes.ts behind an HTTP
 * API, the sweeper on a 30-second cadence, alarms and a dashboard. The route table drives the API: a
 * route added there is deployed here with its handler, its authorization and its table grant.
 */

import {
  Aws,
  CfnOutput,
  type CfnResource,
  Duration,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { type SelfPreservationConfig, selfPreservationConfigFromEnv } from "../lib/domain/self-preservation";
import * as routeTable from "../lib/http/routes";
import { MetricName, SERVICE_NAME } from "../lib/observability";
import { tableDefinition } from "../lib/store/table-definition";
import {
  type BrokerGroupRef,
  brokerWriteGrants,
  kvWriteGrants,
  type RouteGrant,
  readGrants,
} from "./api-access";
import { type AwsSdkSource, METRICS_NAMESPACE, NamesrvFunction } from "./namesrv-function";

export interface NameServerStackProps extends StackProps {
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
   * Open the `read` routes (the GETs: routes, clusters, topic lists, KV reads) to anyone. `write` routes
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
}

/**
 * The handlers of broker writes (RocketMQ's REGISTER_BROKER, UNREGISTER_BROKER, BROKER_HEARTBEAT,
 * QUERY_DATA_VERSION), both forms: their routes get the heartbeat throttle. An acting-master broker
 * touches every second, so touch needs the headroom most.
 */
const BROKER_WRITE_HANDLERS = ["register-broker", "unregister-broker", "touch-broker", "query-data-version"];

/** DynamoDB capacity of the registry table (see NameServerStackProps.tableCapacity). */
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

export class NameServerStack extends Stack {
  readonly table: dynamodb.Table;
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** The function of each route of the route table, by route id. */
  readonly routeFunctions: ReadonlyMap<string, NamesrvFunction>;
  readonly defaultRouteFunction: NamesrvFunction;
  /** With `functionUrl`: the one function serving every route, and its URL. */
  readonly routerFunction?: NamesrvFunction;
  readonly functionUrl?: lambda.FunctionUrl;
  readonly sweeper: NamesrvFunction;
  readonly sweepStateMachine: sfn.StateMachine;
  readonly alarmTopic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  /** Route reads only: producers, consumers, dashboards (README "Security"). */
  readonly producerPolicy: iam.ManagedPolicy;
  /** Every route: the operator (mqadmin-style writes: write perm, topic delete, KV, config). */
  readonly operatorPolicy: iam.ManagedPolicy;
  /** One per `brokerGroups` entry, keyed `cluster/brokerName`: that group's writes plus route reads. */
  readonly brokerPolicies: ReadonlyMap<string, iam.ManagedPolicy>;

  constructor(scope: Construct, id: string, props: NameServerStackProps = {}) {
    super(scope, id, props);

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const openReads = props.openReads ?? false;
    const routeGroupCacheMs = props.routeGroupCacheMs ?? 5000;
    if (!Number.isInteger(routeGroupCacheMs) || routeGroupCacheMs < 0 || routeGroupCacheMs > 10_000) {
      throw new Error(
        `routeGroupCacheMs must be a whole number of ms from 0 to 10000, got ${routeGroupCacheMs}`,
      );
    }
    const functionDefaults = {
      logRetention,
      awsSdk: props.awsSdk ?? "bundled",
      memorySize: props.functionMemorySize ?? 512,
      systemLogLevel: props.lambdaSystemLogLevel ?? "WARN",
    } as const;
    const metricsFlushMs = (props.metricsFlushInterval ?? Duration.minutes(1)).toMilliseconds();
    const httpEnvironment = {
      ROUTE_GROUP_CACHE_MS: String(routeGroupCacheMs),
      METRICS_FLUSH_INTERVAL_MS: String(metricsFlushMs),
      // The self-preservation settings too: GET /config shows them (the sweeper is what applies them).
      ...selfPreservationEnvironment(props.selfPreservation),
    };
    const capacity = props.tableCapacity ?? DEFAULT_TABLE_CAPACITY;
    if (props.functionUrl === true && openReads) {
      throw new Error("functionUrl cannot be combined with openReads: a function URL cannot open reads only");
    }

    // ---- Table: the shared definition, on-demand, PITR, AWS-managed key, TTL as a backstop cleaner.
    const { partitionKey, sortKey, groupIndex, ttlAttribute } = tableDefinition;
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
      ...(capacity.mode === "onDemand"
        ? { billingMode: dynamodb.BillingMode.PAY_PER_REQUEST }
        : {
            billingMode: dynamodb.BillingMode.PROVISIONED,
            readCapacity: capacity.tableRead.min,
            writeCapacity: capacity.tableWrite.min,
          }),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: ttlAttribute,
      removalPolicy: props.tableRemovalPolicy ?? RemovalPolicy.RETAIN,
      deletionProtection: props.tableDeletionProtection ?? true,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: groupIndex.name,
      partitionKey: { name: groupIndex.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: groupIndex.sortKey, type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
      ...(capacity.mode === "provisioned"
        ? { readCapacity: capacity.indexRead.min, writeCapacity: capacity.indexWrite.min }
        : {}),
    });
    if (capacity.mode === "provisioned") {
      const targetUtilizationPercent = capacity.targetUtilizationPercent ?? 70;
      const scale = (attribute: dynamodb.IScalableTableAttribute) =>
        attribute.scaleOnUtilization({ targetUtilizationPercent });
      scale(
        this.table.autoScaleReadCapacity({
          minCapacity: capacity.tableRead.min,
          maxCapacity: capacity.tableRead.max,
        }),
      );
      scale(
        this.table.autoScaleWriteCapacity({
          minCapacity: capacity.tableWrite.min,
          maxCapacity: capacity.tableWrite.max,
        }),
      );
      scale(
        this.table.autoScaleGlobalSecondaryIndexReadCapacity(groupIndex.name, {
          minCapacity: capacity.indexRead.min,
          maxCapacity: capacity.indexRead.max,
        }),
      );
      scale(
        this.table.autoScaleGlobalSecondaryIndexWriteCapacity(groupIndex.name, {
          minCapacity: capacity.indexWrite.min,
          maxCapacity: capacity.indexWrite.max,
        }),
      );
    }

    // ---- HTTP API: one route per route-table entry, IAM unless the route is public (or an open read).
    this.httpApi = new apigw.HttpApi(this, "HttpApi", {
      description: "RocketMQ NameServer (route registry)",
      // The default stage is created below, with throttling and access logs.
      createDefaultStage: false,
    });
    const accessLogFormat = props.accessLogs ?? "minimal";
    const accessLogs =
      accessLogFormat === "off"
        ? undefined
        : new logs.LogGroup(this, "AccessLogs", { retention: logRetention });
    this.stage = new apigw.HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: {
        rateLimit: props.throttlingRateLimit ?? 1000,
        burstLimit: props.throttlingBurstLimit ?? 2000,
      },
      ...(accessLogs === undefined
        ? {}
        : {
            accessLogSettings: {
              destination: new apigw.LogGroupLogDestination(accessLogs),
              format: AccessLogFormat.custom(
                JSON.stringify(accessLogFormat === "full" ? accessLogFields : minimalAccessLogFields),
              ),
            },
          }),
    });

    if (accessLogs === undefined) {
      Validations.of(this.stage).acknowledge({
        id: "AwsSolutions-APIG1",
        reason:
          "accessLogs is 'off' by the deployer's choice (the low-cost setting, docs/performance.md 'Cost'): API Gateway's own metrics and the functions' logs remain.",
      });
    }

    const iamAuthorizer = new HttpIamAuthorizer();
    const noAuthorizer = new apigw.HttpNoneAuthorizer();
    const authorizerFor = (access: routeTable.RouteAccess): apigw.IHttpRouteAuthorizer => {
      if (access === "public") return noAuthorizer;
      if (access === "read" && openReads) return noAuthorizer;
      return iamAuthorizer;
    };

    const routeFunctions = new Map<string, NamesrvFunction>();
    // One function per handler module: a scoped route (README "Security") shares the function of its
    // unscoped form, so both draw on one warm pool and one reserved concurrency. The function keeps
    // the construct id of the first route of its handler.
    const handlerFunctions = new Map<string, NamesrvFunction>();
    for (const route of routeTable.routes) {
      let fn = handlerFunctions.get(route.handler);
      fn ??= new NamesrvFunction(this, `${route.id}Function`, {
        ...functionDefaults,
        handlerModule: route.handler,
        description: `NameServer ${route.method} ${route.path}`,
        table: { table: this.table, access: "declared" },
        reservedConcurrentExecutions: props.reservedConcurrency,
        environment: httpEnvironment,
      });
      handlerFunctions.set(route.handler, fn);
      routeFunctions.set(route.id, fn);
      new apigw.HttpRoute(this, `${route.id}Route`, {
        httpApi: this.httpApi,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration: new HttpLambdaIntegration(`${route.id}Integration`, fn.function),
        authorizer: authorizerFor(route.access),
      });
    }
    this.routeFunctions = routeFunctions;

    if (props.functionUrl === true) {
      // The low-cost front door: every route of the route table from one function (functions/router.ts).
      this.routerFunction = new NamesrvFunction(this, "RouterFunction", {
        ...functionDefaults,
        handlerModule: routeTable.routerHandler,
        description: "NameServer: every route behind a Lambda function URL",
        table: { table: this.table, access: "readWrite" },
        reservedConcurrentExecutions: props.reservedConcurrency,
        environment: httpEnvironment,
      });
      this.functionUrl = this.routerFunction.function.addFunctionUrl({
        authType: lambda.FunctionUrlAuthType.AWS_IAM,
      });
      new CfnOutput(this, "FunctionUrl", {
        description: "Base URL of the NameServer behind a Lambda function URL (SigV4, service lambda)",
        value: this.functionUrl.url,
      });
    }

    // `$default` catches every request no route matches: 404 NOT_FOUND, or 405 for a known path. It is
    // protected like a read so that anonymous callers cannot make the stack invoke a function.
    this.defaultRouteFunction = new NamesrvFunction(this, "DefaultRouteFunction", {
      ...functionDefaults,
      handlerModule: routeTable.defaultRouteHandler,
      description: "NameServer $default route (unknown path or method)",
      // Answers from the route table alone: no table name, no grant.
      reservedConcurrentExecutions: props.reservedConcurrency,
    });
    new apigw.HttpRoute(this, "DefaultRoute", {
      httpApi: this.httpApi,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration("DefaultRouteIntegration", this.defaultRouteFunction.function),
      authorizer: authorizerFor("read"),
    });

    // ---- Sweeper: every `sweepInterval`. EventBridge fires at most once a minute, so each run of an
    // Express workflow sweeps, waits, sweeps again. Runs may overlap (a slow sweep, a retry, the next
    // minute's run): that is safe by design, because the store removes an instance only on a
    // condition on the heartbeat time it read, so two sweeps never remove a broker that heartbeated,
    // and the second sweep to reach a dead instance finds it already gone.
    const sweepInterval = props.sweepInterval ?? Duration.seconds(30);
    const plan = sweepPlan(sweepInterval);
    this.sweeper = new NamesrvFunction(this, "SweeperFunction", {
      ...functionDefaults,
      handlerModule: routeTable.sweeperHandler,
      description: "NameServer sweeper (scanNotActiveBroker)",
      table: { table: this.table, access: "declared" },
      // The sweep period tells self-preservation when its last healthy sweep is too old to trust.
      environment: selfPreservationEnvironment({
        ...props.selfPreservation,
        sweepIntervalMs: sweepInterval.toMilliseconds(),
      }),
      timeout: Duration.seconds(Math.min(25, Math.max(5, sweepInterval.toSeconds() - 5))),
    });
    this.sweepStateMachine = this.sweepWorkflow(plan.sweepsPerRun, sweepInterval, logRetention);
    new events.Rule(this, "SweepSchedule", {
      description: `Starts the NameServer sweep workflow (${plan.sweepsPerRun} sweep(s) per run)`,
      schedule: events.Schedule.rate(plan.schedule),
      targets: [
        new targets.SfnStateMachine(this.sweepStateMachine, {
          // A run that could not start within its own minute is superseded by the next one.
          maxEventAge: Duration.minutes(1),
          retryAttempts: 2,
        }),
      ],
    });

    // ---- Alarms (all to one SNS topic) and the dashboard.
    this.alarmTopic = new sns.Topic(this, "AlarmTopic", {
      displayName: "NameServer alarms",
      enforceSSL: true,
      masterKey: this.alarmTopicKey(),
    });
    if (props.alarmEmail !== undefined && props.alarmEmail !== "") {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    }
    const alarms = [...this.createAlarms(plan.sweepsPerRun, plan.schedule), ...this.createOperatorAlarms()];
    const notify = new SnsAction(this.alarmTopic);
    for (const alarm of alarms) alarm.addAlarmAction(notify);
    this.dashboard = this.createDashboard(alarms);

    new CfnOutput(this, "ApiUrl", {
      // The API endpoint serves the $default stage; no trailing slash, so URLs join with `;` as they are.
      description: "Base URL of the NameServer HTTP API (clients append /topics/..., /brokers/...)",
      value: this.httpApi.apiEndpoint,
    });
    new CfnOutput(this, "TableName", { description: "The registry table", value: this.table.tableName });
    new CfnOutput(this, "DashboardUrl", {
      description: "CloudWatch dashboard of the NameServer",
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboard.dashboardName}`,
    });

    this.applyThrottleBudget(props);
    const accessPolicies = this.createAccessPolicies(props.brokerGroups ?? []);
    this.producerPolicy = accessPolicies.producer;
    this.operatorPolicy = accessPolicies.operator;
    this.brokerPolicies = accessPolicies.brokers;

    this.acknowledgeNagFindings(openReads);
  }

  /** The Express workflow of one scheduled run: `sweepsPerRun` sweeps, `interval` apart. */
  private sweepWorkflow(sweepsPerRun: number, interval: Duration, logRetention: logs.RetentionDays) {
    const sweep = (n: number) =>
      new tasks.LambdaInvoke(this, `Sweep${n}`, {
        lambdaFunction: this.sweeper.function,
        payloadResponseOnly: true,
        // Lambda service errors are retried by the retrier below, on the sweep's own short schedule
        // (CDK's default retrier backs off for two minutes, four sweep intervals).
        retryOnServiceExceptions: false,
        resultPath: sfn.JsonPath.DISCARD,
        comment: `Sweep ${n} of ${sweepsPerRun} in this run`,
      }).addRetry({
        // A failed sweep (function error, Lambda throttling or service error: States.TaskFailed matches
        // them all) is retried at once: the next scheduled sweep is a whole interval away.
        errors: [sfn.Errors.TASKS_FAILED],
        interval: Duration.seconds(1),
        backoffRate: 2,
        maxAttempts: 2,
      });
    let previous = sweep(1);
    let definition = sfn.Chain.start(previous);
    for (let n = 2; n <= sweepsPerRun; n++) {
      const wait = new sfn.Wait(this, `WaitBeforeSweep${n}`, { time: sfn.WaitTime.duration(interval) });
      // A sweep that still fails after its retries must not cancel the later sweeps of the run; the
      // sweeper alarms report the failure.
      previous.addCatch(wait, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
      previous = sweep(n);
      definition = definition.next(wait).next(previous);
    }
    const stateMachineLogs = new logs.LogGroup(this, "SweepStateMachineLogs", { retention: logRetention });
    return new sfn.StateMachine(this, "SweepStateMachine", {
      stateMachineType: sfn.StateMachineType.EXPRESS,
      comment: "Sweeps dead brokers every sweep interval within one scheduled minute",
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout: Duration.minutes(5),
      logs: { destination: stateMachineLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
  }

  /**
   * The alarm topic's own KMS key (rotated yearly): the AWS managed SNS key cannot be used by
   * CloudWatch alarms, whose service principal needs the key policy below to publish.
   */
  private alarmTopicKey(): kms.Key {
    const key = new kms.Key(this, "AlarmTopicKey", {
      description: "Encrypts the NameServer alarm topic",
      enableKeyRotation: true,
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": Aws.ACCOUNT_ID } },
      }),
    );
    return key;
  }

  /**
   * Operator signals (README "Security"): Lambda throttles, refused and failed writes, and a
   * self-preservation that lasts. Refused writes (403 from the IAM authorizer) never reach a function,
   * so they are counted from the API's access log; 409 FULL_REGISTRATION_REQUIRED is part of the
   * heartbeat protocol and not counted.
   */
  private createOperatorAlarms(): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    const fiveMinutes = Duration.minutes(5);
    const sumOver5 = { period: fiveMinutes, statistic: cloudwatch.Stats.SUM };

    // Throttles of every function, at most 10 metrics per alarm expression.
    const functions: [string, NamesrvFunction][] = [
      ...this.distinctRouteFunctions(),
      ["DefaultRoute", this.defaultRouteFunction],
      ["Sweeper", this.sweeper],
    ];
    for (let start = 0, n = 1; start < functions.length; start += 10, n++) {
      const group = functions.slice(start, start + 10);
      const usingMetrics = Object.fromEntries(
        group.map(([, fn], i) => [`t${i}`, fn.function.metricThrottles(sumOver5)]),
      );
      alarms.push(
        new cloudwatch.Alarm(this, `LambdaThrottles${n}Alarm`, {
          alarmDescription: `Lambda throttled ${group.map(([id]) => id).join(", ")}: reserved or account concurrency ran out (a throttled heartbeat or sweep is a 503 or a missed sweep).`,
          metric: new cloudwatch.MathExpression({
            expression: Object.keys(usingMetrics)
              .map((name) => `FILL(${name}, 0)`)
              .join(" + "),
            usingMetrics,
            period: fiveMinutes,
            label: "Throttles",
          }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    // A self-preservation lasting 5 minutes: every sweep of 5 consecutive minutes in the mode.
    alarms.push(
      new cloudwatch.Alarm(this, "SelfPreservationAlarm", {
        alarmDescription:
          "The registry has been in self-preservation for 5 minutes: heartbeats are not arriving (network, throttling, an outage of the brokers' side); dead brokers are kept in routes until it ends.",
        metric: this.registryMetric(MetricName.SelfPreservation, {
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MINIMUM,
        }),
        threshold: 1,
        evaluationPeriods: 5,
        datapointsToAlarm: 5,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    const accessLogs = this.node.tryFindChild("AccessLogs") as logs.LogGroup | undefined;
    if (accessLogs === undefined) return alarms;
    const writeRoute = '($.routeKey = "POST *" || $.routeKey = "PUT *" || $.routeKey = "DELETE *")';
    const filters = [
      {
        id: "WriteForbidden",
        pattern: `{ ${writeRoute} && $.status = "403" }`,
        threshold: 5,
        description:
          "Writes refused by IAM (403) at least 5 times in 5 minutes: a broker role writing another group, a misconfigured role, or someone probing the API.",
      },
      {
        id: "WriteClientErrors",
        pattern: `{ ${writeRoute} && $.status = "4*" && $.status != "409" }`,
        threshold: 50,
        description:
          "Writes answered 4xx (409 aside) at least 50 times in 5 minutes: refused credentials, bodies that do not match their path, throttling (429) or a client sending invalid registrations.",
      },
    ];
    for (const filter of filters) {
      const metricFilter = new logs.MetricFilter(this, `${filter.id}MetricFilter`, {
        logGroup: accessLogs,
        filterPattern: logs.FilterPattern.literal(filter.pattern),
        metricNamespace: METRICS_NAMESPACE,
        metricName: filter.id,
        metricValue: "1",
        // No dimensions: a log metric filter can only take them from fields of the log line.
      });
      alarms.push(
        new cloudwatch.Alarm(this, `${filter.id}Alarm`, {
          alarmDescription: filter.description,
          metric: metricFilter.metric(sumOver5),
          threshold: filter.threshold,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    return alarms;
  }

  /**
   * The throttle budget (README "Security"): broker writes and /health get route-level token buckets
   * of their own (every other route keeps the stage default), /health reads through a cached probe,
   * and the heartbeat function and the sweeper get reserved concurrency.
   */
  private applyThrottleBudget(props: NameServerStackProps): void {
    const heartbeat = props.heartbeatThrottle ?? { rateLimit: 1000, burstLimit: 2000 };
    const health = props.healthThrottle ?? { rateLimit: 10, burstLimit: 20 };
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const route of routeTable.routes) {
      const limits =
        route.access === "public"
          ? health
          : BROKER_WRITE_HANDLERS.includes(route.handler)
            ? heartbeat
            : undefined;
      if (limits === undefined) continue;
      routeSettings[`${route.method} ${route.path}`] = {
        ThrottlingRateLimit: limits.rateLimit,
        ThrottlingBurstLimit: limits.burstLimit,
      };
      // A stage's route settings may only name routes that exist.
      this.stage.node.addDependency(this.node.findChild(`${route.id}Route`));
    }
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = routeSettings;

    const healthCacheMs = props.healthCacheMs ?? 5000;
    if (!Number.isInteger(healthCacheMs) || healthCacheMs < 0 || healthCacheMs > 10_000) {
      throw new Error(`healthCacheMs must be a whole number of ms from 0 to 10000, got ${healthCacheMs}`);
    }
    for (const route of routeTable.routes.filter((candidate) => candidate.access === "public")) {
      this.routeFunctions.get(route.id)?.function.addEnvironment("HEALTH_CACHE_MS", String(healthCacheMs));
    }

    const reserve = (fn: NamesrvFunction | undefined, value: number | "unreserved") => {
      if (fn === undefined || value === "unreserved") return;
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`reserved concurrency must be a whole number of at least 1, got ${value}`);
      }
      (fn.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = value;
    };
    reserve(this.routeFunctions.get("RegisterBroker"), props.heartbeatReservedConcurrency ?? 50);
    reserve(this.sweeper, props.sweeperReservedConcurrency ?? 3);
  }

  /** Allows `grantee` the route reads (every GET of the route table): what producers need. */
  grantRouteReads(grantee: iam.IGrantable): iam.Grant {
    return this.grantInvoke(grantee, readGrants());
  }

  /**
   * Allows `grantee` the writes of one broker group and nothing else: the scoped routes under
   * `/clusters/{cluster}/brokers/{brokerName}/` (heartbeat, unregister, ...). Not the unscoped forms,
   * not another group, not the operator's writes. Add grantRouteReads for a broker that reads routes.
   */
  grantBrokerWrites(grantee: iam.IGrantable, group: BrokerGroupRef): iam.Grant {
    return this.grantInvoke(grantee, brokerWriteGrants(group));
  }

  /** Allows `grantee` the KV writes of one namespace (PUT / DELETE /namespaces/{namespace}/kv). */
  grantKvWrites(grantee: iam.IGrantable, options: { namespace: string }): iam.Grant {
    return this.grantInvoke(grantee, kvWriteGrants(options.namespace));
  }

  /** Allows `grantee` every route: the operator. */
  grantOperator(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ["execute-api:Invoke"],
      resourceArns: [this.allRoutesArn()],
    });
  }

  private grantInvoke(grantee: iam.IGrantable, grants: readonly RouteGrant[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ["execute-api:Invoke"],
      resourceArns: this.invokeArns(grants),
    });
  }

  /** execute-api ARNs of routes on the stage: `arn:…:execute-api:region:account:apiId/$default/METHOD/path`. */
  private invokeArns(grants: readonly RouteGrant[]): string[] {
    return grants.map((grant) =>
      this.httpApi.arnForExecuteApi(grant.method, grant.path, this.stage.stageName),
    );
  }

  /** Every route of the stage (any method, any path). */
  private allRoutesArn(): string {
    return this.httpApi.arnForExecuteApi("*", "/*", this.stage.stageName);
  }

  private createAccessPolicies(brokerGroups: readonly BrokerGroupRef[]) {
    const invokeStatement = (grants: readonly RouteGrant[]) =>
      new iam.PolicyStatement({ actions: ["execute-api:Invoke"], resources: this.invokeArns(grants) });
    const producer = new iam.ManagedPolicy(this, "ProducerPolicy", {
      description: "NameServer: route reads (producers, consumers)",
      statements: [invokeStatement(readGrants())],
    });
    const operator = new iam.ManagedPolicy(this, "OperatorPolicy", {
      description: "NameServer: every route (operators)",
      statements: [
        new iam.PolicyStatement({
          actions: ["execute-api:Invoke"],
          resources: [this.allRoutesArn()],
        }),
      ],
    });
    const brokers = new Map<string, iam.ManagedPolicy>();
    brokerGroups.forEach((group, index) => {
      const key = `${group.cluster}/${group.brokerName}`;
      if (brokers.has(key)) throw new Error(`brokerGroups lists ${key} twice`);
      const policy = new iam.ManagedPolicy(this, `BrokerPolicy${index}`, {
        description: `NameServer: broker group ${key} (its writes and route reads)`,
        statements: [invokeStatement(brokerWriteGrants(group)), invokeStatement(readGrants())],
      });
      brokers.set(key, policy);
      new CfnOutput(this, `BrokerPolicy${index}Arn`, {
        description: `Managed policy for the brokers of group ${key}`,
        value: policy.managedPolicyArn,
      });
    });
    new CfnOutput(this, "ProducerPolicyArn", {
      description: "Managed policy: route reads (producers, consumers)",
      value: producer.managedPolicyArn,
    });
    new CfnOutput(this, "OperatorPolicyArn", {
      description: "Managed policy: every route (operators)",
      value: operator.managedPolicyArn,
    });
    return { producer, operator, brokers };
  }

  /** Each route function once (scoped routes share their unscoped form's), by its first route's id. */
  distinctRouteFunctions(): [string, NamesrvFunction][] {
    const seen = new Set<NamesrvFunction>();
    const distinct: [string, NamesrvFunction][] = [];
    for (const [id, fn] of this.routeFunctions) {
      if (seen.has(fn)) continue;
      seen.add(fn);
      distinct.push([id, fn]);
    }
    return distinct;
  }

  private registryMetric(metricName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...options,
    });
  }

  private tableThrottleEvents(): cloudwatch.MathExpression {
    const throttleMetric = (metricName: string, index?: string) =>
      new cloudwatch.Metric({
        namespace: "AWS/DynamoDB",
        metricName,
        dimensionsMap: {
          TableName: this.table.tableName,
          ...(index === undefined ? {} : { GlobalSecondaryIndexName: index }),
        },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      });
    return new cloudwatch.MathExpression({
      label: "Throttle events (table + gsi1)",
      expression: "FILL(r, 0) + FILL(w, 0) + FILL(ir, 0) + FILL(iw, 0)",
      usingMetrics: {
        r: throttleMetric("ReadThrottleEvents"),
        w: throttleMetric("WriteThrottleEvents"),
        ir: throttleMetric("ReadThrottleEvents", tableDefinition.groupIndex.name),
        iw: throttleMetric("WriteThrottleEvents", tableDefinition.groupIndex.name),
      },
      period: Duration.minutes(5),
    });
  }

  private createAlarms(sweepsPerRun: number, schedule: Duration): cloudwatch.Alarm[] {
    const alarms: cloudwatch.Alarm[] = [];
    const fiveMinutes = Duration.minutes(5);

    alarms.push(
      new cloudwatch.Alarm(this, "SweeperErrorsAlarm", {
        alarmDescription:
          "The sweeper failed more than once in 5 minutes: dead brokers may stay in the registry until it recovers (reads still hide them).",
        metric: this.sweeper.function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 2,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    // Expected sweeps in 5 minutes; alarm below half of them (or none at all: missing data breaches).
    const expectedSweeps = Math.max(1, Math.floor((sweepsPerRun * 300) / schedule.toSeconds()));
    alarms.push(
      new cloudwatch.Alarm(this, "SweeperNotRunningAlarm", {
        alarmDescription: `Fewer than ${Math.ceil(expectedSweeps / 2)} sweeps in 5 minutes (expected ${expectedSweeps}): the schedule, the workflow or the sweeper is broken.`,
        metric: this.registryMetric(MetricName.SweepCount, {
          period: schedule.toSeconds() > 300 ? schedule : fiveMinutes,
        }),
        threshold: Math.ceil(expectedSweeps / 2),
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );

    alarms.push(
      new cloudwatch.Alarm(this, "Api5xxAlarm", {
        alarmDescription:
          "The API answered 5xx at least 5 times in 5 minutes: 503 means the table is unreachable or throttling, 500 is a bug.",
        metric: this.httpApi.metricServerError({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        threshold: 5,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    alarms.push(
      new cloudwatch.Alarm(this, "TableThrottlingAlarm", {
        alarmDescription:
          "DynamoDB throttled requests of the registry table or its index (on-demand limits or account quota).",
        metric: this.tableThrottleEvents(),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    );

    // Handlers map every expected error to an HTTP answer, so a Lambda error is a crash or a timeout.
    const httpFunctions: [string, NamesrvFunction][] = [
      ...this.distinctRouteFunctions(),
      ["DefaultRoute", this.defaultRouteFunction],
    ];
    for (const [id, fn] of httpFunctions) {
      alarms.push(
        new cloudwatch.Alarm(this, `${id}ErrorsAlarm`, {
          alarmDescription: `The ${id} function failed (crash or timeout) in the last 5 minutes.`,
          metric: fn.function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
          threshold: 1,
          evaluationPeriods: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        }),
      );
    }
    return alarms;
  }

  private createDashboard(alarms: cloudwatch.Alarm[]): cloudwatch.Dashboard {
    const oneMinute = Duration.minutes(1);
    const count = (name: string) => this.registryMetric(name, { period: oneMinute, label: name });
    const allFunctions: [string, NamesrvFunction][] = [
      ...this.distinctRouteFunctions(),
      ["DefaultRoute", this.defaultRouteFunction],
      ["Sweeper", this.sweeper],
    ];
    const perFunction = (pick: (fn: NamesrvFunction) => cloudwatch.Metric, label: string) =>
      allFunctions.map(([id, fn]) => pick(fn).with({ label: `${id} ${label}`, period: oneMinute }));

    const dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      defaultInterval: Duration.hours(3),
    });
    dashboard.addWidgets(new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms, width: 24, height: 4 }));
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "API requests and errors",
        left: [
          this.httpApi.metricCount({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
          this.httpApi.metricClientError({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
          this.httpApi.metricServerError({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "API latency (ms)",
        left: [
          this.httpApi.metricLatency({ period: oneMinute, statistic: cloudwatch.Stats.p(50), label: "p50" }),
          this.httpApi.metricLatency({ period: oneMinute, statistic: cloudwatch.Stats.p(99), label: "p99" }),
          this.httpApi.metricIntegrationLatency({
            period: oneMinute,
            statistic: cloudwatch.Stats.p(99),
            label: "integration p99",
          }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Brokers: registrations and heartbeats",
        left: [
          count(MetricName.Registrations),
          count(MetricName.SteadyHeartbeats),
          count(MetricName.LightHeartbeats),
          count(MetricName.FullRegistrationRequired),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Clients: route queries",
        left: [count(MetricName.RouteQueries), count(MetricName.RouteNotFound)],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Sweeper",
        left: [count(MetricName.SweepCount), count(MetricName.Evictions)],
        right: [
          this.registryMetric(MetricName.SelfPreservation, {
            period: oneMinute,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: "SelfPreservation (max)",
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Sweep duration (ms)",
        left: [
          this.registryMetric(MetricName.SweepDurationMs, {
            period: oneMinute,
            statistic: cloudwatch.Stats.p(99),
            label: "p99",
          }),
          this.registryMetric(MetricName.SweepDurationMs, {
            period: oneMinute,
            statistic: cloudwatch.Stats.MAXIMUM,
            label: "max",
          }),
        ],
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Lambda errors",
        left: perFunction((fn) => fn.function.metricErrors({ statistic: cloudwatch.Stats.SUM }), "errors"),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Lambda duration p99 (ms)",
        left: perFunction((fn) => fn.function.metricDuration({ statistic: cloudwatch.Stats.p(99) }), "p99"),
        width: 12,
      }),
    );
    dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "DynamoDB consumed capacity",
        left: [
          this.table.metricConsumedReadCapacityUnits({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
          this.table.metricConsumedWriteCapacityUnits({ period: oneMinute, statistic: cloudwatch.Stats.SUM }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "DynamoDB throttling",
        left: [this.tableThrottleEvents()],
        width: 12,
      }),
    );
    return dashboard;
  }

  /**
   * cdk-nag (AwsSolutions) findings that are accepted, each with its reason. cdk-nag 3 reads CDK's own
   * acknowledgements; a rule that reports several findings is acknowledged finding by finding.
   */
  private acknowledgeNagFindings(openReads: boolean): void {
    // Each function's table grant names the table and the one index it queries (infra/table-grants.ts);
    // only the function URL router, which serves every route, holds grantReadWriteData's index/*.
    const tableLogicalId = this.getLogicalId(this.table.node.defaultChild as dynamodb.CfnTable);
    if (this.routerFunction !== undefined) {
      Validations.of(this.routerFunction.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
        reason:
          "The function URL router serves every route with grantReadWriteData, which covers the table's indexes as <table>/index/*; the table has exactly one index (gsi1).",
      });
    }

    const sweeperLogicalId = this.getLogicalId(this.sweeper.function.node.defaultChild as CfnResource);
    Validations.of(this.sweepStateMachine).acknowledge(
      {
        id: "AwsSolutions-IAM5[Resource::*]",
        reason:
          "Step Functions log delivery (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) only supports Resource '*' (AWS documentation, 'IAM policies for logging to CloudWatch Logs').",
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${sweeperLogicalId}.Arn>:*]`,
        reason: "The invoke grant CDK generates covers the sweeper function and its versions/aliases only.",
      },
      {
        id: "AwsSolutions-SF2",
        reason:
          "No X-Ray on the sweep workflow: it only invokes the sweeper; sweeps are observed through SweepCount / SweepDurationMs, the sweeper's logs and the workflow's own logs.",
      },
    );

    // Route reads name their path parameters as `*` (any topic, cluster, namespace, key): reads are
    // not bound to a name. Writes of a broker group or KV namespace are concrete ARNs (no finding).
    const apiLogicalId = this.getLogicalId(this.httpApi.node.defaultChild as CfnResource);
    const nagArn = (method: string, path: string) =>
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiLogicalId}>/${this.stage.stageName}/${method}${path}]`;
    const readFindings = readGrants()
      .filter((grant) => grant.path.includes("*"))
      .map((grant) => ({
        id: nagArn(grant.method, grant.path),
        reason: `Route reads: ${grant.method} ${grant.path} with any value for its path parameters; reads are for any topic, cluster or namespace by design (README "Security").`,
      }));
    for (const policy of [this.producerPolicy, ...this.brokerPolicies.values()]) {
      if (readFindings.length > 0) Validations.of(policy).acknowledge(...readFindings);
    }
    Validations.of(this.operatorPolicy).acknowledge({
      id: nagArn("*", "/*"),
      reason:
        'The operator policy is every route of the API by definition (README "Security"); give it to operators only.',
    });

    for (const route of routeTable.routes) {
      if (route.access === "public") {
        Validations.of(this.node.findChild(`${route.id}Route`)).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `${route.method} ${route.path} is public by contract (API.md, Access control): probes and load balancers call it without credentials.`,
        });
      } else if (route.access === "read" && openReads) {
        Validations.of(this.node.findChild(`${route.id}Route`)).acknowledge({
          id: "AwsSolutions-APIG4",
          reason:
            "openReads is set: the read routes are deliberately open to anyone (API.md, Access control); writes stay IAM-protected.",
        });
      }
    }
    if (openReads) {
      Validations.of(this.node.findChild("DefaultRoute")).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: "openReads is set: the $default route (404/405 answers only) is as open as the read routes.",
      });
    }
  }
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
