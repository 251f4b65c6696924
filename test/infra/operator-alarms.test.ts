/**
 * Operator signals (README "Security"): alarms for Lambda throttles of every function, for refused
 * (403) and failed (4xx) writes counted from the access log, for a self-preservation lasting 5
 * minutes; all to the alarm topic, which is encrypted with a rotated KMS key CloudWatch may use.
 */
import { describe, expect, it } from "vitest";
import { MetricName } from "../../lib/observability";
import { synthNameServer } from "./synth";

const synth = synthNameServer();
const resources = synth.template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const alarms = Object.entries(resources).filter(([, r]) => r.Type === "AWS::CloudWatch::Alarm");
const alarm = (prefix: string) => {
  const found = alarms.filter(([id]) => id.startsWith(prefix));
  expect(found, prefix).toHaveLength(1);
  return (found[0] as [string, { Properties: Record<string, unknown> }])[1].Properties;
};
const topicRef = { Ref: synth.logicalId(synth.stack.alarmTopic) };

describe("alarms", () => {
  it("cover the throttles of every function, 10 metrics at most per alarm", () => {
    const throttled = new Set<string>();
    const throttleAlarms = alarms.filter(([id]) => id.startsWith("LambdaThrottles"));
    expect(throttleAlarms.length).toBeGreaterThanOrEqual(2);
    for (const [, { Properties }] of throttleAlarms) {
      const metrics = (
        Properties.Metrics as {
          MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } };
        }[]
      ).filter((m) => m.MetricStat !== undefined);
      expect(metrics.length).toBeLessThanOrEqual(10);
      for (const m of metrics) {
        expect(m.MetricStat?.Metric.MetricName).toBe("Throttles");
        throttled.add(m.MetricStat?.Metric.Dimensions[0]?.Value.Ref as string);
      }
      expect(Properties).toMatchObject({ Threshold: 1, AlarmActions: [topicRef] });
    }
    const functionIds = Object.keys(synth.template.findResources("AWS::Lambda::Function"));
    expect([...throttled].sort()).toEqual(functionIds.sort());
  });

  it("fire when self-preservation has lasted 5 minutes (every sweep of 5 consecutive minutes)", () => {
    expect(alarm("SelfPreservationAlarm")).toMatchObject({
      MetricName: MetricName.SelfPreservation,
      Namespace: "NameServer",
      Statistic: "Minimum",
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: 1,
      TreatMissingData: "notBreaching",
      AlarmActions: [topicRef],
    });
  });

  it.each([
    ["WriteForbidden", '$.status = "403"', 5],
    ["WriteClientErrors", '$.status = "4*" && $.status != "409"', 50],
  ])("count %s on the write routes from the access log", (metricName, statusPattern, threshold) => {
    const filters = Object.values(synth.template.findResources("AWS::Logs::MetricFilter")).filter(
      (f) => f.Properties.MetricTransformations[0].MetricName === metricName,
    );
    expect(filters).toHaveLength(1);
    const pattern = filters[0]?.Properties.FilterPattern as string;
    expect(pattern).toContain(statusPattern);
    for (const method of ["POST", "PUT", "DELETE"]) expect(pattern).toContain(`$.routeKey = "${method} *"`);
    expect(pattern).not.toContain("GET");
    expect(filters[0]?.Properties.LogGroupName.Ref).toMatch(/^AccessLogs/);
    expect(alarm(`${metricName}Alarm`)).toMatchObject({
      MetricName: metricName,
      Statistic: "Sum",
      Period: 300,
      Threshold: threshold,
      AlarmActions: [topicRef],
    });
  });
});

describe("the alarm topic", () => {
  it("is encrypted with a rotated KMS key that CloudWatch alarms may use", () => {
    const topic = resources[synth.logicalId(synth.stack.alarmTopic)] as {
      Properties: Record<string, unknown>;
    };
    const keyId = (topic.Properties.KmsMasterKeyId as unknown as { "Fn::GetAtt": [string, string] })[
      "Fn::GetAtt"
    ][0];
    const key = resources[keyId] as { Type: string; Properties: Record<string, unknown> };
    expect(key?.Type).toBe("AWS::KMS::Key");
    expect(key?.Properties.EnableKeyRotation).toBe(true);
    const statements = (
      key.Properties.KeyPolicy as unknown as {
        Statement: { Principal?: { Service?: string }; Action: string[] }[];
      }
    ).Statement;
    const cloudwatch = statements.find((s) => s.Principal?.Service === "cloudwatch.amazonaws.com");
    expect(cloudwatch?.Action).toEqual(expect.arrayContaining(["kms:Decrypt", "kms:GenerateDataKey*"]));
  });
});
