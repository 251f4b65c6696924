/**
 * The stateful resources keep their identity (README "The package"): CloudFormation replaces a
 * resource whose logical id changes, so a refactor that moves the table under another construct
 * would create a new, empty table on the next deploy (and retain or delete the old one), a moved log
 * group would lose its history, a new API a new URL every client has, a new key or topic their
 * subscriptions, a new managed policy its attachments. These ids are pinned, literally.
 */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { NameServer } from "../../infra/name-server";
import { synthNameServer } from "./synth";

/** Logical id → resource type, in the repository's stack (infra/app.ts). */
const PINNED: Record<string, string> = {
  TableCD117FA1: "AWS::DynamoDB::Table",
  HttpApiF5A9A8A7: "AWS::ApiGatewayV2::Api",
  DefaultStageEE28A986: "AWS::ApiGatewayV2::Stage",
  AccessLogs8B620ECA: "AWS::Logs::LogGroup",
  RegisterBrokerFunctionLogGroup73EFB728: "AWS::Logs::LogGroup",
  TouchBrokerFunctionLogGroupE4E01895: "AWS::Logs::LogGroup",
  QueryDataVersionFunctionLogGroup9654FAEC: "AWS::Logs::LogGroup",
  UnregisterBrokerFunctionLogGroup2736CF99: "AWS::Logs::LogGroup",
  ListBrokersFunctionLogGroup6E2C6285: "AWS::Logs::LogGroup",
  GetBrokerMemberGroupFunctionLogGroup3F3DE049: "AWS::Logs::LogGroup",
  SetWritePermFunctionLogGroupFD79C29D: "AWS::Logs::LogGroup",
  GetRouteInfoByTopicFunctionLogGroupBA03AF35: "AWS::Logs::LogGroup",
  GetAllTopicListFunctionLogGroup32E7FC5D: "AWS::Logs::LogGroup",
  RegisterTopicFunctionLogGroup93BE94BB: "AWS::Logs::LogGroup",
  DeleteTopicFunctionLogGroupE3EFC47C: "AWS::Logs::LogGroup",
  GetBrokerClusterInfoFunctionLogGroupD41D1D7F: "AWS::Logs::LogGroup",
  GetTopicsByClusterFunctionLogGroup5B687B9E: "AWS::Logs::LogGroup",
  PutKvConfigFunctionLogGroup60D9540B: "AWS::Logs::LogGroup",
  GetKvConfigFunctionLogGroup96807E9F: "AWS::Logs::LogGroup",
  DeleteKvConfigFunctionLogGroup45DBB0CA: "AWS::Logs::LogGroup",
  GetKvListFunctionLogGroupEE4E70BC: "AWS::Logs::LogGroup",
  GetRoutesFunctionLogGroup9B90CDC8: "AWS::Logs::LogGroup",
  GetKvQueryFunctionLogGroup622910F0: "AWS::Logs::LogGroup",
  GetNamesrvConfigFunctionLogGroup4BF18E5F: "AWS::Logs::LogGroup",
  UpdateNamesrvConfigFunctionLogGroup52A91BAE: "AWS::Logs::LogGroup",
  HealthFunctionLogGroup8350B222: "AWS::Logs::LogGroup",
  GetHistoryFunctionLogGroup4C825FE1: "AWS::Logs::LogGroup",
  DefaultRouteFunctionLogGroup3A3C3076: "AWS::Logs::LogGroup",
  SweeperFunctionLogGroup40FAA7C8: "AWS::Logs::LogGroup",
  SweepStateMachineLogs7E9E89C3: "AWS::Logs::LogGroup",
  AlarmTopicKey57B0D3A7: "AWS::KMS::Key",
  AlarmTopicD01E77F9: "AWS::SNS::Topic",
  Dashboard9E4231ED: "AWS::CloudWatch::Dashboard",
  ProducerPolicy1E6909B0: "AWS::IAM::ManagedPolicy",
  OperatorPolicy63C1EB6F: "AWS::IAM::ManagedPolicy",
  BrokerPolicy0C307BD33: "AWS::IAM::ManagedPolicy",
};

/** Types whose every resource must be pinned: a new one of these is a new empty table, log, API... */
const STATEFUL_TYPES = new Set(Object.values(PINNED));

function typesById(template: Template): Map<string, string> {
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  return new Map(Object.entries(resources).map(([id, resource]) => [id, resource.Type]));
}

describe("logical ids of the stateful resources", { timeout: 120_000 }, () => {
  const synth = synthNameServer({ brokerGroups: [{ cluster: "DefaultCluster", brokerName: "broker-a" }] });
  const found = typesById(synth.template);

  it("are the pinned ones in the repository's stack", () => {
    for (const [id, type] of Object.entries(PINNED)) expect([id, found.get(id)]).toEqual([id, type]);
  });

  it("leave no stateful resource unpinned", () => {
    const stateful = [...found].filter(([, type]) => STATEFUL_TYPES.has(type)).map(([id]) => id);
    expect(stateful.sort()).toEqual(Object.keys(PINNED).sort());
  });

  it("are the construct's path in a user's own stack (the same resources under its id)", () => {
    const stack = new Stack(new App({ context: { "aws:cdk:bundling-stacks": [] } }), "UserStack");
    new NameServer(stack, "Ns", { brokerGroups: [{ cluster: "DefaultCluster", brokerName: "broker-a" }] });
    const embedded = typesById(Template.fromStack(stack));
    const stateful = [...embedded].filter(([, type]) => STATEFUL_TYPES.has(type));
    expect(stateful.length).toBe(Object.keys(PINNED).length);
    for (const [id] of stateful) expect(id.startsWith("Ns")).toBe(true);
    expect(stateful.some(([id, type]) => type === "AWS::DynamoDB::Table" && id.startsWith("NsTable"))).toBe(
      true,
    );
  });
});
