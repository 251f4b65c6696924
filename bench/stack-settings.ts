/**
 * What the bench takes from the CDK stack itself rather than from a copy: each function's memory size
 * and architecture, the sweep plan, the route function's ROUTE_GROUP_CACHE_MS and the API stage's
 * throttle. The stack is constructed without bundling (as the infra
 * tests do), so this takes a couple of seconds and needs no AWS account.
 */
import { App, Duration } from "aws-cdk-lib";
import type { CfnStage } from "aws-cdk-lib/aws-apigatewayv2";
import type { CfnTable } from "aws-cdk-lib/aws-dynamodb";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import {
  DEFAULT_TABLE_CAPACITY,
  minimalAccessLogFields,
  NameServerStack,
  sweepPlan,
} from "../infra/name-server-stack";
import type { NamesrvFunction } from "../infra/namesrv-function";

export interface StackSettings {
  /** Memory (MB) of the functions the estimate prices. */
  memoryMb: { registerBroker: number; getRouteInfoByTopic: number; sweeper: number };
  architectures: string[];
  sweepsPerRun: number;
  sweepScheduleSeconds: number;
  /** ROUTE_GROUP_CACHE_MS of the GetRouteInfoByTopic function (0: the cache is off). */
  routeGroupCacheMs: number;
  /** The API's default stage throttle (requests per second, burst). */
  throttlingRateLimit: number | undefined;
  throttlingBurstLimit: number | undefined;
  /** The route function's Lambda system log level (INFO writes platform.start / platform.report). */
  systemLogLevel: "DEBUG" | "INFO" | "WARN";
  /** The stage's access log format. */
  accessLogs: "full" | "minimal" | "off";
  /** METRICS_FLUSH_INTERVAL_MS of the route function (0: a metrics line per invocation). */
  metricsFlushIntervalMs: number;
  /** The table's capacity mode; for provisioned, the stack's auto scaling floors and target. */
  capacity:
    | { mode: "onDemand" }
    | {
        mode: "provisioned";
        targetUtilization: number;
        tableMin: { read: number; write: number };
        indexMin: { read: number; write: number };
      };
}

export function readStackSettings(): StackSettings {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const cfnStack = new NameServerStack(app, "BenchSettings");
  const stack = cfnStack.nameServer;
  const cfn = (fn: NamesrvFunction | undefined, name: string): CfnFunction => {
    const resource = fn?.function.node.defaultChild as CfnFunction | undefined;
    if (resource === undefined) throw new Error(`the stack has no ${name} function`);
    return resource;
  };
  const memory = (fn: NamesrvFunction | undefined, name: string): number => {
    const size = cfn(fn, name).memorySize;
    if (typeof size !== "number") throw new Error(`the ${name} function has no fixed memory size`);
    return size;
  };
  const register = stack.routeFunctions.get("RegisterBroker");
  const route = stack.routeFunctions.get("GetRouteInfoByTopic");
  const plan = sweepPlan(Duration.seconds(30));
  const architectures = new Set<string>();
  for (const fn of [register, route, stack.sweeper]) {
    const archs = cfn(fn, "priced").architectures;
    for (const a of Array.isArray(archs) ? archs : []) architectures.add(String(a));
  }
  // The function's environment is a lazy value until the stack resolves it.
  const variables = (
    cfnStack.resolve(cfn(route, "GetRouteInfoByTopic").environment) as
      | { variables?: Record<string, unknown> }
      | undefined
  )?.variables;
  const cacheMs = Number(variables?.ROUTE_GROUP_CACHE_MS ?? 0);
  const flushMs = Number(variables?.METRICS_FLUSH_INTERVAL_MS ?? 0);
  const logging = cfnStack.resolve(cfn(route, "GetRouteInfoByTopic").loggingConfig) as
    | { systemLogLevel?: string }
    | undefined;
  const systemLogLevel = (logging?.systemLogLevel ?? "INFO") as StackSettings["systemLogLevel"];
  const stageLog = (stack.stage.node.defaultChild as CfnStage).accessLogSettings as
    | CfnStage.AccessLogSettingsProperty
    | undefined;
  const accessLogs: StackSettings["accessLogs"] =
    stageLog?.format === undefined
      ? "off"
      : stageLog.format === JSON.stringify(minimalAccessLogFields)
        ? "minimal"
        : "full";
  const cfnTable = stack.table.node.defaultChild as CfnTable;
  const capacity: StackSettings["capacity"] =
    cfnTable.billingMode === "PAY_PER_REQUEST" || DEFAULT_TABLE_CAPACITY.mode === "onDemand"
      ? { mode: "onDemand" }
      : {
          mode: "provisioned",
          targetUtilization: (DEFAULT_TABLE_CAPACITY.targetUtilizationPercent ?? 70) / 100,
          tableMin: {
            read: DEFAULT_TABLE_CAPACITY.tableRead.min,
            write: DEFAULT_TABLE_CAPACITY.tableWrite.min,
          },
          indexMin: {
            read: DEFAULT_TABLE_CAPACITY.indexRead.min,
            write: DEFAULT_TABLE_CAPACITY.indexWrite.min,
          },
        };
  if (!Number.isInteger(cacheMs)) throw new Error(`the route function's ROUTE_GROUP_CACHE_MS is ${cacheMs}`);
  const stageSettings = (stack.stage.node.defaultChild as CfnStage).defaultRouteSettings as
    | CfnStage.RouteSettingsProperty
    | undefined;
  const limit = (value: unknown) => (typeof value === "number" ? value : undefined);
  return {
    memoryMb: {
      registerBroker: memory(register, "RegisterBroker"),
      getRouteInfoByTopic: memory(route, "GetRouteInfoByTopic"),
      sweeper: memory(stack.sweeper, "sweeper"),
    },
    architectures: [...architectures],
    sweepsPerRun: plan.sweepsPerRun,
    sweepScheduleSeconds: plan.schedule.toSeconds(),
    routeGroupCacheMs: cacheMs,
    throttlingRateLimit: limit(stageSettings?.throttlingRateLimit),
    throttlingBurstLimit: limit(stageSettings?.throttlingBurstLimit),
    systemLogLevel,
    accessLogs,
    metricsFlushIntervalMs: flushMs,
    capacity,
  };
}
