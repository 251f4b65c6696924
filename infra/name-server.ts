/**
 * The NameServer on AWS: one DynamoDB table, one Lambda per route of lib/http/routes.ts behind an HTTP
 * API, the sweeper on a 30-second cadence, alarms and a dashboard. The route table drives the API: a
 * route added there is deployed here with its handler, its authorization and its table grant.
 * Alarms and the dashboard are in name-server-monitoring.ts, access policies, the throttle budget and
 * cdk-nag acknowledgements in name-server-access.ts, the options in name-server-props.ts.
 */
import { Aws, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
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
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { Construct } from "constructs";
import * as routeTable from "../lib/http/routes";
import { MetricName, SERVICE_NAME } from "../lib/metric-names";
import { tableDefinition } from "../lib/store/table-definition";
import {
  type BrokerGroupRef,
  brokerWriteGrants,
  kvWriteGrants,
  type RouteGrant,
  readGrants,
} from "./api-access";
import {
  acknowledgeNagFindings,
  allRoutesArn,
  applyThrottleBudget,
  createAccessPolicies,
  invokeArns,
} from "./name-server-access";
import {
  createAlarms,
  createDashboard,
  createOperatorAlarms,
  tableThrottleEvents,
} from "./name-server-monitoring";
import {
  accessLogFields,
  DEFAULT_TABLE_CAPACITY,
  minimalAccessLogFields,
  type NameServerProps,
  selfPreservationEnvironment,
  sweepPlan,
} from "./name-server-props";
import { METRICS_NAMESPACE, NamesrvFunction } from "./namesrv-function";
import { RemotingEndpoint } from "./remoting-endpoint";

/**
 * The NameServer as one construct: embed it in any stack (`new NameServer(this, "Ns")`). Its stateful
 * resources (the table, the log groups, the alarm topic key, the API) keep their logical ids under
 * the construct's path; infra/name-server-stack.ts puts it at the stack's root with the id "Default",
 * which CDK leaves out of logical ids, so the repository's own stack keeps the ids it always had.
 */
export class NameServer extends Construct {
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
  /** The managed remoting endpoint, with `remotingEndpoint`. */
  readonly endpoint?: RemotingEndpoint;

  constructor(scope: Construct, id: string, props: NameServerProps = {}) {
    super(scope, id);

    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const openReads = props.openReads ?? false;
    const routeGroupCacheMs = props.routeGroupCacheMs ?? 5000;
    if (!Number.isInteger(routeGroupCacheMs) || routeGroupCacheMs < 0 || routeGroupCacheMs > 10_000) {
      throw new Error(
        `routeGroupCacheMs must be a whole number of ms from 0 to 10000, got ${routeGroupCacheMs}`,
      );
    }
    const historyRetentionDays = props.historyRetentionDays ?? 30;
    if (!Number.isInteger(historyRetentionDays) || historyRetentionDays < 1 || historyRetentionDays > 3650) {
      throw new Error(
        `historyRetentionDays must be a whole number of days from 1 to 3650, got ${historyRetentionDays}`,
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
      HISTORY_RETENTION_DAYS: String(historyRetentionDays),
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
      environment: {
        ...selfPreservationEnvironment({
          ...props.selfPreservation,
          sweepIntervalMs: sweepInterval.toMilliseconds(),
        }),
        HISTORY_RETENTION_DAYS: String(historyRetentionDays),
      },
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
    const alarms = [...createAlarms(this, plan.sweepsPerRun, plan.schedule), ...createOperatorAlarms(this)];
    if (props.remotingEndpoint !== undefined) {
      const { aclSecretArn, ...endpointOptions } = props.remotingEndpoint;
      this.endpoint = new RemotingEndpoint(this, "RemotingEndpoint", {
        ...endpointOptions,
        ...(aclSecretArn === undefined
          ? {}
          : {
              aclSecret: secretsmanager.Secret.fromSecretCompleteArn(this, "RemotingAclSecret", aclSecretArn),
            }),
        registryUrl: this.httpApi.apiEndpoint,
        invokeArn: (method, path) => this.httpApi.arnForExecuteApi(method, path, this.stage.stageName),
        logRetention,
      });
      alarms.push(...this.endpoint.alarms);
      if (this.endpoint.front === "nlb") {
        new CfnOutput(this, "NamesrvAddr", {
          description:
            "RocketMQ's namesrvAddr for brokers (broker.conf), clients, mqadmin and the dashboard: the managed remoting endpoint",
          value: this.endpoint.namesrvAddr,
        });
      } else {
        new CfnOutput(this, "NamesrvAddr", {
          description:
            "RocketMQ's namesrvAddr in every zone (RocketMQ's list: a client picks one, crossing zones; a broker registers with each): give brokers and clients their own zone's, NamesrvAddrByZone",
          value: this.endpoint.namesrvAddr,
        });
        new CfnOutput(this, "NamesrvAddrByZone", {
          description:
            "Each zone's namesrvAddr (<availability zone or subnet>=<name>:9876): brokers and clients in that zone name it and stay in it",
          value: Fn.join(
            ",",
            this.endpoint.zones.map((zone) => Fn.join("=", [zone.where, zone.namesrvAddr])),
          ),
        });
      }
    }
    const notify = new SnsAction(this.alarmTopic);
    for (const alarm of alarms) alarm.addAlarmAction(notify);
    this.dashboard = createDashboard(this, alarms);

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

    applyThrottleBudget(this, props);
    const accessPolicies = createAccessPolicies(this, props.brokerGroups ?? []);
    this.producerPolicy = accessPolicies.producer;
    this.operatorPolicy = accessPolicies.operator;
    this.brokerPolicies = accessPolicies.brokers;

    acknowledgeNagFindings(this, openReads);
    nameOutputs(this, props.exportNamePrefix);
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
      resourceArns: [allRoutesArn(this)],
    });
  }

  private grantInvoke(grantee: iam.IGrantable, grants: readonly RouteGrant[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ["execute-api:Invoke"],
      resourceArns: invokeArns(this, grants),
    });
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

  /** A metric the functions publish (namespace NameServer, dimension service), summed over 5 minutes. */
  registryMetric(metricName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...options,
    });
  }

  /** A registry metric by name (MetricName: Registrations, RouteQueries, Evictions, ...), summed. */
  metric(metricName: MetricName, options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(metricName, options);
  }

  /** Full broker registrations (first registration, changed topics, after a restart). */
  metricRegistrations(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.Registrations, options);
  }

  /** Heartbeats that changed nothing (the steady state of a healthy fleet). */
  metricSteadyHeartbeats(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.SteadyHeartbeats, options);
  }

  /** Route queries (GET_ROUTEINFO_BY_TOPIC and the batched POST /routes). */
  metricRouteQueries(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.RouteQueries, options);
  }

  /** Route queries for a topic nobody serves (TOPIC_NOT_EXIST). */
  metricRouteNotFound(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.RouteNotFound, options);
  }

  /** Broker instances the sweeper removed (silent for 120 s). */
  metricEvictions(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.Evictions, options);
  }

  /** Sweeps run (SweeperNotRunningAlarm watches it). */
  metricSweeps(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.SweepCount, options);
  }

  /** Sweep duration in ms, p99 unless `options.statistic` says otherwise. */
  metricSweepDuration(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.SweepDurationMs, { statistic: cloudwatch.Stats.p(99), ...options });
  }

  /** 1 while the sweeper is in self-preservation (maximum over the period). */
  metricSelfPreservation(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.registryMetric(MetricName.SelfPreservation, {
      statistic: cloudwatch.Stats.MAXIMUM,
      ...options,
    });
  }

  /** 5xx answers of the HTTP API (503: the table is unreachable or throttling; 500: a bug). */
  metricApiServerErrors(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.httpApi.metricServerError({ statistic: cloudwatch.Stats.SUM, ...options });
  }

  /** Throttle events of the table and its index together (read and write). */
  metricTableThrottles(): cloudwatch.MathExpression {
    return tableThrottleEvents(this);
  }
}

/**
 * Export names for the construct's outputs (ApiUrl, TableName, ... and any output added later), so that
 * other stacks can `Fn.importValue` them: `<prefix>-<output id>`, the prefix being the stack's name for
 * the repository's stack (the construct at id "Default"), `<stack name>-<construct path>` elsewhere.
 */
function nameOutputs(ns: NameServer, prefix?: string): void {
  const stack = Stack.of(ns);
  const path = ns.node.scopes
    .slice(ns.node.scopes.indexOf(stack) + 1)
    .map((scope) => scope.node.id)
    .filter((id) => id !== "Default");
  const base = prefix ?? [stack.stackName, ...path].join("-");
  for (const child of ns.node.children) {
    if (child instanceof CfnOutput && child.exportName === undefined) {
      child.exportName = `${base}-${child.node.id}`;
    }
  }
}
