/**
 * The managed remoting endpoint (`-c remotingEndpoint=true`): RocketMQ's `namesrvAddr` from one
 * `cdk deploy`. Fargate tasks (ARM64) run `namesrv gateway` (the repository's Dockerfile, or from an
 * installed package its Dockerfile.package: infra/gateway-image.ts; built by `cdk deploy`) against the
 * stack's own HTTP API, signing with the task role. Its CDK context: infra/remoting-endpoint-context.ts.
 *
 * Two fronts (`-c remotingFront`), what brokers and clients connect to:
 * - `dns` (default; infra/remoting-endpoint-dns.ts): no load balancer. One Fargate service per zone
 *   (subnet), each a name in a private DNS namespace (Cloud Map: `zone-1.<domain>`, A records of that
 *   zone's healthy tasks). Brokers and clients name their own zone's in `namesrvAddr` and never cross
 *   zones; every byte is then the tasks' own, with no per-byte charge of a load balancer (docs/performance.md).
 * - `nlb` (infra/remoting-endpoint-nlb.ts): one internal Network Load Balancer, one address for every
 *   zone, zonal (cross-zone off, availability-zone DNS affinity), with its per-byte capacity units.
 *
 * - Network: the user's VPC and subnets (`vpcId` + `subnetIds`, taken as given: no lookup, so
 *   `cdk synth` stays offline), or a small VPC of its own (2 AZs, public subnets, no NAT gateway;
 *   the tasks get public IPs to reach the API and ECR, and take no inbound traffic but 9876 from the
 *   named sources).
 * - Reachable only from `allowFrom` CIDRs and `allowFromSecurityGroups`; never 0.0.0.0/0.
 * - At least one task per subnet's zone at all times (≥ 2), scaling on CPU (the gateway is one Node
 *   thread: CPU is what runs out first; README "RocketMQ on AWS in one deploy" has the measured
 *   capacity of one task).
 * - Graceful replacement: on SIGTERM the gateway stops accepting, answers GO_AWAY to 5.x clients (they
 *   reconnect to another task), finishes what is in flight and exits within the drain time. It never
 *   unregisters the brokers connected to it when it is the one going away.
 * - Alarms: SYSTEM_BUSY answers (registry unreachable or throttling) above 1 % of requests and overload
 *   rejections, from the gateway's once-a-minute counters line (metric filters on the task's log group:
 *   no PutMetricData permission, no agent), and the front's own (a zone without a running task;
 *   unhealthy NLB targets).
 */

import { Duration, Stack, Validations } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import type * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import { Construct } from "constructs";
import { type HttpMethod, routes as routeTable } from "../lib/http/routes";
import { gatewayImageAsset } from "./gateway-image";
import { livenessCheckCommand, zonalDnsFront, zoneDomainName } from "./remoting-endpoint-dns";
import { type FrontInputs, loadBalancerFront } from "./remoting-endpoint-nlb";

/** RocketMQ's NameServer port: what brokers and clients put in `namesrvAddr`. */
export const REMOTING_PORT = 9876;
/** The gateway's `GET /health` port inside the task (the Dockerfile's NAMESRV_GATEWAY_HEALTH_PORT). */
export const GATEWAY_HEALTH_PORT = 9880;
/**
 * How long a replaced task drains (the gateway's --drain-timeout, in seconds). The target group's
 * deregistration delay is the same: the NLB sends no new connection to a draining task, the task
 * sends GO_AWAY and closes what is left within this time.
 */
export const GATEWAY_DRAIN_SECONDS = 15;
/** The namespace of the gateway's counters (metric filters on its log group). */
export const GATEWAY_METRICS_NAMESPACE = "NameServer/Gateway";

/**
 * The routes of the API the gateway calls (lib/remoting's processors through NameServerClient): the
 * task role gets exactly these. Brokers of any group register through the endpoint, so broker writes
 * are granted for any cluster and group (`*`), as RocketMQ's own NameServer accepts any broker.
 */
export const GATEWAY_ROUTE_IDS = [
  "RegisterBroker",
  "TouchBroker",
  "QueryDataVersion",
  "UnregisterBroker",
  "RegisterBrokerInGroup",
  "TouchBrokerInGroup",
  "QueryDataVersionInGroup",
  "UnregisterBrokerInGroup",
  "GetBrokerMemberGroup",
  "SetWritePerm",
  "GetRouteInfoByTopicQuery",
  "GetRoutes",
  "GetBrokerClusterInfo",
  "GetAllTopicList",
  "GetTopicsByCluster",
  "RegisterTopic",
  "DeleteTopicQuery",
  "PutKvConfigQuery",
  "GetKvQuery",
  "DeleteKvConfigQuery",
  "PutKvConfigInNamespace",
  "DeleteKvConfigInNamespace",
  "GetNamesrvConfig",
  "UpdateNamesrvConfig",
] as const;

export interface RemotingEndpointNetwork {
  readonly vpcId: string;
  /** At least two subnets in different Availability Zones, with a route to the internet (NAT) or `assignPublicIp`. */
  readonly subnetIds: readonly string[];
  /** The subnets' AZs, same order (optional: only used to check they differ). */
  readonly availabilityZones?: readonly string[];
}

/** The endpoint's options as the NameServer construct takes them (it supplies the registry, logs and alarms). */
export type RemotingEndpointOptions = Omit<
  RemotingEndpointProps,
  "registryUrl" | "invokeArn" | "logRetention" | "alarmAction"
> & {
  /** `-c remotingAclSecretArn`: the ACL secret by its complete ARN (the construct then imports it as aclSecret). */
  readonly aclSecretArn?: string;
};

export interface RemotingEndpointProps {
  /** The registry's HTTP API URL (the stack's ApiUrl). */
  readonly registryUrl: string;
  /** The execute-api ARN of one route (`method`, `path` with `*` for any value) on the stage. */
  readonly invokeArn: (method: HttpMethod | "*", path: string) => string;
  /** An existing VPC and subnets; without it the endpoint creates a small VPC of its own. */
  readonly network?: RemotingEndpointNetwork;
  /** CIDRs allowed to connect to 9876 (brokers, clients, mqadmin). */
  readonly allowFrom?: readonly string[];
  /** Security groups allowed to connect to 9876. */
  readonly allowFromSecurityGroups?: readonly ec2.ISecurityGroup[];
  /**
   * What brokers and clients connect to: `dns` (default), a name per zone in a private DNS namespace
   * (Cloud Map), no load balancer; `nlb`, one internal Network Load Balancer for every zone.
   */
  readonly front?: RemotingFront;
  /**
   * The private DNS namespace of the `dns` front (`zone-1.<domain>`). Default `<stack name>.internal`
   * (lower case): two stacks in one VPC get two namespaces (a VPC resolves one namespace of a name).
   */
  readonly domainName?: string;
  /** Public IPs on the tasks (subnets without NAT). Default: true in the endpoint's own VPC, false in yours. */
  readonly assignPublicIp?: boolean;
  /**
   * Tasks: at least `minTasks` (≥ 2, and ≥ the number of subnets: a task per zone, each zone's clients
   * reaching only their own zone's), at most `maxTasks`. Default max(2, subnets) and max(6, minTasks);
   * the `dns` front splits both evenly over its zone services, rounding up.
   */
  readonly minTasks?: number;
  readonly maxTasks?: number;
  /** CPU utilization the service scales on. Default 50 %. */
  readonly targetCpuPercent?: number;
  /** Task size. Default 256 CPU units (0.25 vCPU) and 512 MiB. */
  readonly cpu?: number;
  readonly memoryMiB?: number;
  /** The gateway's route cache period (ms). Default 30000, RocketMQ's pollNameServerInterval. */
  readonly routeCacheIntervalMs?: number;
  /** The stack's log retention. */
  readonly logRetention: logs.RetentionDays;
  /** Where alarms notify (the stack's alarm topic). */
  readonly alarmAction?: cloudwatch.IAlarmAction;
  /**
   * The remoting accounts (README "Remoting accounts"): a Secrets Manager secret holding the ACL
   * document; the tasks read it at start (NAMESRV_ACL_SECRET_ARN) with a read grant on it alone.
   * @default - none: every request let through, as RocketMQ's own NameServer
   */
  readonly aclSecret?: secretsmanager.ISecret;
  /**
   * The image; default: built for linux/arm64 by `cdk deploy` from the repository's Dockerfile, or,
   * from an installed package, from the package's Dockerfile.package over its prebuilt dist/.
   */
  readonly image?: ecs.ContainerImage;
}

/** The endpoint's own VPC (without -c vpcId): a literal, so the default ingress is a known CIDR. */
export const OWN_VPC_CIDR = "10.98.0.0/16";
/** Availability Zones of the endpoint's own VPC (one public subnet and at least one task in each). */
export const OWN_VPC_ZONES = 2;

const OPEN_TO_THE_WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** The endpoint's fronts (`-c remotingFront`). */
export const REMOTING_FRONTS = ["dns", "nlb"] as const;
export type RemotingFront = (typeof REMOTING_FRONTS)[number];

/** One zone of the endpoint: its subnet, and for the `dns` front its name (`zone-1.<domain>:9876`). */
export interface RemotingEndpointZone {
  readonly subnet: ec2.ISubnet;
  /** The zone's namesrvAddr (`dns` front) or the NLB's (`nlb`). */
  readonly namesrvAddr: string;
  /** The subnet's Availability Zone when known (the endpoint's own VPC, or `subnetAvailabilityZones`), else its id. */
  readonly where: string;
}

export class RemotingEndpoint extends Construct {
  readonly front: RemotingFront;
  readonly vpc: ec2.IVpc;
  /** The `nlb` front's load balancer and target group. */
  readonly loadBalancer?: elbv2.NetworkLoadBalancer;
  readonly targetGroup?: elbv2.NetworkTargetGroup;
  /** The `dns` front's private DNS namespace. */
  readonly namespace?: servicediscovery.PrivateDnsNamespace;
  /** The Fargate services: one (`nlb`), or one per zone (`dns`). */
  readonly services: ecs.FargateService[];
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly logGroup: logs.LogGroup;
  /** The security group brokers and clients connect through (the NLB's, or the tasks' with `dns`). */
  readonly clientSecurityGroup: ec2.SecurityGroup;
  readonly alarms: cloudwatch.Alarm[] = [];
  /**
   * RocketMQ's namesrvAddr: `<nlb dns>:9876`, or with `dns` every zone's name in RocketMQ's list form
   * (`zone-1.<domain>:9876;zone-2.<domain>:9876`: any client in the VPC reaches it, crossing zones);
   * `zones` gives each zone's own, which keeps its brokers and clients in it.
   */
  readonly namesrvAddr: string;
  readonly zones: RemotingEndpointZone[];

  constructor(scope: Construct, id: string, props: RemotingEndpointProps) {
    super(scope, id);
    this.front = props.front ?? "dns";
    if (!(REMOTING_FRONTS as readonly string[]).includes(this.front)) {
      throw new Error(
        `remoting endpoint: front (remotingFront) must be one of ${REMOTING_FRONTS.join(", ")}, got ${String(this.front)}`,
      );
    }
    // Each zone's clients reach only their own zone's tasks (the NLB's cross-zone load balancing is
    // off; a zone's DNS name lists its own tasks), so every zone needs a task of its own at all times.
    const zones = props.network?.subnetIds.length ?? OWN_VPC_ZONES;
    const minTasks = props.minTasks ?? Math.max(2, zones);
    const maxTasks = props.maxTasks ?? Math.max(6, minTasks);
    if (!Number.isInteger(minTasks) || minTasks < 2) {
      throw new Error(
        `remoting endpoint: minTasks must be at least 2 (two Availability Zones), got ${minTasks}`,
      );
    }
    if (minTasks < zones) {
      throw new Error(
        `remoting endpoint: minTasks (remotingMinTasks) must be at least the number of subnets (${zones}): each zone's clients reach only their own zone's tasks, so a zone without one leaves them without a NameServer or sends them across zones, got ${minTasks}`,
      );
    }
    if (!Number.isInteger(maxTasks) || maxTasks < minTasks) {
      throw new Error(`remoting endpoint: maxTasks must be at least minTasks (${minTasks}), got ${maxTasks}`);
    }
    const allowFrom = [...(props.allowFrom ?? [])];
    for (const cidr of allowFrom) {
      if (OPEN_TO_THE_WORLD.has(cidr)) {
        throw new Error(
          `remoting endpoint: remotingAllowFrom ${cidr} would open the NameServer to anyone who can route to the VPC; name the brokers' and clients' networks`,
        );
      }
      if (!/^[0-9a-fA-F:.]+\/\d{1,3}$/.test(cidr)) {
        throw new Error(`remoting endpoint: remotingAllowFrom "${cidr}" is not a CIDR (e.g. 10.0.0.0/16)`);
      }
    }

    // Network: the user's subnets as given, or a small VPC of the endpoint's own.
    let subnets: ec2.SubnetSelection;
    let ownVpc: ec2.Vpc | undefined;
    let zoneSubnets: { subnet: ec2.ISubnet; where: string }[];
    if (props.network !== undefined) {
      const { vpcId, subnetIds, availabilityZones } = props.network;
      if (subnetIds.length < 2) {
        throw new Error(
          `remoting endpoint: subnetIds must name at least 2 subnets in different Availability Zones, got ${subnetIds.length}`,
        );
      }
      if (!/^vpc-[0-9a-f]{8,17}$/.test(vpcId)) {
        throw new Error(`remoting endpoint: vpcId "${vpcId}" is not a VPC id (vpc-0123456789abcdef0)`);
      }
      for (const subnetId of subnetIds) {
        if (!/^subnet-[0-9a-f]{8,17}$/.test(subnetId)) {
          throw new Error(
            `remoting endpoint: subnetIds: "${subnetId}" is not a subnet id (subnet-0123456789abcdef0)`,
          );
        }
      }
      if (availabilityZones !== undefined && new Set(availabilityZones).size < 2) {
        throw new Error("remoting endpoint: the subnets must be in at least 2 Availability Zones");
      }
      this.vpc = ec2.Vpc.fromVpcAttributes(this, "Vpc", {
        vpcId,
        availabilityZones: [...(availabilityZones ?? subnetIds.map((_, i) => `subnet-${i + 1}-az`))],
      });
      zoneSubnets = subnetIds.map((subnetId, i) => {
        const subnet = ec2.Subnet.fromSubnetAttributes(this, `Subnet${i + 1}`, {
          subnetId,
          ...(availabilityZones?.[i] === undefined ? {} : { availabilityZone: availabilityZones[i] }),
        });
        Validations.of(subnet).acknowledge({
          id: "Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId",
          reason: "The endpoint places the NLB and tasks in the subnets and never reads their route tables.",
        });
        return { subnet, where: availabilityZones?.[i] ?? subnetId };
      });
      subnets = { subnets: zoneSubnets.map((zone) => zone.subnet) };
    } else {
      ownVpc = new ec2.Vpc(this, "Vpc", {
        ipAddresses: ec2.IpAddresses.cidr(OWN_VPC_CIDR),
        maxAzs: OWN_VPC_ZONES,
        natGateways: 0,
        subnetConfiguration: [{ name: "Public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
      });
      this.vpc = ownVpc;
      subnets = { subnetType: ec2.SubnetType.PUBLIC };
      zoneSubnets = ownVpc.publicSubnets.map((subnet) => ({ subnet, where: subnet.availabilityZone }));
      // Without a named network the endpoint's own VPC is the default source: nothing else can route to it.
      if (allowFrom.length === 0 && (props.allowFromSecurityGroups ?? []).length === 0) {
        allowFrom.push(OWN_VPC_CIDR);
      }
    }
    if (allowFrom.length === 0 && (props.allowFromSecurityGroups ?? []).length === 0) {
      throw new Error(
        "remoting endpoint: say who may connect to 9876: -c remotingAllowFrom=<cidr>[,<cidr>] (the brokers' and clients' networks) or allowFromSecurityGroups",
      );
    }
    const assignPublicIp = props.assignPublicIp ?? ownVpc !== undefined;

    // The tasks' security group: HTTPS out; what may connect to 9876 is the front's (below).
    const taskSecurityGroup = new ec2.SecurityGroup(this, "TaskSecurityGroup", {
      vpc: this.vpc,
      description:
        this.front === "nlb"
          ? "namesrv gateway tasks: the NLB in (remoting and health), HTTPS out (API, ECR, logs)"
          : "namesrv gateway tasks: RocketMQ remoting in from the named sources, HTTPS out (API, ECR, logs)",
      allowAllOutbound: false,
    });
    taskSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      "HTTPS: the registry's API, ECR, CloudWatch Logs",
    );
    const allowClients = (group: ec2.SecurityGroup) => {
      for (const cidr of allowFrom) {
        const peer = cidr.includes(":") ? ec2.Peer.ipv6(cidr) : ec2.Peer.ipv4(cidr);
        group.addIngressRule(peer, ec2.Port.tcp(REMOTING_PORT), "RocketMQ remoting (namesrvAddr)");
      }
      for (const source of props.allowFromSecurityGroups ?? []) {
        group.addIngressRule(source, ec2.Port.tcp(REMOTING_PORT), "RocketMQ remoting (namesrvAddr)");
      }
    };

    // The task: the gateway, its log group, a role that may call only the routes the gateway calls.
    this.logGroup = new logs.LogGroup(this, "Logs", { retention: props.logRetention });
    this.taskDefinition = new ecs.FargateTaskDefinition(this, "Task", {
      cpu: props.cpu ?? 256,
      memoryLimitMiB: props.memoryMiB ?? 512,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const invokeArns = GATEWAY_ROUTE_IDS.map((routeId) => {
      const route = routeTable.find((candidate) => candidate.id === routeId);
      if (route === undefined)
        throw new Error(`remoting endpoint: route ${routeId} is not in the route table`);
      return props.invokeArn(route.method, route.path.replace(/\{[^}]+\}/g, "*"));
    });
    this.taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ["execute-api:Invoke"], resources: invokeArns }),
    );
    const image = props.image ?? gatewayImageAsset(import.meta.url);
    this.taskDefinition.addContainer("Gateway", {
      image,
      // The image's own ENTRYPOINT and CMD (`namesrv gateway`); only where the registry is, and the
      // stack's settings, come from here.
      environment: {
        NAMESRV_URL: props.registryUrl,
        NAMESRV_GATEWAY_LISTEN: `0.0.0.0:${REMOTING_PORT}`,
        NAMESRV_GATEWAY_HEALTH_PORT: String(GATEWAY_HEALTH_PORT),
        NAMESRV_GATEWAY_DRAIN_MS: String(GATEWAY_DRAIN_SECONDS * 1000),
        NAMESRV_GATEWAY_CACHE_INTERVAL_MS: String(props.routeCacheIntervalMs ?? 30_000),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        ...(props.aclSecret === undefined ? {} : { NAMESRV_ACL_SECRET_ARN: props.aclSecret.secretArn }),
      },
      portMappings: [
        { containerPort: REMOTING_PORT, protocol: ecs.Protocol.TCP, name: "remoting" },
        { containerPort: GATEWAY_HEALTH_PORT, protocol: ecs.Protocol.TCP, name: "health" },
      ],
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: "gateway" }),
      // SIGTERM, then this long before SIGKILL: the drain plus a margin to exit.
      stopTimeout: Duration.seconds(GATEWAY_DRAIN_SECONDS + 5),
      readonlyRootFilesystem: true,
      // The `dns` front's health (ECS reports it to Cloud Map); the NLB checks /health itself.
      ...(this.front === "dns"
        ? {
            healthCheck: {
              command: livenessCheckCommand(GATEWAY_HEALTH_PORT),
              interval: Duration.seconds(10),
              timeout: Duration.seconds(5),
              retries: 3,
              startPeriod: Duration.seconds(15),
            },
          }
        : {}),
    });

    props.aclSecret?.grantRead(this.taskDefinition.taskRole);
    const cluster = new ecs.Cluster(this, "Cluster", { vpc: this.vpc });
    const inputs: FrontInputs = {
      vpc: this.vpc,
      subnets,
      zoneSubnets,
      cluster,
      taskDefinition: this.taskDefinition,
      taskSecurityGroup,
      allowClients,
      assignPublicIp,
      minTasks,
      maxTasks,
      targetCpuPercent: props.targetCpuPercent ?? 50,
    };
    const dns =
      this.front === "dns"
        ? zonalDnsFront(this, { ...inputs, domainName: zoneDomainName(this, props.domainName) })
        : undefined;
    const front = dns ?? loadBalancerFront(this, inputs);
    this.namespace = dns?.namespace;
    this.services = front.services;
    this.namesrvAddr = front.namesrvAddr;
    this.zones = front.zones;
    this.clientSecurityGroup = front.clientSecurityGroup;
    this.loadBalancer = front.loadBalancer;
    this.targetGroup = front.targetGroup;
    this.alarms.push(...front.alarms);

    this.createAlarms(props.alarmAction);
    this.acknowledgeNagFindings(ownVpc, invokeArns);
  }

  /** The gateway's counters, from its once-a-minute log line (`"event":"gateway.counters"`). */
  metricCounter(
    field: "requests" | "systemBusy" | "overloadRejections" | "goAway" | "connections",
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: GATEWAY_METRICS_NAMESPACE,
      metricName: counterMetricName(field),
      statistic: field === "connections" ? "Maximum" : "Sum",
      period: Duration.minutes(1),
    });
  }

  private createAlarms(action: cloudwatch.IAlarmAction | undefined): void {
    for (const field of ["requests", "systemBusy", "overloadRejections", "goAway", "connections"] as const) {
      new logs.MetricFilter(this, `${counterMetricName(field)}Filter`, {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.stringValue("$.event", "=", "gateway.counters"),
        metricNamespace: GATEWAY_METRICS_NAMESPACE,
        metricName: counterMetricName(field),
        metricValue: `$.${field}`,
        defaultValue: 0,
      });
    }
    const busyRate = new cloudwatch.MathExpression({
      expression: "IF(requests > 0, 100 * busy / requests, 0)",
      usingMetrics: { busy: this.metricCounter("systemBusy"), requests: this.metricCounter("requests") },
      period: Duration.minutes(1),
      label: "SYSTEM_BUSY answers (% of requests)",
    });
    const systemBusy = new cloudwatch.Alarm(this, "SystemBusyAlarm", {
      alarmDescription:
        "More than 1 % of the endpoint's answers are SYSTEM_BUSY (the registry unreachable, throttling, or the gateway overloaded) in 3 of 5 minutes",
      metric: busyRate,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const overload = new cloudwatch.Alarm(this, "OverloadAlarm", {
      alarmDescription:
        "The gateway refused requests beyond its in-flight and queue limits ([OVERLOAD]): scaling does not keep up",
      metric: this.metricCounter("overloadRejections").with({ period: Duration.minutes(5) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.alarms.push(systemBusy, overload);
    if (action !== undefined) for (const alarm of this.alarms) alarm.addAlarmAction(action);
  }

  /** cdk-nag findings accepted, each with its reason. */
  private acknowledgeNagFindings(ownVpc: ec2.Vpc | undefined, invokeArns: readonly string[]): void {
    Validations.of(this.taskDefinition).acknowledge({
      id: "AwsSolutions-ECS2",
      reason:
        "The container's environment holds no secret: the registry's URL and the gateway's ports, drain time and cache period. The gateway signs with the task role.",
    });
    const stack = Stack.of(this);
    Validations.of(this.taskDefinition.taskRole).acknowledge(
      ...invokeArns
        .map((arn) => flattenForNag(stack.resolve(arn)))
        .filter((resource) => resource.includes("*"))
        .map((resource) => ({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason: `One of the ${invokeArns.length} routes the gateway translates RocketMQ's requests to (and nothing else); its path parameters are * because any broker group, topic, cluster and KV namespace comes through a NameServer endpoint, as with RocketMQ's own NameServer.`,
        })),
    );
    Validations.of(this.taskDefinition.executionRole ?? this.taskDefinition).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "The execution role's ecr:GetAuthorizationToken only supports Resource '*'; the image pull and log writes are scoped to the asset repository and the endpoint's log group by CDK.",
    });
    if (this.loadBalancer !== undefined)
      Validations.of(this.loadBalancer).acknowledge({
        id: "AwsSolutions-ELB2",
        reason:
          "NLB access logs only record TLS connections; the listener is plain TCP (RocketMQ remoting), so there is nothing to log. The gateway logs its counters once a minute.",
      });
    Validations.of(this.services[0]?.cluster ?? this).acknowledge({
      id: "AwsSolutions-ECS4",
      reason:
        "No Container Insights (billed per task and metric): the endpoint is observed through the NLB's metrics and the gateway's own counters (requests, SYSTEM_BUSY, overload, connections), with alarms.",
    });
    if (ownVpc !== undefined) {
      Validations.of(ownVpc).acknowledge({
        id: "AwsSolutions-VPC7",
        reason:
          "The endpoint's own VPC is for trying it out (one internal NLB and the gateway tasks); production deployments name their VPC with -c vpcId / subnetIds, whose flow logs are theirs.",
      });
    }
  }
}

/** A resolved ARN as cdk-nag names it in a finding: `<Logical.Attr>` for references, joins flattened. */
function flattenForNag(value: unknown): string {
  if (typeof value === "string") return value.replace(/\$\{/g, "<").replace(/\}/g, ">");
  if (typeof value === "object" && value !== null) {
    const node = value as Record<string, unknown>;
    const join = node["Fn::Join"] as [string, unknown[]] | undefined;
    if (join !== undefined) return join[1].map(flattenForNag).join(join[0]);
    const getAtt = node["Fn::GetAtt"] as [string, string] | undefined;
    if (getAtt !== undefined) return `<${getAtt[0]}.${getAtt[1]}>`;
    if (typeof node.Ref === "string") return `<${node.Ref}>`;
  }
  return JSON.stringify(value);
}

function counterMetricName(field: string): string {
  return {
    requests: "Requests",
    systemBusy: "SystemBusy",
    overloadRejections: "OverloadRejections",
    goAway: "GoAway",
    connections: "Connections",
  }[field] as string;
}
