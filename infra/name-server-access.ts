/**
 * Who may call what (README "Security"): the managed access policies, the throttle budget (route-level
 * token buckets, reserved concurrency) and the accepted cdk-nag findings of the NameServer construct.
 */
import { CfnOutput, type CfnResource, Stack, Token, Validations } from "aws-cdk-lib";
import type * as apigw from "aws-cdk-lib/aws-apigatewayv2";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as routeTable from "../lib/http/routes";
import { type BrokerGroupRef, brokerWriteGrants, type RouteGrant, readGrants } from "./api-access";
import type { NameServer } from "./name-server";
import { BROKER_WRITE_HANDLERS, type NameServerProps } from "./name-server-props";
import type { NamesrvFunction } from "./namesrv-function";

/**
 * The throttle budget (README "Security"): broker writes and /health get route-level token buckets
 * of their own (every other route keeps the stage default), /health reads through a cached probe,
 * and the heartbeat function and the sweeper get reserved concurrency.
 */
export function applyThrottleBudget(ns: NameServer, props: NameServerProps): void {
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
    ns.stage.node.addDependency(ns.node.findChild(`${route.id}Route`));
  }
  (ns.stage.node.defaultChild as apigw.CfnStage).routeSettings = routeSettings;

  const healthCacheMs = props.healthCacheMs ?? 5000;
  if (!Number.isInteger(healthCacheMs) || healthCacheMs < 0 || healthCacheMs > 10_000) {
    throw new Error(`healthCacheMs must be a whole number of ms from 0 to 10000, got ${healthCacheMs}`);
  }
  for (const route of routeTable.routes.filter((candidate) => candidate.access === "public")) {
    ns.routeFunctions.get(route.id)?.function.addEnvironment("HEALTH_CACHE_MS", String(healthCacheMs));
  }

  const reserve = (fn: NamesrvFunction | undefined, value: number | "unreserved") => {
    if (fn === undefined || value === "unreserved") return;
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`reserved concurrency must be a whole number of at least 1, got ${value}`);
    }
    (fn.function.node.defaultChild as lambda.CfnFunction).reservedConcurrentExecutions = value;
  };
  reserve(ns.routeFunctions.get("RegisterBroker"), props.heartbeatReservedConcurrency ?? 50);
  reserve(ns.sweeper, props.sweeperReservedConcurrency ?? 3);
}

/** execute-api ARNs of routes on the stage: `arn:…:execute-api:region:account:apiId/$default/METHOD/path`. */
export function invokeArns(ns: NameServer, grants: readonly RouteGrant[]): string[] {
  return grants.map((grant) => ns.httpApi.arnForExecuteApi(grant.method, grant.path, ns.stage.stageName));
}

/** Every route of the stage (any method, any path). */
export function allRoutesArn(ns: NameServer): string {
  return ns.httpApi.arnForExecuteApi("*", "/*", ns.stage.stageName);
}

export function createAccessPolicies(ns: NameServer, brokerGroups: readonly BrokerGroupRef[]) {
  const invokeStatement = (grants: readonly RouteGrant[]) =>
    new iam.PolicyStatement({ actions: ["execute-api:Invoke"], resources: invokeArns(ns, grants) });
  const producer = new iam.ManagedPolicy(ns, "ProducerPolicy", {
    description: "NameServer: route reads (producers, consumers)",
    statements: [invokeStatement(readGrants())],
  });
  const operator = new iam.ManagedPolicy(ns, "OperatorPolicy", {
    description: "NameServer: every route (operators)",
    statements: [
      new iam.PolicyStatement({
        actions: ["execute-api:Invoke"],
        resources: [allRoutesArn(ns)],
      }),
    ],
  });
  const brokers = new Map<string, iam.ManagedPolicy>();
  brokerGroups.forEach((group, index) => {
    const key = `${group.cluster}/${group.brokerName}`;
    if (brokers.has(key)) throw new Error(`brokerGroups lists ${key} twice`);
    const policy = new iam.ManagedPolicy(ns, `BrokerPolicy${index}`, {
      description: `NameServer: broker group ${key} (its writes and route reads)`,
      statements: [invokeStatement(brokerWriteGrants(group)), invokeStatement(readGrants())],
    });
    brokers.set(key, policy);
    new CfnOutput(ns, `BrokerPolicy${index}Arn`, {
      description: `Managed policy for the brokers of group ${key}`,
      value: policy.managedPolicyArn,
    });
  });
  new CfnOutput(ns, "ProducerPolicyArn", {
    description: "Managed policy: route reads (producers, consumers)",
    value: producer.managedPolicyArn,
  });
  new CfnOutput(ns, "OperatorPolicyArn", {
    description: "Managed policy: every route (operators)",
    value: operator.managedPolicyArn,
  });
  return { producer, operator, brokers };
}

/**
 * cdk-nag (AwsSolutions) findings that are accepted, each with its reason. cdk-nag 3 reads CDK's own
 * acknowledgements; a rule that reports several findings is acknowledged finding by finding.
 */
export function acknowledgeNagFindings(ns: NameServer, openReads: boolean): void {
  const stack = Stack.of(ns);
  // Each function's table grant names the table and the one index it queries (infra/table-grants.ts);
  // only the function URL router, which serves every route, holds grantReadWriteData's index/*.
  const tableLogicalId = stack.getLogicalId(ns.table.node.defaultChild as dynamodb.CfnTable);
  if (ns.routerFunction !== undefined) {
    Validations.of(ns.routerFunction.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${tableLogicalId}.Arn>/index/*]`,
      reason:
        "The function URL router serves every route with grantReadWriteData, which covers the table's indexes as <table>/index/*; the table has exactly one index (gsi1).",
    });
  }

  const sweeperLogicalId = stack.getLogicalId(ns.sweeper.function.node.defaultChild as CfnResource);
  Validations.of(ns.sweepStateMachine).acknowledge(
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
  const apiLogicalId = stack.getLogicalId(ns.httpApi.node.defaultChild as CfnResource);
  // cdk-nag names a finding by the ARN as synthesized: pseudo parameters in an environment-agnostic
  // stack, the literal partition, region and account in a stack pinned to an environment.
  const literalOr = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<${pseudo}>` : value);
  const arnPrefix = `arn:${literalOr(stack.partition, "AWS::Partition")}:execute-api:${literalOr(stack.region, "AWS::Region")}:${literalOr(stack.account, "AWS::AccountId")}`;
  const nagArn = (method: string, path: string) =>
    `AwsSolutions-IAM5[Resource::${arnPrefix}:<${apiLogicalId}>/${ns.stage.stageName}/${method}${path}]`;
  const readFindings = readGrants()
    .filter((grant) => grant.path.includes("*"))
    .map((grant) => ({
      id: nagArn(grant.method, grant.path),
      reason: `Route reads: ${grant.method} ${grant.path} with any value for its path parameters; reads are for any topic, cluster or namespace by design (README "Security").`,
    }));
  for (const policy of [ns.producerPolicy, ...ns.brokerPolicies.values()]) {
    if (readFindings.length > 0) Validations.of(policy).acknowledge(...readFindings);
  }
  Validations.of(ns.operatorPolicy).acknowledge({
    id: nagArn("*", "/*"),
    reason:
      'The operator policy is every route of the API by definition (README "Security"); give it to operators only.',
  });

  for (const route of routeTable.routes) {
    if (route.access === "public") {
      Validations.of(ns.node.findChild(`${route.id}Route`)).acknowledge({
        id: "AwsSolutions-APIG4",
        reason: `${route.method} ${route.path} is public by contract (API.md, Access control): probes and load balancers call it without credentials.`,
      });
    } else if (route.access === "read" && openReads) {
      Validations.of(ns.node.findChild(`${route.id}Route`)).acknowledge({
        id: "AwsSolutions-APIG4",
        reason:
          "openReads is set: the read routes are deliberately open to anyone (API.md, Access control); writes stay IAM-protected.",
      });
    }
  }
  if (openReads) {
    Validations.of(ns.node.findChild("DefaultRoute")).acknowledge({
      id: "AwsSolutions-APIG4",
      reason: "openReads is set: the $default route (404/405 answers only) is as open as the read routes.",
    });
  }
}
