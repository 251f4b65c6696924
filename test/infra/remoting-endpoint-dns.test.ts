/**
 * The managed remoting endpoint's default front, `dns` (infra/remoting-endpoint-dns.ts), as it
 * synthesizes: no load balancer; one Fargate service per zone, each in its own subnet and registered
 * in the stack's private DNS namespace under `zone-<n>` (A records, 10 s TTL); the container's
 * liveness check; 9876 open to the named sources on the tasks themselves; per-zone scaling and a
 * per-zone "no task" alarm; the outputs brokers and clients copy; the context options; no cdk-nag
 * finding.
 */
import { Match, type Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ENDPOINT_ZONES } from "../../bench/cost";
import { GATEWAY_HEALTH_PORT, OWN_VPC_CIDR, OWN_VPC_ZONES } from "../../infra/remoting-endpoint";
import { remotingEndpointFromContext } from "../../infra/remoting-endpoint-context";
import { livenessCheckCommand, ZONE_DNS_TTL_SECONDS } from "../../infra/remoting-endpoint-dns";
import { nagViolations, synthNameServer } from "./synth";

const NETWORK = {
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2", "subnet-0ccccccccccccccc3"],
};

/** Each ECS service with its subnets, its desired count, its Cloud Map name and its scaling bounds. */
function zoneServices(template: Template) {
  const registries = template.findResources("AWS::ServiceDiscovery::Service");
  const targets = Object.values(template.findResources("AWS::ApplicationAutoScaling::ScalableTarget"));
  return Object.entries(template.findResources("AWS::ECS::Service")).map(([id, service]) => {
    const registryId = service.Properties.ServiceRegistries?.[0]?.RegistryArn?.["Fn::GetAtt"]?.[0];
    const target = targets.find((t) => JSON.stringify(t.Properties.ResourceId).includes(`"${id}"`));
    return {
      subnets: service.Properties.NetworkConfiguration.AwsvpcConfiguration.Subnets as unknown[],
      desired: service.Properties.DesiredCount as number,
      name: registryId === undefined ? undefined : (registries[registryId]?.Properties.Name as string),
      dns: registryId === undefined ? undefined : registries[registryId]?.Properties.DnsConfig,
      min: target?.Properties.MinCapacity as number,
      max: target?.Properties.MaxCapacity as number,
    };
  });
}

describe("the managed remoting endpoint's dns front (the default)", { timeout: 240_000 }, () => {
  const own = synthNameServer({ remotingEndpoint: {} });
  const { template } = own;

  it("has no load balancer: a private DNS namespace named after the stack, in the endpoint's VPC", () => {
    expect(template.findResources("AWS::ElasticLoadBalancingV2::LoadBalancer")).toEqual({});
    expect(template.findResources("AWS::ElasticLoadBalancingV2::TargetGroup")).toEqual({});
    template.resourceCountIs("AWS::ServiceDiscovery::PrivateDnsNamespace", 1);
    template.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", {
      Name: "nameservertest.internal",
      Vpc: { Ref: Match.stringLikeRegexp("^RemotingEndpointVpc") },
    });
  });

  it("runs one service per zone, each in its own subnet under its own name, a task each at least", () => {
    const services = zoneServices(template);
    expect(services).toHaveLength(OWN_VPC_ZONES);
    expect(ENDPOINT_ZONES).toBe(OWN_VPC_ZONES); // what bench/cost.ts prices
    expect(services.map((s) => s.name).sort()).toEqual(["zone-1", "zone-2"]);
    for (const service of services) {
      expect(service.subnets).toHaveLength(1);
      expect(service.dns).toMatchObject({
        DnsRecords: [{ Type: "A", TTL: ZONE_DNS_TTL_SECONDS }],
        RoutingPolicy: "MULTIVALUE",
      });
      // Defaults: min max(2, zones) = 2 and max 6, split over the two zones.
      expect(service).toMatchObject({ desired: 1, min: 1, max: 3 });
    }
    expect(new Set(services.map((s) => JSON.stringify(s.subnets))).size).toBe(OWN_VPC_ZONES);
    // Each zone's service scales on its own CPU.
    template.resourcePropertiesCountIs(
      "AWS::ApplicationAutoScaling::ScalingPolicy",
      {
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
        }),
      },
      OWN_VPC_ZONES,
    );
  });

  it("checks the gateway's liveness in the container (what ECS reports to Cloud Map)", () => {
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      ContainerDefinitions: [
        Match.objectLike({
          HealthCheck: Match.objectLike({ Command: livenessCheckCommand(GATEWAY_HEALTH_PORT) }),
        }),
      ],
    });
  });

  it("opens 9876 on the tasks to the endpoint's own VPC only, and nothing else comes in", () => {
    const groups = Object.values(template.findResources("AWS::EC2::SecurityGroup"));
    const ingress = groups.flatMap(
      (group) => (group.Properties.SecurityGroupIngress ?? []) as Array<Record<string, unknown>>,
    );
    expect(ingress).toEqual([
      expect.objectContaining({ CidrIp: OWN_VPC_CIDR, FromPort: 9876, ToPort: 9876 }),
    ]);
    expect(template.findResources("AWS::EC2::SecurityGroupIngress")).toEqual({});
  });

  it("alarms on SYSTEM_BUSY, overload and a zone without a running task", () => {
    const alarms = Object.entries(template.findResources("AWS::CloudWatch::Alarm")).filter(([id]) =>
      id.startsWith("RemotingEndpoint"),
    );
    expect(alarms).toHaveLength(2 + OWN_VPC_ZONES);
    const noTask = alarms.filter(([id]) => /Zone\dNoTaskAlarm/.test(id)).map(([, alarm]) => alarm.Properties);
    expect(noTask).toHaveLength(OWN_VPC_ZONES);
    for (const alarm of noTask) {
      expect(alarm).toMatchObject({
        Namespace: "AWS/ECS",
        MetricName: "CPUUtilization",
        Statistic: "SampleCount",
        ComparisonOperator: "LessThanThreshold",
        Threshold: 1,
        // No task, no sample: missing data is the alarm.
        TreatMissingData: "breaching",
      });
    }
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it("outputs every zone's namesrvAddr as RocketMQ's list, and each zone's by its Availability Zone", () => {
    template.hasOutput("NamesrvAddr", {
      Value: "zone-1.nameservertest.internal:9876;zone-2.nameservertest.internal:9876",
    });
    const byZone = JSON.stringify(template.findOutputs("NamesrvAddrByZone").NamesrvAddrByZone?.Value);
    expect(byZone).toContain('{"Fn::Select":[0,{"Fn::GetAZs":""}]},"zone-1.nameservertest.internal:9876"');
    expect(byZone).toContain('{"Fn::Select":[1,{"Fn::GetAZs":""}]},"zone-2.nameservertest.internal:9876"');
  });

  it("in your subnets: a service per subnet, the bounds split over them, named by zone when given", () => {
    const context: Record<string, string> = {
      remotingEndpoint: "true",
      vpcId: NETWORK.vpcId,
      subnetIds: NETWORK.subnetIds.join(","),
      subnetAvailabilityZones: "eu-west-1a,eu-west-1b,eu-west-1c",
      remotingAllowFrom: "10.20.0.0/16",
      remotingDomain: "rocketmq.prod.internal",
      remotingMinTasks: "4",
      remotingMaxTasks: "9",
    };
    const { template: yours, cfnStack } = synthNameServer({
      remotingEndpoint: remotingEndpointFromContext((key) => context[key]) ?? {},
    });
    const services = zoneServices(yours);
    expect(services.map((s) => s.subnets).sort()).toEqual(NETWORK.subnetIds.map((id) => [id]));
    // 4 tasks over 3 zones: 2 each (rounded up, never fewer than asked); 9: 3 each.
    for (const service of services) expect(service).toMatchObject({ desired: 2, min: 2, max: 3 });
    yours.hasResourceProperties("AWS::ServiceDiscovery::PrivateDnsNamespace", {
      Name: "rocketmq.prod.internal",
      Vpc: NETWORK.vpcId,
    });
    yours.hasOutput("NamesrvAddrByZone", {
      Value:
        "eu-west-1a=zone-1.rocketmq.prod.internal:9876,eu-west-1b=zone-2.rocketmq.prod.internal:9876,eu-west-1c=zone-3.rocketmq.prod.internal:9876",
    });
    const cidrs = Object.values(yours.findResources("AWS::EC2::SecurityGroup"))
      .flatMap((group) => (group.Properties.SecurityGroupIngress ?? []) as Array<{ CidrIp?: string }>)
      .map((rule) => rule.CidrIp);
    expect(cidrs).toEqual(["10.20.0.0/16"]);
    expect(nagViolations(cfnStack)).toEqual([]);
  });

  it("has no unacknowledged cdk-nag finding in its own VPC", () => {
    expect(nagViolations(own.cfnStack)).toEqual([]);
  });

  it("refuses a bad domain, an unknown front, a domain for the NLB and too few tasks, naming the option", () => {
    expect(() => synthNameServer({ remotingEndpoint: { domainName: "Bad_Name.internal" } })).toThrow(
      /remotingDomain "Bad_Name.internal"/,
    );
    expect(() =>
      synthNameServer({
        remotingEndpoint: { network: NETWORK, allowFrom: ["10.20.0.0/16"], minTasks: 2 },
      }),
    ).toThrow(/remotingMinTasks.*at least the number of subnets \(3\)/);
    const from = (context: Record<string, string>) => remotingEndpointFromContext((key) => context[key]);
    expect(from({ remotingEndpoint: "true", remotingFront: "dns" })).toEqual({ front: "dns" });
    expect(from({ remotingEndpoint: "true", remotingFront: "nlb" })).toEqual({ front: "nlb" });
    expect(() => from({ remotingEndpoint: "true", remotingFront: "alb" })).toThrow(
      /remotingFront must be dns or nlb/,
    );
    expect(() =>
      from({ remotingEndpoint: "true", remotingFront: "nlb", remotingDomain: "namesrv.internal" }),
    ).toThrow(/remotingDomain/);
    expect(() => from({ remotingFront: "dns" })).toThrow(/remotingEndpoint=true/);
  });
});
