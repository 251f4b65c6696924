/**
 * A broker can only write as itself (README "Security"): the synthesized IAM policies, evaluated
 * against the execute-api ARNs that real requests carry, allow a broker-a role its own group's writes
 * and route reads, and nothing of broker-b, of another cluster, of the unscoped forms or of the
 * operator. The exported managed policies and the grant methods say the same.
 */
import * as iam from "aws-cdk-lib/aws-iam";
import { describe, expect, it } from "vitest";
import { brokerWriteGrants } from "../../infra/api-access";
import { type RouteDefinition, routes } from "../../lib/http/routes";
import { FAKE, isAllowed, resolveIntrinsics, type Statement } from "../support/iam-evaluate";
import { synthNameServer } from "./synth";

const synth = synthNameServer(
  { brokerGroups: [{ cluster: "DefaultCluster", brokerName: "broker-a" }] },
  (stack) => {
    const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.AccountRootPrincipal() });
    const brokerA = role("BrokerARole");
    stack.grantBrokerWrites(brokerA, { cluster: "DefaultCluster", brokerName: "broker-a" });
    stack.grantRouteReads(brokerA);
    stack.grantRouteReads(role("ProducerRole"));
    stack.grantOperator(role("OperatorRole"));
    stack.grantKvWrites(role("KvWriterRole"), { namespace: "ns-a" });
  },
);
const resources = synth.template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const apiId = synth.logicalId(synth.stack.httpApi);

/** Statements of the inline policies on a role (by logical id) and of its managed policies. */
function statementsOfRole(roleId: string): Statement[] {
  const statements: Statement[] = [];
  for (const resource of Object.values(resources)) {
    if (resource.Type !== "AWS::IAM::Policy") continue;
    const roles = JSON.stringify(resource.Properties.Roles ?? []);
    if (!roles.includes(JSON.stringify({ Ref: roleId }))) continue;
    const document = resolveIntrinsics(resource.Properties.PolicyDocument) as { Statement: Statement[] };
    statements.push(...document.Statement);
  }
  return statements;
}

function statementsOfManagedPolicy(policy: iam.ManagedPolicy): Statement[] {
  const resource = resources[synth.logicalId(policy)];
  expect(resource?.Type).toBe("AWS::IAM::ManagedPolicy");
  const document = resolveIntrinsics(resource?.Properties.PolicyDocument) as { Statement: Statement[] };
  return document.Statement;
}

const roleId = (id: string) => {
  const found = Object.keys(resources).find(
    (logicalId) => resources[logicalId]?.Type === "AWS::IAM::Role" && logicalId.startsWith(id),
  );
  if (found === undefined) throw new Error(`no role ${id}`);
  return found;
};

/** The ARN API Gateway authorizes for a request: `…:apiId/$default/METHOD/path` (decoded path). */
const invokeArn = (method: string, path: string) =>
  `arn:${FAKE.partition}:execute-api:${FAKE.region}:${FAKE.account}:${apiId}/$default/${method}${path}`;

const can = (statements: Statement[], method: string, path: string) =>
  isAllowed(statements, { action: "execute-api:Invoke", resource: invokeArn(method, path) });

/** A concrete request path for a route, with these names. */
function pathOf(route: RouteDefinition, names: Record<string, string> = {}): string {
  const values: Record<string, string> = {
    clusterName: "DefaultCluster",
    brokerName: "broker-a",
    topic: "TopicTest",
    namespace: "ns-a",
    key: "k",
    ...names,
  };
  return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => values[name] ?? "x");
}

const brokerScoped = routes.filter((route) => route.path.startsWith("/clusters/{clusterName}/brokers/"));
const writes = routes.filter((route) => route.access === "write");
const reads = routes.filter((route) => route.access === "read");

describe.each([
  [
    "the role given grantBrokerWrites(broker-a) + grantRouteReads",
    () => statementsOfRole(roleId("BrokerARole")),
  ],
  [
    "the exported managed policy of broker-a",
    () => statementsOfManagedPolicy(synth.stack.brokerPolicies.get("DefaultCluster/broker-a") as never),
  ],
])("%s", (_, statementsOf) => {
  const statements = statementsOf();

  it("may write its own group through every scoped broker route", () => {
    expect(brokerScoped.length).toBeGreaterThanOrEqual(2);
    for (const route of brokerScoped) {
      expect(can(statements, route.method, pathOf(route)), route.id).toBe(true);
    }
  });

  it("may not write broker-b, nor broker-a of another cluster, nor a name that merely starts alike", () => {
    for (const route of brokerScoped) {
      const others: Record<string, string>[] = [
        { brokerName: "broker-b" },
        { brokerName: "broker-ab" },
        { brokerName: "broker-a.evil" },
        { clusterName: "OtherCluster" },
      ];
      for (const names of others) {
        expect(
          can(statements, route.method, pathOf(route, names)),
          `${route.id} ${JSON.stringify(names)}`,
        ).toBe(false);
      }
    }
  });

  it("may not use any other write: unscoped forms, write perm, topic delete, KV, config", () => {
    for (const route of writes.filter((candidate) => !brokerScoped.includes(candidate))) {
      expect(can(statements, route.method, pathOf(route)), route.id).toBe(false);
    }
  });

  it("may read routes", () => {
    for (const route of reads) expect(can(statements, route.method, pathOf(route)), route.id).toBe(true);
  });
});

describe("the producer (route reads) policy and role", () => {
  for (const [label, statements] of [
    ["managed policy", statementsOfManagedPolicy(synth.stack.producerPolicy)],
    ["role", statementsOfRole(roleId("ProducerRole"))],
  ] as const) {
    it(`${label}: every read, no write at all`, () => {
      for (const route of reads) expect(can(statements, route.method, pathOf(route)), route.id).toBe(true);
      for (const route of writes) expect(can(statements, route.method, pathOf(route)), route.id).toBe(false);
    });
  }
});

describe("the operator policy and role", () => {
  it("allow every route", () => {
    for (const statements of [
      statementsOfManagedPolicy(synth.stack.operatorPolicy),
      statementsOfRole(roleId("OperatorRole")),
    ]) {
      for (const route of routes) expect(can(statements, route.method, pathOf(route)), route.id).toBe(true);
    }
  });
});

describe("grantKvWrites(ns-a)", () => {
  const statements = statementsOfRole(roleId("KvWriterRole"));
  it("allows the scoped KV writes of ns-a only", () => {
    const kvScoped = writes.filter((route) => route.path.startsWith("/namespaces/"));
    expect(kvScoped.map((route) => route.method).sort()).toEqual(["DELETE", "PUT"]);
    for (const route of kvScoped) {
      expect(can(statements, route.method, pathOf(route)), route.id).toBe(true);
      expect(can(statements, route.method, pathOf(route, { namespace: "ns-b" })), route.id).toBe(false);
    }
    for (const route of writes.filter((candidate) => !kvScoped.includes(candidate))) {
      expect(can(statements, route.method, pathOf(route)), route.id).toBe(false);
    }
  });
});

describe("grant methods refuse names an ARN cannot bind", () => {
  it.each([
    { cluster: "DefaultCluster", brokerName: "*" },
    { cluster: "Default*", brokerName: "broker-a" },
    { cluster: "DefaultCluster", brokerName: "%RETRY%x" },
  ])("%j", (group) => {
    expect(() => brokerWriteGrants(group)).toThrow(/not a plain name/);
  });
});

describe("the evaluator itself", () => {
  it("denies without an Allow, honours wildcards and an explicit Deny", () => {
    const allow: Statement = {
      Effect: "Allow",
      Action: "execute-api:Invoke",
      Resource: invokeArn("GET", "/topics/*"),
    };
    expect(can([allow], "GET", "/topics/a/route")).toBe(true);
    expect(can([allow], "POST", "/topics/a/route")).toBe(false);
    expect(can([], "GET", "/topics")).toBe(false);
    expect(can([allow, { ...allow, Effect: "Deny" }], "GET", "/topics/a/route")).toBe(false);
  });
});
