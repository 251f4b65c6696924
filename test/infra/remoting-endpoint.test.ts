/**
 * The managed remoting endpoint (`-c remotingEndpoint=true`, infra/remoting-endpoint.ts) as it
 * synthesizes: the NLB's TCP listener on 9876 (zonal: cross-zone off, availability-zone DNS affinity),
 * the ARM64 Fargate service with at least 2 tasks and a task per zone, CPU scaling, ingress only from
 * what the user names, the health check on the gateway's /health, a task role limited to the routes the
 * gateway calls, logs with the stack's retention, the alarms, the NamesrvAddr output, no cdk-nag
 * finding; and the app itself synthesizing it offline, without Docker.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Match } from "aws-cdk-lib/assertions";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { describe, expect, it } from "vitest";
import { ENDPOINT_ZONES } from "../../bench/cost";
import { projectRoot } from "../../infra/namesrv-function";
import {
  GATEWAY_DRAIN_SECONDS,
  GATEWAY_HEALTH_PORT,
  GATEWAY_ROUTE_IDS,
  OWN_VPC_CIDR,
  OWN_VPC_ZONES,
  REMOTING_PORT,
} from "../../infra/remoting-endpoint";
import { remotingEndpointFromContext } from "../../infra/remoting-endpoint-context";
import { routes } from "../../lib/http/routes";
import { nagViolations, statementsOfRole, synthNameServer } from "./synth";

const run = promisify(execFile);

const NETWORK = {
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0bbbbbbbbbbbbbbb2"],
};

describe("the managed remoting endpoint's nlb front (-c remotingFront=nlb)", { timeout: 240_000 }, () => {
  const own = synthNameServer({ remotingEndpoint: { front: "nlb" }, logRetention: RetentionDays.TWO_WEEKS });
  const { template } = own;

  it("is an internal NLB with a TCP listener on 9876 in front of the gateway tasks", () => {
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      Type: "network",
      Scheme: "internal",
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 9876, Protocol: "TCP" });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      Port: 9876,
      Protocol: "TCP",
      TargetType: "ip",
      // Unhealthy when the gateway's /health says the registry does not answer.
      HealthCheckProtocol: "HTTP",
      HealthCheckPort: String(GATEWAY_HEALTH_PORT),
      HealthCheckPath: "/health",
      TargetGroupAttributes: Match.arrayWith([
        { Key: "deregistration_delay.timeout_seconds", Value: String(GATEWAY_DRAIN_SECONDS) },
      ]),
    });
  });

  it("runs an ARM64 Fargate service of at least 2 tasks, scaling on CPU", () => {
    template.hasResourceProperties("AWS::ECS::TaskDefinition", {
      RequiresCompatibilities: ["FARGATE"],
      RuntimePlatform: { CpuArchitecture: "ARM64", OperatingSystemFamily: "LINUX" },
      ContainerDefinitions: [
        Match.objectLike({
          Environment: Match.arrayWith([
            { Name: "NAMESRV_URL", Value: Match.anyValue() },
            { Name: "NAMESRV_GATEWAY_LISTEN", Value: `0.0.0.0:${REMOTING_PORT}` },
            { Name: "NAMESRV_GATEWAY_HEALTH_PORT", Value: String(GATEWAY_HEALTH_PORT) },
            { Name: "NAMESRV_GATEWAY_DRAIN_MS", Value: String(GATEWAY_DRAIN_SECONDS * 1000) },
          ]),
          StopTimeout: GATEWAY_DRAIN_SECONDS + 5,
          ReadonlyRootFilesystem: true,
        }),
      ],
    });
    const services = Object.values(template.findResources("AWS::ECS::Service"));
    expect(services).toHaveLength(1);
    expect(services[0]?.Properties.DesiredCount).toBeGreaterThanOrEqual(2);
    expect(services[0]?.Properties.LaunchType).toBe("FARGATE");
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalableTarget", {
      MinCapacity: 2,
      MaxCapacity: 6,
      ScalableDimension: "ecs:service:DesiredCount",
    });
    template.hasResourceProperties("AWS::ApplicationAutoScaling::ScalingPolicy", {
      PolicyType: "TargetTrackingScaling",
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: "ECSServiceAverageCPUUtilization" },
      }),
    });
    // Two Availability Zones in its own VPC.
    expect(Object.keys(template.findResources("AWS::EC2::Subnet"))).toHaveLength(2);
  });

  it("keeps each client in its zone: cross-zone off, availability-zone DNS affinity, a task per zone", () => {
    const attributes = (t: typeof template) => {
      const balancers = Object.values(t.findResources("AWS::ElasticLoadBalancingV2::LoadBalancer"));
      expect(balancers).toHaveLength(1);
      return Object.fromEntries(
        (
          (balancers[0]?.Properties.LoadBalancerAttributes ?? []) as Array<{ Key: string; Value: string }>
        ).map((attribute) => [attribute.Key, attribute.Value]),
      );
    };
    const minCapacity = (t: typeof template) =>
      Object.values(
        t.findResources("AWS::ApplicationAutoScaling::ScalableTarget", {
          Properties: { ScalableDimension: "ecs:service:DesiredCount" },
        }),
      ).map((target) => target.Properties.MinCapacity as number);
    // Its own VPC: two zones, two tasks at least.
    expect(attributes(template)).toMatchObject({
      "load_balancing.cross_zone.enabled": "false",
      "dns_record.client_routing_policy": "availability_zone_affinity",
    });
    expect(minCapacity(template)).toEqual([OWN_VPC_ZONES]);
    expect(ENDPOINT_ZONES).toBe(OWN_VPC_ZONES); // what bench/cost.ts prices

    // Your three subnets (`-c subnetIds=a,b,c`): three tasks at least, always.
    const subnetIds = [...NETWORK.subnetIds, "subnet-0ccccccccccccccc3"];
    const context: Record<string, string> = {
      remotingEndpoint: "true",
      remotingFront: "nlb",
      vpcId: NETWORK.vpcId,
      subnetIds: subnetIds.join(","),
      remotingAllowFrom: "10.20.0.0/16",
    };
    const options = remotingEndpointFromContext((key) => context[key]);
    const { template: three } = synthNameServer({ remotingEndpoint: options ?? {} });
    expect(attributes(three)).toMatchObject({
      "load_balancing.cross_zone.enabled": "false",
      "dns_record.client_routing_policy": "availability_zone_affinity",
    });
    const [min] = minCapacity(three);
    expect(min).toBeGreaterThanOrEqual(subnetIds.length);
    const services = Object.values(three.findResources("AWS::ECS::Service"));
    expect(services[0]?.Properties.DesiredCount).toBeGreaterThanOrEqual(subnetIds.length);
    expect(services[0]?.Properties.AvailabilityZoneRebalancing).toBe("ENABLED");
    // Fewer tasks than zones would leave a zone's clients without a task of their own.
    expect(() =>
      synthNameServer({
        remotingEndpoint: {
          front: "nlb",
          network: { vpcId: NETWORK.vpcId, subnetIds },
          allowFrom: ["10.20.0.0/16"],
          minTasks: 2,
        },
      }),
    ).toThrow(/remotingMinTasks.*at least the number of subnets \(3\)/);
  });

  it("opens 9876 only to the endpoint's own VPC by default, never to the world", () => {
    const ingress = Object.values(template.findResources("AWS::EC2::SecurityGroup")).flatMap(
      (group) => (group.Properties.SecurityGroupIngress ?? []) as Array<Record<string, unknown>>,
    );
    expect(ingress).toEqual([
      expect.objectContaining({ CidrIp: OWN_VPC_CIDR, FromPort: 9876, ToPort: 9876 }),
    ]);
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toContain('0.0.0.0/0","Description":"RocketMQ');
    // The tasks take traffic from the NLB's security group only (remoting and the health port).
    const taskIngress = Object.values(template.findResources("AWS::EC2::SecurityGroupIngress")).map(
      (rule) => [rule.Properties.FromPort, rule.Properties.SourceSecurityGroupId !== undefined],
    );
    expect(taskIngress.sort()).toEqual([
      [9876, true],
      [GATEWAY_HEALTH_PORT, true],
    ]);
  });

  it("gives the task role execute-api:Invoke on exactly the routes the gateway calls", () => {
    const roles = template.findResources("AWS::IAM::Role", {
      Properties: { AssumeRolePolicyDocument: Match.objectLike({}) },
    });
    const taskRole = Object.keys(roles).find((id) => id.startsWith("RemotingEndpointTaskTaskRole"));
    expect(taskRole).toBeDefined();
    const statements = statementsOfRole(template, taskRole as string);
    expect(statements.map((s) => s.Action)).toEqual(["execute-api:Invoke"]);
    const resources = JSON.stringify(statements[0]?.Resource);
    for (const id of GATEWAY_ROUTE_IDS) {
      const route = routes.find((r) => r.id === id);
      expect(route, id).toBeDefined();
      expect(resources).toContain(`/${route?.method}${route?.path.replace(/\{[^}]+\}/g, "*")}"`);
    }
    expect(((statements[0]?.Resource ?? []) as unknown[]).length).toBe(GATEWAY_ROUTE_IDS.length);
    // The dashboard-only listing and public health are not among them.
    expect(resources).not.toContain('/GET/brokers"');
  });

  it("logs with the stack's retention and alarms on unhealthy targets, SYSTEM_BUSY and overload", () => {
    template.hasResourceProperties("AWS::Logs::LogGroup", { RetentionInDays: 14 });
    for (const metric of ["SystemBusy", "OverloadRejections", "Requests"]) {
      template.hasResourceProperties("AWS::Logs::MetricFilter", {
        FilterPattern: '{ $.event = "gateway.counters" }',
        MetricTransformations: [
          Match.objectLike({ MetricName: metric, MetricNamespace: "NameServer/Gateway" }),
        ],
      });
    }
    const alarms = Object.entries(template.findResources("AWS::CloudWatch::Alarm")).filter(([id]) =>
      id.startsWith("RemotingEndpoint"),
    );
    const text = JSON.stringify(alarms);
    expect(alarms).toHaveLength(3);
    expect(text).toContain("UnHealthyHostCount");
    expect(text).toContain("100 * busy / requests");
    expect(text).toContain("OverloadRejections");
    // Each notifies the stack's alarm topic.
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
  });

  it("outputs NamesrvAddr as <nlb dns>:9876", () => {
    template.hasOutput("NamesrvAddr", {
      Value: {
        "Fn::Join": [
          "",
          [{ "Fn::GetAtt": [Match.stringLikeRegexp("^RemotingEndpointLoadBalancer"), "DNSName"] }, ":9876"],
        ],
      },
    });
  });

  it("has no unacknowledged cdk-nag finding, in its own VPC and in yours", () => {
    expect(nagViolations(own.cfnStack)).toEqual([]);
    const yours = synthNameServer({
      remotingEndpoint: { front: "nlb", network: NETWORK, allowFrom: ["10.20.0.0/16"] },
    });
    expect(nagViolations(yours.cfnStack)).toEqual([]);
  });

  it("uses existing subnets as given (no lookup) and only the named sources", () => {
    const { template: yours } = synthNameServer({
      remotingEndpoint: { front: "nlb", network: NETWORK, allowFrom: ["10.20.0.0/16", "192.168.1.0/24"] },
    });
    expect(Object.keys(yours.findResources("AWS::EC2::VPC"))).toEqual([]);
    yours.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", { Subnets: NETWORK.subnetIds });
    yours.hasResourceProperties("AWS::ECS::Service", {
      NetworkConfiguration: {
        AwsvpcConfiguration: Match.objectLike({ Subnets: NETWORK.subnetIds, AssignPublicIp: "DISABLED" }),
      },
    });
    const cidrs = Object.values(yours.findResources("AWS::EC2::SecurityGroup"))
      .flatMap((group) => (group.Properties.SecurityGroupIngress ?? []) as Array<{ CidrIp?: string }>)
      .map((rule) => rule.CidrIp);
    expect(cidrs.sort()).toEqual(["10.20.0.0/16", "192.168.1.0/24"]);
  });

  it("with remoting accounts, gives the tasks the ACL secret's ARN and a read grant on that secret alone", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:namesrv-acl-AbCdEf";
    const { template: withAcl } = synthNameServer({ remotingEndpoint: { aclSecretArn: arn } });
    withAcl.hasResourceProperties("AWS::ECS::TaskDefinition", {
      ContainerDefinitions: [
        Match.objectLike({ Environment: Match.arrayWith([{ Name: "NAMESRV_ACL_SECRET_ARN", Value: arn }]) }),
      ],
    });
    withAcl.hasResourceProperties("AWS::IAM::Policy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
            Resource: arn,
          }),
        ]),
      },
    });
    const context: Record<string, string> = { remotingEndpoint: "true", remotingAclSecretArn: "namesrv-acl" };
    expect(() => remotingEndpointFromContext((key) => context[key])).toThrow(/complete ARN/);
  });

  it("refuses what would open it to anyone or leave it unreachable, naming the option", () => {
    expect(() => synthNameServer({ remotingEndpoint: { allowFrom: ["0.0.0.0/0"] } })).toThrow(
      /0\.0\.0\.0\/0/,
    );
    expect(() => synthNameServer({ remotingEndpoint: { network: NETWORK } })).toThrow(/remotingAllowFrom/);
    expect(() =>
      synthNameServer({
        remotingEndpoint: {
          network: { ...NETWORK, subnetIds: ["subnet-0aaaaaaaaaaaaaaa1"] },
          allowFrom: ["10.0.0.0/8"],
        },
      }),
    ).toThrow(/at least 2 subnets/);
    expect(() => synthNameServer({ remotingEndpoint: { minTasks: 1 } })).toThrow(
      /minTasks must be at least 2/,
    );
  });
});

describe("context options", () => {
  const from = (context: Record<string, string>) => remotingEndpointFromContext((key) => context[key]);

  it("reads -c remotingEndpoint=true with the VPC, subnets and sources as given", () => {
    expect(from({})).toBeUndefined();
    expect(from({ remotingEndpoint: "true" })).toEqual({});
    expect(
      from({
        remotingEndpoint: "true",
        vpcId: NETWORK.vpcId,
        subnetIds: NETWORK.subnetIds.join(","),
        remotingAllowFrom: "10.0.0.0/16, 10.1.0.0/16",
        remotingMaxTasks: "10",
      }),
    ).toEqual({ network: NETWORK, allowFrom: ["10.0.0.0/16", "10.1.0.0/16"], maxTasks: 10 });
  });

  it("refuses endpoint options without remotingEndpoint=true, and a VPC without subnets", () => {
    expect(() => from({ vpcId: NETWORK.vpcId })).toThrow(/remotingEndpoint=true/);
    expect(() => from({ remotingEndpoint: "true", vpcId: NETWORK.vpcId })).toThrow(/vpcId and subnetIds/);
    expect(() => from({ remotingEndpoint: "yes" })).toThrow(/true or false/);
  });
});

describe("the image the endpoint builds", () => {
  it("declares the ports and drain time the construct configures", async () => {
    const dockerfile = await readFile(join(projectRoot, "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(new RegExp(`NAMESRV_GATEWAY_HEALTH_PORT=${GATEWAY_HEALTH_PORT}\\b`));
    expect(dockerfile).toMatch(new RegExp(`NAMESRV_GATEWAY_LISTEN=0\\.0\\.0\\.0:${REMOTING_PORT}\\b`));
    expect(dockerfile).toMatch(new RegExp(`NAMESRV_GATEWAY_DRAIN_MS=${GATEWAY_DRAIN_SECONDS * 1000}\\b`));
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
  });

  it("from an installed package, Dockerfile.package runs what the repository's Dockerfile runs", async () => {
    const stages = async (file: string) => {
      const text = (await readFile(join(projectRoot, file), "utf8")).replace(/\\\n\s*/g, " ");
      const runtime = text.slice(text.lastIndexOf("\nFROM ") + 1);
      const json = (instruction: string) =>
        JSON.parse(new RegExp(`^${instruction} (\\[.*\\])$`, "m").exec(runtime)?.[1] ?? "null") as unknown;
      const env = Object.fromEntries(
        [...runtime.matchAll(/^ENV (.*)$/gm)].flatMap(([, body]) =>
          [...(body ?? "").matchAll(/(\w+)=(\S+)/g)].map(([, key, value]) => [key, value]),
        ),
      );
      return { text, runtime, entrypoint: json("ENTRYPOINT"), cmd: json("CMD"), env };
    };
    const repository = await stages("Dockerfile");
    const packaged = await stages("Dockerfile.package");
    // The same ENTRYPOINT, CMD and ENV (what test/interop/gateway-fleet.interop.test.ts runs as a
    // process), and indeed the same runtime stage, line for line.
    expect(repository.entrypoint).toEqual([
      "node",
      "/opt/namesrv/node_modules/serverless-namesrv/dist/bin/namesrv.js",
    ]);
    expect(packaged.entrypoint).toEqual(repository.entrypoint);
    expect(packaged.cmd).toEqual(repository.cmd);
    expect(packaged.env).toEqual(repository.env);
    expect(Object.keys(packaged.env)).toContain("NAMESRV_GATEWAY_DRAIN_MS");
    expect(packaged.runtime).toBe(repository.runtime);
    // It compiles nothing: no npm ci, no build, only the package's own dist/ packed as it is.
    expect(packaged.text).not.toMatch(/npm (ci|run build)/);
    expect(packaged.text).toMatch(/npm pack --ignore-scripts/);
    const manifest = JSON.parse(await readFile(join(projectRoot, "package.json"), "utf8")) as {
      files: string[];
    };
    expect(manifest.files).toContain("Dockerfile.package");
  });

  it("`cdk synth -c remotingEndpoint=true` (the app, cdk-nag on) synthesizes without Docker or AWS", {
    timeout: 240_000,
  }, async () => {
    const out = await mkdtemp(join(tmpdir(), "namesrv-synth-"));
    try {
      await run(process.execPath, ["--import", "tsx", join(projectRoot, "infra/app.ts")], {
        cwd: projectRoot,
        env: {
          ...process.env,
          // What the CDK CLI hands the app; no bundling (bundle.test.ts bundles), and no Docker on PATH.
          CDK_OUTDIR: out,
          CDK_CONTEXT_JSON: JSON.stringify({
            ...JSON.parse(await readFile(join(projectRoot, "cdk.json"), "utf8")).context,
            remotingEndpoint: "true",
            "aws:cdk:bundling-stacks": [],
          }),
          PATH: "/nonexistent",
        },
        maxBuffer: 16 * 1024 * 1024,
      });
      const template = JSON.parse(await readFile(join(out, "NameServer.template.json"), "utf8"));
      expect(template.Outputs.NamesrvAddr).toBeDefined();
      const assets = JSON.parse(await readFile(join(out, "NameServer.assets.json"), "utf8"));
      const images = Object.values(assets.dockerImages ?? {}) as Array<{
        source: { dockerFile: string; platform: string };
      }>;
      expect(images.map((image) => image.source)).toEqual([
        expect.objectContaining({ dockerFile: "Dockerfile", platform: "linux/arm64" }),
      ]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
