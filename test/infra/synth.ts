/**
 * Synthesizes NameServerStack for the assertion tests: with cdk.json's context (the same feature flags
 * as `cdk synth`) and without bundling (`aws:cdk:bundling-stacks` = []), so each variant takes a second
 * instead of sixteen esbuild runs. test/infra/bundle.test.ts is the one that bundles for real.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { App, type CfnElement, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import type { NameServer } from "../../infra/name-server";
import { NameServerStack, type NameServerStackProps } from "../../infra/name-server-stack";
import { projectRoot } from "../../infra/namesrv-function";

const cdkJsonContext = (
  JSON.parse(readFileSync(path.join(projectRoot, "cdk.json"), "utf8")) as {
    context: Record<string, unknown>;
  }
).context;

export interface SynthesizedStack {
  /** The NameServer construct (at the root of the repository's stack, so with the deployed logical ids). */
  stack: NameServer;
  /** The CloudFormation stack around it. */
  cfnStack: Stack;
  template: Template;
  /** The CloudFormation logical id of a construct's default resource (or of the resource itself). */
  logicalId(construct: IConstruct): string;
}

export function synthNameServer(
  props: NameServerStackProps = {},
  /** Adds constructs to the stack before it is synthesized (roles given grants, ...). */
  extend?: (nameServer: NameServer) => void,
): SynthesizedStack {
  const app = new App({ context: { ...cdkJsonContext, "aws:cdk:bundling-stacks": [] } });
  const cfnStack = new NameServerStack(app, "NameServerTest", props);
  const stack = cfnStack.nameServer;
  extend?.(stack);
  const template = Template.fromStack(cfnStack);
  return {
    stack,
    cfnStack,
    template,
    logicalId: (construct) =>
      Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement),
  };
}

export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of the inline policies attached to the role with this logical id. */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatement[] {
  const policies = template.findResources("AWS::IAM::Policy");
  const statements: PolicyStatement[] = [];
  for (const policy of Object.values(policies)) {
    const roles = (policy.Properties.Roles ?? []) as unknown[];
    if (!roles.some((role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }))) continue;
    statements.push(...(policy.Properties.PolicyDocument.Statement as PolicyStatement[]));
  }
  return statements;
}

export function actionsOf(statement: PolicyStatement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourcesOf(statement: PolicyStatement): unknown[] {
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

/**
 * A Step Functions definition string (an Fn::Join of text and references) parsed as JSON, with each
 * reference replaced by its JSON text, so tests can follow states and their resources.
 */
export function parseDefinition(definitionString: unknown): {
  StartAt: string;
  States: Record<string, Record<string, unknown>>;
} {
  const join = (definitionString as { "Fn::Join": [string, unknown[]] })["Fn::Join"];
  const text = join[1]
    .map((part) => (typeof part === "string" ? part : JSON.stringify(part).replace(/"/g, "'")))
    .join("");
  return JSON.parse(text);
}

/** cdk-nag's AwsSolutions findings not acknowledged in a construct tree, as `<rule> <construct paths>`. */
export function nagViolations(scope: IConstruct): string[] {
  return new AwsSolutionsChecks(undefined, { verbose: true })
    .validateScope(scope)
    .violations.map(
      (violation) =>
        `${violation.ruleName} ${violation.violatingResources.map((r) => r.constructPath).join(",")}`,
    );
}
