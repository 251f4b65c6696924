/**
 * The NameServer construct as a CDK user meets it (README "The package"): it embeds in the user's own
 * stack, exports its outputs under names other stacks can import, and offers its metrics and grants
 * as methods.
 */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { NameServer } from "../../infra/name-server";
import { synthNameServer } from "./synth";

describe("the NameServer construct", { timeout: 120_000 }, () => {
  it("exports the repository stack's outputs as <stack>-<output>", () => {
    const outputs = synthNameServer().template.toJSON().Outputs as Record<
      string,
      { Export?: { Name: string } }
    >;
    for (const id of ["ApiUrl", "TableName", "DashboardUrl", "ProducerPolicyArn", "OperatorPolicyArn"]) {
      expect(outputs[id]?.Export?.Name).toBe(`NameServerTest-${id}`);
    }
  });

  it("embeds in a user's stack with its metrics, grants and outputs named after its path", () => {
    const stack = new Stack(new App({ context: { "aws:cdk:bundling-stacks": [] } }), "UserStack");
    const ns = new NameServer(stack, "Ns");
    const producer = new iam.Role(stack, "Producer", { assumedBy: new iam.AccountRootPrincipal() });
    ns.grantRouteReads(producer);
    const registrations = stack.resolve(ns.metricRegistrations().toMetricConfig().metricStat);
    const template = Template.fromStack(stack).toJSON();

    expect(registrations).toMatchObject({
      namespace: "NameServer",
      metricName: "Registrations",
      dimensions: [{ name: "service", value: "namesrv" }],
    });
    expect(ns.metricEvictions().metricName).toBe("Evictions");
    expect(ns.metricSweeps().metricName).toBe("SweepCount");
    expect(ns.table).toBeDefined();
    expect(ns.httpApi).toBeDefined();
    const outputs = Object.values(template.Outputs as Record<string, { Export?: { Name: string } }>);
    expect(outputs.map((o) => o.Export?.Name)).toEqual(expect.arrayContaining(["UserStack-Ns-ApiUrl"]));
    const policies = Object.values(template.Resources as Record<string, { Type: string; Properties: never }>)
      .filter((r) => r.Type === "AWS::IAM::Policy")
      .map((r) => JSON.stringify(r.Properties));
    expect(policies.some((p) => p.includes("execute-api:Invoke") && p.includes("Producer"))).toBe(true);
  });
});
