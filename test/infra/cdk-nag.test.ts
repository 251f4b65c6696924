/**
 * cdk-nag's AwsSolutions pack finds nothing unacknowledged, with reads closed or open; every
 * acknowledgement carries its reason, and the list of acknowledged rules is the reviewed one.
 */
import { Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";
import { describe, expect, it } from "vitest";
import { synthNameServer } from "./synth";

function violationsOf(scope: IConstruct) {
  return new AwsSolutionsChecks(undefined, { verbose: true })
    .validateScope(scope)
    .violations.map((violation) => ({
      rule: violation.ruleName,
      severity: violation.severity,
      resources: violation.violatingResources.map((resource) => resource.constructPath),
    }));
}

/** Acknowledged rule id → reasons, over the whole construct tree. */
function acknowledgements(scope: IConstruct): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const construct of scope.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, unknown>)) {
        const rule = id.replace(/^annotation::/i, "").replace(/<[^>]+>/g, "<id>");
        found.set(rule, [...(found.get(rule) ?? []), String(reason)]);
      }
    }
  }
  return found;
}

// Synthesizing the whole stack and walking it with cdk-nag takes tens of seconds on two shared cores.
describe("cdk-nag AwsSolutions", { timeout: 240_000 }, () => {
  it("reports no unacknowledged finding, errors or warnings, with reads closed", () => {
    expect(violationsOf(synthNameServer().cfnStack)).toEqual([]);
  });

  it("reports no unacknowledged finding with openReads", () => {
    expect(violationsOf(synthNameServer({ openReads: true }).cfnStack)).toEqual([]);
  });

  it("reports no unacknowledged finding with the low-cost front door and on-demand capacity", () => {
    expect(violationsOf(synthNameServer({ functionUrl: true, accessLogs: "off" }).cfnStack)).toEqual([]);
    expect(violationsOf(synthNameServer({ tableCapacity: { mode: "onDemand" } }).cfnStack)).toEqual([]);
  });

  it("reports no unacknowledged finding in a stack pinned to an account and region (cdk synth -c account -c region)", () => {
    // Pinned, the execute-api ARNs carry the literal partition, region and account, not pseudo parameters.
    const env = { account: "123456789012", region: "eu-west-1" };
    const brokerGroups = [{ cluster: "DefaultCluster", brokerName: "broker-a" }];
    expect(violationsOf(synthNameServer({ env, brokerGroups }).cfnStack)).toEqual([]);
    expect(violationsOf(synthNameServer({ env, openReads: true }).cfnStack)).toEqual([]);
    expect(violationsOf(synthNameServer({ env, functionUrl: true }).cfnStack)).toEqual([]);
  });

  it("acknowledges only the reviewed findings, each with a reason", () => {
    const acknowledged = acknowledgements(synthNameServer({ openReads: true }).cfnStack);
    // The access policies (README "Security"): wildcards only where reads take any name, and the
    // operator's every route; a broker group's or KV namespace's writes never need one.
    const executeApi = "AwsSolutions-IAM5[Resource::arn:<id>:execute-api:<id>:<id>:<id>/$default/";
    const invokeFindings = [...acknowledged.keys()].filter((rule) => rule.startsWith(executeApi));
    expect(invokeFindings.map((rule) => rule.slice(executeApi.length, -1)).sort()).toEqual([
      "*/*",
      "GET/brokers/*/*",
      "GET/clusters/*/topics",
      "GET/kv/*",
      "GET/kv/*/*",
      "GET/topics/*/route",
    ]);
    for (const rule of invokeFindings) acknowledged.delete(rule);
    expect([...acknowledged.keys()].sort()).toEqual([
      "AwsSolutions-APIG4",
      "AwsSolutions-IAM5[Resource::*]",
      "AwsSolutions-IAM5[Resource::<id>:*]",
      "AwsSolutions-SF2",
    ]);
    for (const [rule, reasons] of acknowledged) {
      for (const reason of reasons) expect(reason.length, rule).toBeGreaterThan(30);
    }
  });
});
