/**
 * The CDK app (cdk.json: `npx tsx infra/app.ts`). Every stack option comes from context, e.g.
 * `npx cdk deploy -c openReads=true -c alarmEmail=ops@example.com`; see docs/deploy.md for the list.
 * The stack is environment-agnostic (deployed to the CLI's account and region) unless both `account`
 * and `region` are given, so `cdk synth` never needs AWS credentials or lookups.
 */
import { App, Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { AwsSolutionsChecks } from "cdk-nag";
import { NameServerStack, type NameServerStackProps } from "./name-server-stack";
import type { AwsSdkSource } from "./namesrv-function";
import { remotingEndpointFromContext } from "./remoting-endpoint-context";

const app = new App();

function context(key: string): string | undefined {
  const value: unknown = app.node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return undefined;
  return String(value);
}

function booleanContext(key: string): boolean | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new Error(`context ${key} must be true or false, got ${value}`);
}

function integerContext(key: string): number | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new Error(`context ${key} must be a positive integer, got ${value}`);
  return parsed;
}

function removalPolicyContext(key: string): RemovalPolicy | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  if (value === "retain") return RemovalPolicy.RETAIN;
  if (value === "destroy") return RemovalPolicy.DESTROY;
  throw new Error(`context ${key} must be retain or destroy, got ${value}`);
}

function retentionContext(key: string): RetentionDays | undefined {
  const days = integerContext(key);
  if (days === undefined) return undefined;
  if (!Object.values(RetentionDays).includes(days)) {
    throw new Error(
      `context ${key} must be a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, 60, 90, ...), got ${days}`,
    );
  }
  return days as RetentionDays;
}

function numberContext(key: string): number | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new Error(`context ${key} must be a number, got ${value}`);
  return parsed;
}

function awsSdkContext(key: string): AwsSdkSource | undefined {
  const value = context(key);
  if (value === undefined) return undefined;
  if (value === "bundled" || value === "runtime") return value;
  throw new Error(`context ${key} must be bundled or runtime, got ${value}`);
}

function oneOf<T extends string>(key: string, values: readonly T[]): T | undefined {
  const value = context(key);
  if (value === undefined || (values as readonly string[]).includes(value)) return value as T | undefined;
  throw new Error(`context ${key} must be one of ${values.join(", ")}, got ${value}`);
}

/** `-c tableCapacity=onDemand` or `provisioned` (the stack's default auto scaling). */
function tableCapacityContext(key: string): NameServerStackProps["tableCapacity"] {
  const mode = oneOf(key, ["onDemand", "provisioned"] as const);
  if (mode === undefined || mode === "provisioned") return undefined;
  return { mode };
}

const account = context("account");
const region = context("region");
const sweepIntervalSeconds = integerContext("sweepIntervalSeconds");

const props: NameServerStackProps = {
  ...(account !== undefined && region !== undefined ? { env: { account, region } } : {}),
  description: "Serverless RocketMQ NameServer (route registry): API Gateway, Lambda, DynamoDB",
  tableRemovalPolicy: removalPolicyContext("tableRemovalPolicy"),
  tableDeletionProtection: booleanContext("tableDeletionProtection"),
  openReads: booleanContext("openReads"),
  logRetention: retentionContext("logRetentionDays"),
  alarmEmail: context("alarmEmail"),
  reservedConcurrency: integerContext("reservedConcurrency"),
  sweepInterval: sweepIntervalSeconds === undefined ? undefined : Duration.seconds(sweepIntervalSeconds),
  throttlingRateLimit: integerContext("throttlingRateLimit"),
  throttlingBurstLimit: integerContext("throttlingBurstLimit"),
  awsSdk: awsSdkContext("awsSdk"),
  functionMemorySize: integerContext("functionMemorySize"),
  tableCapacity: tableCapacityContext("tableCapacity"),
  lambdaSystemLogLevel: oneOf("lambdaSystemLogLevel", ["DEBUG", "INFO", "WARN"] as const),
  accessLogs: oneOf("accessLogs", ["minimal", "full", "off"] as const),
  metricsFlushInterval:
    integerContext("metricsFlushIntervalSeconds") === undefined
      ? undefined
      : Duration.seconds(integerContext("metricsFlushIntervalSeconds") ?? 0),
  functionUrl: booleanContext("functionUrl"),
  routeGroupCacheMs:
    context("routeGroupCacheMs") === undefined ? undefined : Number(context("routeGroupCacheMs")),
  remotingEndpoint: remotingEndpointFromContext(context),
  selfPreservation: {
    enabled: booleanContext("selfPreservation"),
    expiryRatio: numberContext("selfPreservationExpiryRatio"),
    minExpired: integerContext("selfPreservationMinExpired"),
  },
};

/** `-c brokerGroups=DefaultCluster/broker-a,DefaultCluster/broker-b`: one managed policy per group. */
function brokerGroupsContext(key: string): NameServerStackProps["brokerGroups"] {
  const value = context(key);
  if (value === undefined || value.trim() === "") return undefined;
  return value.split(",").map((entry) => {
    const [cluster, brokerName, ...rest] = entry.trim().split("/");
    if (cluster === undefined || brokerName === undefined || rest.length > 0 || !cluster || !brokerName) {
      throw new Error(`context ${key} must list cluster/brokerName pairs separated by commas, got ${entry}`);
    }
    return { cluster, brokerName };
  });
}

/** `unreserved` or a whole number. */
function reservationContext(key: string): number | "unreserved" | undefined {
  return context(key) === "unreserved" ? "unreserved" : integerContext(key);
}

// Access policies and the throttle budget (README "Security").
const securityProps: NameServerStackProps = {
  brokerGroups: brokerGroupsContext("brokerGroups"),
  heartbeatReservedConcurrency: reservationContext("heartbeatReservedConcurrency"),
  sweeperReservedConcurrency: reservationContext("sweeperReservedConcurrency"),
};

new NameServerStack(app, context("stackName") ?? "NameServer", { ...props, ...securityProps });

// Every synth is checked: an unacknowledged AwsSolutions finding fails `cdk synth` and `cdk deploy`.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
