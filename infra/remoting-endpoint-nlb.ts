/**
 * The managed remoting endpoint's `nlb` front (`-c remotingFront=nlb`, infra/remoting-endpoint.ts):
 * one internal Network Load Balancer with a TCP listener on 9876 in front of one Fargate service, so
 * every broker and client names one address.
 *
 * - Zonal: cross-zone load balancing off and availability-zone DNS affinity (clients in the VPC stay
 *   in their zone: no cross-AZ bytes), so at least one task per subnet's AZ.
 * - The NLB's health check is the gateway's `GET /health` (--health-port): 503 while the registry
 *   does not answer or while the task drains.
 * - Graceful replacement: the target group's deregistration delay is the gateway's drain time.
 * - Its price: every byte crosses it (capacity units), which the `dns` front does not pay
 *   (docs/performance.md).
 */
import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as elbv2 from "aws-cdk-lib/aws-elasticloadbalancingv2";
import type { Construct } from "constructs";
import {
  GATEWAY_DRAIN_SECONDS,
  GATEWAY_HEALTH_PORT,
  REMOTING_PORT,
  type RemotingEndpointZone,
} from "./remoting-endpoint";

/** What the endpoint hands a front: the network, the task, and who may connect. */
export interface FrontInputs {
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly zoneSubnets: readonly { subnet: ec2.ISubnet; where: string }[];
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  /** The tasks' security group (HTTPS out already). */
  readonly taskSecurityGroup: ec2.SecurityGroup;
  /** Adds the named sources' ingress on 9876 to a security group. */
  readonly allowClients: (group: ec2.SecurityGroup) => void;
  readonly assignPublicIp: boolean;
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly targetCpuPercent: number;
}

/** What a front makes: the services, the address brokers and clients name, its own alarms. */
export interface Front {
  readonly services: ecs.FargateService[];
  readonly namesrvAddr: string;
  readonly zones: RemotingEndpointZone[];
  readonly clientSecurityGroup: ec2.SecurityGroup;
  readonly alarms: cloudwatch.Alarm[];
  readonly loadBalancer?: elbv2.NetworkLoadBalancer;
  readonly targetGroup?: elbv2.NetworkTargetGroup;
}

/** Scale a service on CPU between its bounds (the gateway is one Node thread: CPU runs out first). */
export function scaleOnCpu(service: ecs.FargateService, min: number, max: number, targetPercent: number) {
  service.autoScaleTaskCount({ minCapacity: min, maxCapacity: max }).scaleOnCpuUtilization("Cpu", {
    targetUtilizationPercent: targetPercent,
    scaleInCooldown: Duration.minutes(5),
    scaleOutCooldown: Duration.minutes(1),
  });
}

export function loadBalancerFront(scope: Construct, inputs: FrontInputs): Front {
  const { vpc, subnets, taskSecurityGroup } = inputs;
  // Clients → NLB on 9876; NLB → tasks on 9876 and the health port.
  const loadBalancerSecurityGroup = new ec2.SecurityGroup(scope, "LoadBalancerSecurityGroup", {
    vpc,
    description: "RocketMQ remoting endpoint: namesrvAddr clients to the NLB on 9876",
    allowAllOutbound: false,
  });
  inputs.allowClients(loadBalancerSecurityGroup);
  taskSecurityGroup.addIngressRule(
    loadBalancerSecurityGroup,
    ec2.Port.tcp(REMOTING_PORT),
    "remoting from the NLB",
  );
  taskSecurityGroup.addIngressRule(
    loadBalancerSecurityGroup,
    ec2.Port.tcp(GATEWAY_HEALTH_PORT),
    "NLB health check (GET /health)",
  );
  loadBalancerSecurityGroup.addEgressRule(
    taskSecurityGroup,
    ec2.Port.tcp(REMOTING_PORT),
    "to the gateway tasks",
  );
  loadBalancerSecurityGroup.addEgressRule(
    taskSecurityGroup,
    ec2.Port.tcp(GATEWAY_HEALTH_PORT),
    "health checks of the gateway tasks",
  );

  const service = new ecs.FargateService(scope, "Service", {
    cluster: inputs.cluster,
    taskDefinition: inputs.taskDefinition,
    desiredCount: inputs.minTasks,
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    vpcSubnets: subnets,
    securityGroups: [taskSecurityGroup],
    assignPublicIp: inputs.assignPublicIp,
    circuitBreaker: { rollback: true },
    // Spread over AZs first (ECS's default placement for Fargate is AZ-balanced).
    availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
  });
  scaleOnCpu(service, inputs.minTasks, inputs.maxTasks, inputs.targetCpuPercent);

  const loadBalancer = new elbv2.NetworkLoadBalancer(scope, "LoadBalancer", {
    vpc,
    internetFacing: false,
    vpcSubnets: subnets,
    securityGroups: [loadBalancerSecurityGroup],
    // Zonal: cross-AZ bytes are billed on both sides ($0.01/GB each way), and every broker and client
    // byte crosses this NLB. With cross-zone off each zone's NLB node forwards only to its own zone's
    // tasks, and with availability-zone affinity Amazon DNS (the VPC resolver) answers a client with
    // its own zone's NLB address, so a client in a zone with a task never crosses zones. Hence at
    // least one task per zone (minTasks ≥ subnets, ECS's AZ-balanced placement and AZ rebalancing,
    // above). A zone whose tasks are all unhealthy drops out of the NLB's DNS answers: its clients
    // fail over to another zone's address (paying cross-AZ) until its tasks are healthy again.
    crossZoneEnabled: false,
    clientRoutingPolicy: elbv2.ClientRoutingPolicy.AVAILABILITY_ZONE_AFFINITY,
  });
  const listener = loadBalancer.addListener("Remoting", {
    port: REMOTING_PORT,
    protocol: elbv2.Protocol.TCP,
  });
  const targetGroup = listener.addTargets("Gateways", {
    port: REMOTING_PORT,
    protocol: elbv2.Protocol.TCP,
    targets: [service.loadBalancerTarget({ containerName: "Gateway", containerPort: REMOTING_PORT })],
    deregistrationDelay: Duration.seconds(GATEWAY_DRAIN_SECONDS),
    healthCheck: {
      protocol: elbv2.Protocol.HTTP,
      port: String(GATEWAY_HEALTH_PORT),
      path: "/health",
      interval: Duration.seconds(10),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 2,
      healthyHttpCodes: "200",
    },
  });
  const unhealthy = new cloudwatch.Alarm(scope, "UnhealthyTargetsAlarm", {
    alarmDescription:
      "A remoting gateway task fails the NLB health check (GET /health: the registry does not answer it) for 3 minutes",
    metric: targetGroup.metrics.unHealthyHostCount({ statistic: "Maximum", period: Duration.minutes(1) }),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 3,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
  const namesrvAddr = `${loadBalancer.loadBalancerDnsName}:${REMOTING_PORT}`;
  return {
    services: [service],
    namesrvAddr,
    zones: inputs.zoneSubnets.map(({ subnet, where }) => ({ subnet, where, namesrvAddr })),
    clientSecurityGroup: loadBalancerSecurityGroup,
    alarms: [unhealthy],
    loadBalancer,
    targetGroup,
  };
}
