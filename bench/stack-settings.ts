/**
 * What the cost estimate takes from the CDK stack itself rather than from a copy: each function's memory
 * size and architecture, and the sweep plan. The stack is constructed without bundling (as the infra
 * tests do), so this takes a couple of seconds and needs no AWS account.
 */
import { App, Duration } from "aws-cdk-lib";
import type { CfnFunction } from "aws-cdk-lib/aws-lambda";
import { NameServerStack, sweepPlan } from "../infra/name-server-stack";
import type { NamesrvFunction } from "../infra/namesrv-function";

export interface StackSettings {
  /** Memory (MB) of the functions the estimate prices. */
  memoryMb: { registerBroker: number; getRouteInfoByTopic: number; sweeper: number };
  architectures: string[];
  sweepsPerRun: number;
  sweepScheduleSeconds: number;
}

export function readStackSettings(): StackSettings {
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  const stack = new NameServerStack(app, "BenchSettings");
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
  return {
    memoryMb: {
      registerBroker: memory(register, "RegisterBroker"),
      getRouteInfoByTopic: memory(route, "GetRouteInfoByTopic"),
      sweeper: memory(stack.sweeper, "sweeper"),
    },
    architectures: [...architectures],
    sweepsPerRun: plan.sweepsPerRun,
    sweepScheduleSeconds: plan.schedule.toSeconds(),
  };
}
