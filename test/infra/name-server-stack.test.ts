/**
 * CDK assertions on NameServerStack (no bundling): the route table drives the API and the functions,
 * authorization follows each route's access, grants are the narrowest, and the table, the 30-second
 * sweep, the alarms and the outputs are what docs/deploy.md promises.
 */
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { accessLogFields, minimalAccessLogFields, sweepPlan } from "../../infra/name-server-stack";
import { namesrvBundling } from "../../infra/namesrv-function";
import { type RouteDefinition, routes } from "../../lib/http/routes";
import { tableDefinition } from "../../lib/store/table-definition";
import {
  actionsOf,
  type PolicyStatement,
  parseDefinition,
  resourcesOf,
  statementsOfRole,
  synthNameServer,
} from "./synth";

const closed = synthNameServer();
const open = synthNameServer({ openReads: true });

function routeResource(synth: typeof closed, route: Pick<RouteDefinition, "method" | "path"> | "$default") {
  const routeKey = route === "$default" ? "$default" : `${route.method} ${route.path}`;
  const found = Object.values(synth.template.findResources("AWS::ApiGatewayV2::Route")).filter(
    (resource) => resource.Properties.RouteKey === routeKey,
  );
  expect(found, `route ${routeKey}`).toHaveLength(1);
  return found[0] as { Properties: { AuthorizationType: string; Target: unknown } };
}

function dynamodbStatements(synth: typeof closed, roleLogicalId: string): PolicyStatement[] {
  return statementsOfRole(synth.template, roleLogicalId).filter((statement) =>
    actionsOf(statement).some((action) => action.startsWith("dynamodb:")),
  );
}

describe("HTTP API routes", () => {
  it("has exactly one API route per route-table entry, plus $default", () => {
    closed.template.resourceCountIs("AWS::ApiGatewayV2::Route", routes.length + 1);
    for (const route of routes) routeResource(closed, route);
    routeResource(closed, "$default");
  });

  it("integrates each route with its own function, as payload format 2.0", () => {
    for (const route of routes) {
      const target = routeResource(closed, route).Properties.Target as {
        "Fn::Join": [string, [string, { Ref: string }]];
      };
      const integrationId = target["Fn::Join"][1][1].Ref;
      const integration = closed.template.toJSON().Resources[integrationId];
      const fn = closed.stack.routeFunctions.get(route.id);
      expect(fn, route.id).toBeDefined();
      expect(integration.Properties).toMatchObject({
        IntegrationType: "AWS_PROXY",
        PayloadFormatVersion: "2.0",
        IntegrationUri: { "Fn::GetAtt": [closed.logicalId(fn?.function as never), "Arn"] },
      });
    }
  });

  it("requires IAM on every route but GET /health by default", () => {
    for (const route of routes) {
      const expected = route.access === "public" ? "NONE" : "AWS_IAM";
      expect(routeResource(closed, route).Properties.AuthorizationType, `${route.method} ${route.path}`).toBe(
        expected,
      );
    }
    expect(routeResource(closed, "$default").Properties.AuthorizationType).toBe("AWS_IAM");
    expect(routes.filter((route) => route.access === "public").map((route) => route.path)).toEqual([
      "/health",
    ]);
  });

  it("opens the read routes, and only them, when openReads is set", () => {
    for (const route of routes) {
      const expected = route.access === "write" ? "AWS_IAM" : "NONE";
      expect(routeResource(open, route).Properties.AuthorizationType, `${route.method} ${route.path}`).toBe(
        expected,
      );
    }
    expect(routeResource(open, "$default").Properties.AuthorizationType).toBe("NONE");
  });

  it("never opens a write route, and writes are never GETs", () => {
    const writes = routes.filter((route) => route.access === "write");
    expect(writes.length).toBeGreaterThan(0);
    for (const route of writes) {
      expect(route.method).not.toBe("GET");
      expect(routeResource(open, route).Properties.AuthorizationType).toBe("AWS_IAM");
    }
  });

  it("throttles the $default stage and writes JSON access logs to a log group", () => {
    closed.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 1000, ThrottlingBurstLimit: 2000 },
      AccessLogSettings: { DestinationArn: { "Fn::GetAtt": [Match.stringLikeRegexp("^AccessLogs"), "Arn"] } },
    });
    const stage = Object.values(closed.template.findResources("AWS::ApiGatewayV2::Stage"))[0];
    const format = JSON.parse(stage?.Properties.AccessLogSettings.Format as string);
    // The minimal line by default: who called what, how it ended, how long it took.
    expect(format).toEqual(minimalAccessLogFields);
    // Keys as in the full line, so that metric filters on `$.routeKey` and `$.status` read both.
    expect(format).toMatchObject({
      requestId: "$context.requestId",
      caller: "$context.identity.userArn",
      routeKey: "$context.routeKey",
      status: "$context.status",
    });
  });

  it("writes the full access log line, or none, when asked", () => {
    const full = synthNameServer({ accessLogs: "full" });
    const stage = Object.values(full.template.findResources("AWS::ApiGatewayV2::Stage"))[0];
    expect(JSON.parse(stage?.Properties.AccessLogSettings.Format as string)).toEqual(accessLogFields);
    const off = synthNameServer({ accessLogs: "off" });
    off.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", { AccessLogSettings: Match.absent() });
    expect(
      Object.keys(off.template.findResources("AWS::Logs::LogGroup")).some((id) =>
        id.startsWith("AccessLogs"),
      ),
    ).toBe(false);
  });

  it("takes throttling limits from the props", () => {
    const custom = synthNameServer({ throttlingRateLimit: 20, throttlingBurstLimit: 40 });
    custom.template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
    });
  });
});

describe("functions", () => {
  const functions = closed.template.findResources("AWS::Lambda::Function");

  const handlerModules = new Set(routes.map((route) => route.handler));

  it("are one per handler module (a scoped route shares its unscoped form's), plus $default and the sweeper", () => {
    expect(Object.keys(functions)).toHaveLength(handlerModules.size + 2);
    const heartbeat = closed.stack.routeFunctions.get("RegisterBroker");
    expect(closed.stack.routeFunctions.get("RegisterBrokerInGroup")).toBe(heartbeat);
    expect(closed.stack.routeFunctions.get("PutKvConfigInNamespace")).toBe(
      closed.stack.routeFunctions.get("PutKvConfig"),
    );
  });

  it("all share the project-wide settings: Node.js 22+, ARM64, source maps, Powertools, own log group", () => {
    for (const [id, fn] of Object.entries(functions)) {
      const runtime = /^nodejs(\d+)\.x$/.exec(fn.Properties.Runtime as string);
      expect(Number(runtime?.[1]), id).toBeGreaterThanOrEqual(22);
      expect(fn.Properties).toMatchObject({
        Architectures: ["arm64"],
        Handler: "index.handler",
        Environment: {
          Variables: {
            NODE_OPTIONS: "--enable-source-maps",
            POWERTOOLS_SERVICE_NAME: "namesrv",
            POWERTOOLS_METRICS_NAMESPACE: "NameServer",
          },
        },
        LoggingConfig: { LogFormat: "JSON", LogGroup: { Ref: expect.any(String) } },
      });
      const logGroup = closed.template.toJSON().Resources[fn.Properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup.Properties.RetentionInDays, id).toBe(30);
    }
  });

  it("read TABLE_NAME from the stack's table, except the $default route which needs no table", () => {
    const tableRef = { Ref: closed.logicalId(closed.stack.table) };
    for (const fn of [...closed.stack.routeFunctions.values(), closed.stack.sweeper]) {
      const resource = functions[closed.logicalId(fn.function)];
      expect(resource?.Properties.Environment.Variables.TABLE_NAME).toEqual(tableRef);
    }
    const defaultRoute = functions[closed.logicalId(closed.stack.defaultRouteFunction.function)];
    expect(defaultRoute?.Properties.Environment.Variables.TABLE_NAME).toBeUndefined();
  });

  it("log Lambda's platform lines at WARN by default, INFO when asked; the sweeper too", () => {
    for (const fn of Object.values(functions)) {
      expect(fn.Properties.LoggingConfig.SystemLogLevel).toBe("WARN");
    }
    const verbose = synthNameServer({ lambdaSystemLogLevel: "INFO" });
    for (const fn of Object.values(verbose.template.findResources("AWS::Lambda::Function"))) {
      expect(fn.Properties.LoggingConfig.SystemLogLevel).toBe("INFO");
    }
  });

  it("sum the route functions' metrics for a minute per instance; the sweeper publishes every sweep", () => {
    for (const fn of closed.stack.routeFunctions.values()) {
      const resource = functions[closed.logicalId(fn.function)];
      expect(resource?.Properties.Environment.Variables.METRICS_FLUSH_INTERVAL_MS).toBe("60000");
    }
    const sweeper = functions[closed.logicalId(closed.stack.sweeper.function)];
    expect(sweeper?.Properties.Environment.Variables.METRICS_FLUSH_INTERVAL_MS).toBeUndefined();
    const perInvocation = synthNameServer({ metricsFlushInterval: Duration.seconds(0) });
    const route = perInvocation.stack.routeFunctions.get("GetRoutes");
    expect(route).toBeDefined();
    const resource =
      perInvocation.template.findResources("AWS::Lambda::Function")[
        perInvocation.logicalId((route as NonNullable<typeof route>).function)
      ];
    expect(resource?.Properties.Environment.Variables.METRICS_FLUSH_INTERVAL_MS).toBe("0");
  });

  it("serve every route from one function behind an IAM function URL when functionUrl is set", () => {
    expect(closed.stack.functionUrl).toBeUndefined();
    closed.template.resourceCountIs("AWS::Lambda::Url", 0);
    const withUrl = synthNameServer({ functionUrl: true });
    withUrl.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "AWS_IAM",
      TargetFunctionArn: {
        "Fn::GetAtt": [withUrl.logicalId(withUrl.stack.routerFunction?.function ?? withUrl.stack), "Arn"],
      },
    });
    const router =
      withUrl.template.findResources("AWS::Lambda::Function")[
        withUrl.logicalId(withUrl.stack.routerFunction?.function ?? withUrl.stack)
      ];
    expect(router?.Properties.Environment.Variables.TABLE_NAME).toEqual({
      Ref: withUrl.logicalId(withUrl.stack.table),
    });
    expect(Object.keys(withUrl.template.findOutputs("FunctionUrl"))).toHaveLength(1);
    expect(() => synthNameServer({ functionUrl: true, openReads: true })).toThrow(/openReads/);
  });

  it("bundle as ESM with esbuild from node_modules, minified, with source maps", () => {
    const bundled = namesrvBundling("bundled");
    expect(bundled).toMatchObject({
      format: OutputFormat.ESM,
      forceDockerBundling: false,
      minify: true,
      sourceMap: true,
      bundleAwsSDK: true,
    });
    expect(bundled.externalModules).toBeUndefined();
    expect(namesrvBundling("runtime").externalModules).toEqual(["@aws-sdk/*", "@smithy/*"]);
  });

  it("apply reserved concurrency to the route functions when asked", () => {
    const reserved = synthNameServer({ reservedConcurrency: 7 });
    const reservations = Object.values(reserved.template.findResources("AWS::Lambda::Function")).map(
      (fn) => fn.Properties.ReservedConcurrentExecutions,
    );
    // Every route function but the heartbeat one, which keeps its own reservation (throttle budget).
    expect(reservations.filter((value) => value === 7)).toHaveLength(handlerModules.size);
  });
});

describe("grants", () => {
  const roleOf = (fn: { role: unknown }) => closed.logicalId(fn.role as never);

  it("give the $default route no table access at all", () => {
    expect(dynamodbStatements(closed, roleOf(closed.stack.defaultRouteFunction))).toEqual([]);
  });

  it("name the table or its one index, never dynamodb:* nor a '*' resource", () => {
    const tableArn = { "Fn::GetAtt": [closed.logicalId(closed.stack.table), "Arn"] };
    const indexArn = { "Fn::Join": ["", [tableArn, `/index/${tableDefinition.groupIndex.name}`]] };
    for (const statement of Object.values(closed.template.findResources("AWS::IAM::Policy")).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as PolicyStatement[],
    )) {
      const actions = actionsOf(statement);
      expect(actions).not.toContain("*");
      expect(actions).not.toContain("dynamodb:*");
      if (actions.some((action) => action.startsWith("dynamodb:"))) {
        expect([[tableArn], [indexArn]]).toContainEqual(resourcesOf(statement));
      }
    }
  });

  it("keep function roles free of managed policies and of '*' resources", () => {
    const functions = [
      ...closed.stack.routeFunctions.values(),
      closed.stack.sweeper,
      closed.stack.defaultRouteFunction,
    ];
    for (const fn of functions) {
      const role = closed.template.toJSON().Resources[roleOf(fn)];
      expect(role.Properties.ManagedPolicyArns, fn.node.id).toBeUndefined();
      for (const statement of statementsOfRole(closed.template, roleOf(fn))) {
        expect(resourcesOf(statement), fn.node.id).not.toContain("*");
      }
    }
  });
});

describe("table", () => {
  it("is built from the shared definition: keys, gsi1 (projection ALL), TTL attribute", () => {
    const { partitionKey, sortKey, groupIndex, ttlAttribute } = tableDefinition;
    closed.template.resourceCountIs("AWS::DynamoDB::Table", 1);
    closed.template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: partitionKey, KeyType: "HASH" },
        { AttributeName: sortKey, KeyType: "RANGE" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: groupIndex.name,
          KeySchema: [
            { AttributeName: groupIndex.partitionKey, KeyType: "HASH" },
            { AttributeName: groupIndex.sortKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    });
  });

  it("is provisioned with auto scaling on the table and gsi1 by default, reads and writes", () => {
    closed.template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: Match.absent(),
      ProvisionedThroughput: { ReadCapacityUnits: 25, WriteCapacityUnits: 10 },
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: tableDefinition.groupIndex.name,
          ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 10 },
        }),
      ],
    });
    const targets = Object.values(
      closed.template.findResources("AWS::ApplicationAutoScaling::ScalableTarget"),
    );
    const dimensions = targets.map((t) => t.Properties.ScalableDimension).sort();
    expect(dimensions).toEqual([
      "dynamodb:index:ReadCapacityUnits",
      "dynamodb:index:WriteCapacityUnits",
      "dynamodb:table:ReadCapacityUnits",
      "dynamodb:table:WriteCapacityUnits",
    ]);
    expect(targets.map((t) => [t.Properties.MinCapacity, t.Properties.MaxCapacity]).sort()).toEqual(
      [
        [10, 10_000],
        [10, 10_000],
        [25, 10_000],
        [5, 1_000],
      ].sort(),
    );
    const policies = Object.values(
      closed.template.findResources("AWS::ApplicationAutoScaling::ScalingPolicy"),
    );
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(policy.Properties.TargetTrackingScalingPolicyConfiguration.TargetValue).toBe(70);
    }
  });

  it("is on demand, without scaling resources, when tableCapacity says so", () => {
    const onDemand = synthNameServer({ tableCapacity: { mode: "onDemand" } });
    onDemand.template.hasResourceProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      ProvisionedThroughput: Match.absent(),
    });
    onDemand.template.resourceCountIs("AWS::ApplicationAutoScaling::ScalableTarget", 0);
  });

  it("has point-in-time recovery and the AWS-managed KMS key", () => {
    closed.template.hasResourceProperties("AWS::DynamoDB::Table", {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key id or type: the AWS-managed key aws/dynamodb.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
  });

  it("is retained and deletion-protected by default", () => {
    closed.template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
  });

  it("follows the removal props for throw-away stacks", () => {
    const disposable = synthNameServer({
      tableRemovalPolicy: RemovalPolicy.DESTROY,
      tableDeletionProtection: false,
    });
    disposable.template.hasResource("AWS::DynamoDB::Table", {
      DeletionPolicy: "Delete",
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });
});

describe("sweep schedule", () => {
  it("starts the sweep workflow with rate(1 minute)", () => {
    closed.template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [
        Match.objectLike({
          Arn: { Ref: closed.logicalId(closed.stack.sweepStateMachine) },
          RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 },
        }),
      ],
    });
  });

  it("sweeps, waits 30 s, sweeps again, in an Express workflow with retries on Lambda errors", () => {
    closed.template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "EXPRESS",
    });
    const machine = Object.values(closed.template.findResources("AWS::StepFunctions::StateMachine"))[0];
    const definition = parseDefinition(machine?.Properties.DefinitionString);
    const sweeperArn = `{'Fn::GetAtt':['${closed.logicalId(closed.stack.sweeper.function)}','Arn']}`;

    expect(definition.StartAt).toBe("Sweep1");
    const first = definition.States.Sweep1;
    const wait = definition.States[first?.Next as string];
    const second = definition.States[wait?.Next as string];
    expect(first).toMatchObject({ Type: "Task", Resource: sweeperArn });
    expect(wait).toMatchObject({ Type: "Wait", Seconds: 30 });
    expect(second).toMatchObject({ Type: "Task", Resource: sweeperArn, End: true });
    for (const sweep of [first, second]) {
      expect(sweep?.Retry).toEqual([
        expect.objectContaining({ ErrorEquals: ["States.TaskFailed"], MaxAttempts: 2 }),
      ]);
    }
    // A first sweep that keeps failing still lets the second one run.
    expect(first?.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ["States.ALL"], Next: first?.Next }),
    ]);
  });

  it("plans sweeps for other intervals, and refuses intervals EventBridge cannot express", () => {
    expect(sweepPlan(Duration.seconds(30))).toEqual({ sweepsPerRun: 2, schedule: Duration.minutes(1) });
    expect(sweepPlan(Duration.seconds(20)).sweepsPerRun).toBe(3);
    expect(sweepPlan(Duration.minutes(2))).toEqual({ sweepsPerRun: 1, schedule: Duration.minutes(2) });
    expect(() => sweepPlan(Duration.seconds(45))).toThrow(/divide 60/);
    expect(() => sweepPlan(Duration.seconds(90))).toThrow(/whole minutes/);
  });
});

describe("alarms", () => {
  const alarms = Object.values(closed.template.findResources("AWS::CloudWatch::Alarm"));
  const topicRef = { Ref: closed.logicalId(closed.stack.alarmTopic) };

  it("alarm when the sweeper is not running, treating missing SweepCount as breaching", () => {
    closed.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "NameServer",
      MetricName: "SweepCount",
      Dimensions: [{ Name: "service", Value: "namesrv" }],
      Statistic: "Sum",
      Period: 300,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 5,
      TreatMissingData: "breaching",
    });
  });

  it("alarm on sweeper errors, API 5xx and table throttling", () => {
    closed.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: closed.logicalId(closed.stack.sweeper.function) } }],
      Threshold: 2,
    });
    closed.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Dimensions: [{ Name: "ApiId", Value: { Ref: closed.logicalId(closed.stack.httpApi) } }],
    });
    closed.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Metrics: Match.arrayWith([
        Match.objectLike({
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: "AWS/DynamoDB", MetricName: "WriteThrottleEvents" }),
          }),
        }),
      ]),
    });
  });

  it("alarm on the errors of every function", () => {
    const alarmedFunctions = alarms
      .filter(
        (alarm) => alarm.Properties.Namespace === "AWS/Lambda" && alarm.Properties.MetricName === "Errors",
      )
      .map((alarm) => JSON.stringify(alarm.Properties.Dimensions[0].Value));
    for (const fn of [
      ...closed.stack.routeFunctions.values(),
      closed.stack.defaultRouteFunction,
      closed.stack.sweeper,
    ]) {
      expect(alarmedFunctions, fn.node.id).toContain(JSON.stringify({ Ref: closed.logicalId(fn.function) }));
    }
  });

  it("notify the SNS topic, which has an e-mail subscription only when an address is given", () => {
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
    closed.template.resourceCountIs("AWS::SNS::Subscription", 0);
    const withEmail = synthNameServer({ alarmEmail: "ops@example.com" });
    withEmail.template.hasResourceProperties("AWS::SNS::Subscription", {
      Protocol: "email",
      Endpoint: "ops@example.com",
    });
  });
});

describe("dashboard, logs and outputs", () => {
  it("has a dashboard with the alarms and the registry metrics", () => {
    closed.template.resourceCountIs("AWS::CloudWatch::Dashboard", 1);
    const body = JSON.stringify(
      Object.values(closed.template.findResources("AWS::CloudWatch::Dashboard"))[0]?.Properties.DashboardBody,
    );
    for (const metric of ["SweepCount", "Evictions", "RouteQueries", "Registrations", "SelfPreservation"]) {
      expect(body).toContain(metric);
    }
  });

  it("keeps every log group for the configured retention", () => {
    const month = Object.values(closed.template.findResources("AWS::Logs::LogGroup"));
    expect(month.every((group) => group.Properties.RetentionInDays === 30)).toBe(true);
    const week = synthNameServer({ logRetention: RetentionDays.ONE_WEEK });
    const groups = Object.values(week.template.findResources("AWS::Logs::LogGroup"));
    expect(groups.length).toBe(month.length);
    expect(groups.every((group) => group.Properties.RetentionInDays === 7)).toBe(true);
  });

  it("outputs ApiUrl, TableName and DashboardUrl", () => {
    closed.template.hasOutput("ApiUrl", {
      Value: { "Fn::GetAtt": [closed.logicalId(closed.stack.httpApi), "ApiEndpoint"] },
    });
    closed.template.hasOutput("TableName", { Value: { Ref: closed.logicalId(closed.stack.table) } });
    closed.template.hasOutput("DashboardUrl", {
      Value: { "Fn::Join": ["", Match.arrayWith([{ Ref: closed.logicalId(closed.stack.dashboard) }])] },
    });
  });
});

describe("self-preservation settings", () => {
  it("reach the sweeper's environment only when set", () => {
    const sweeperEnv = (synth: typeof closed) =>
      synth.template.findResources("AWS::Lambda::Function")[synth.logicalId(synth.stack.sweeper.function)]
        ?.Properties?.Environment?.Variables ?? {};
    expect(sweeperEnv(closed).SELF_PRESERVATION).toBeUndefined();
    const tuned = synthNameServer({ selfPreservation: { enabled: true, expiryRatio: 0.3, minExpired: 10 } });
    expect(sweeperEnv(tuned)).toMatchObject({
      SELF_PRESERVATION: "on",
      SELF_PRESERVATION_EXPIRY_RATIO: "0.3",
      SELF_PRESERVATION_MIN_EXPIRED: "10",
    });
  });

  it("tell the sweeper its period, so that a stale last healthy sweep never protects anyone", () => {
    const sweeperEnv = (synth: typeof closed) =>
      synth.template.findResources("AWS::Lambda::Function")[synth.logicalId(synth.stack.sweeper.function)]
        ?.Properties?.Environment?.Variables ?? {};
    expect(sweeperEnv(closed).SWEEP_INTERVAL_MS).toBe("30000");
    const slow = synthNameServer({
      sweepInterval: Duration.minutes(2),
      selfPreservation: { maxDurationMs: 600_000 },
    });
    expect(sweeperEnv(slow)).toMatchObject({
      SWEEP_INTERVAL_MS: "120000",
      SELF_PRESERVATION_MAX_DURATION_MS: "600000",
    });
  });

  it("refuses an expiry ratio outside 0..1 at synth time", () => {
    expect(() => synthNameServer({ selfPreservation: { expiryRatio: 2 } })).toThrow(
      /SELF_PRESERVATION_EXPIRY_RATIO/,
    );
  });
});

describe("route group cache", () => {
  it("is on for route functions (5 s by default) and configurable", () => {
    const envOf = (synth: typeof closed) =>
      synth.template.findResources("AWS::Lambda::Function")[
        synth.logicalId(
          (
            synth.stack.routeFunctions.get("GetRouteInfoByTopic") as NonNullable<
              ReturnType<typeof synth.stack.routeFunctions.get>
            >
          ).function,
        )
      ]?.Properties?.Environment?.Variables ?? {};
    expect(envOf(closed).ROUTE_GROUP_CACHE_MS).toBe("5000");
    expect(envOf(synthNameServer({ routeGroupCacheMs: 0 })).ROUTE_GROUP_CACHE_MS).toBe("0");
    expect(() => synthNameServer({ routeGroupCacheMs: -1 })).toThrow(/routeGroupCacheMs/);
  });
});
