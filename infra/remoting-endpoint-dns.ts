/**
 * The managed remoting endpoint's `dns` front (the default; infra/remoting-endpoint.ts): no load
 * balancer. One Fargate service per zone (subnet), each registered in a private DNS namespace (Cloud
 * Map) under its own name, `zone-<n>.<domain>`: A records of that zone's healthy tasks, 10 s TTL.
 *
 * - Brokers and clients name their own zone's name as `namesrvAddr` (the stack outputs each zone's):
 *   they connect to that zone's tasks directly, so no byte crosses zones and none is a load balancer's
 *   capacity unit. RocketMQ resolves the name when it opens its NameServer connection and keeps the
 *   connection; the JVM caches the answer (`networkaddress.cache.ttl`, 30 s by default).
 * - The tasks take 9876 from the named sources directly (their own security group).
 * - Health: the container's health check is the gateway's liveness (its `GET /health` answers, and it
 *   is not draining), which ECS reports to Cloud Map. A gateway that cannot reach the registry stays
 *   in: it still serves the routes it holds (SYSTEM_BUSY for the rest, alarmed), and a new task would
 *   hold none.
 * - Replacement: ECS deregisters a stopping task's record; its clients get GO_AWAY (5.x) or a closed
 *   connection and reconnect by the name, reaching another task once the JVM's cached answer expires
 *   (meanwhile a RocketMQ client keeps the routes it holds, and a broker's next registration, 30 s
 *   later, lands well inside its 120 s timeout).
 * - Alarms: a zone with no running task for 3 minutes (the service's CPU metric reports no task).
 */
import { Duration, Stack, Token } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as servicediscovery from "aws-cdk-lib/aws-servicediscovery";
import type { Construct } from "constructs";
import { REMOTING_PORT, type RemotingEndpointZone } from "./remoting-endpoint";
import type { Front, FrontInputs } from "./remoting-endpoint-nlb";
import { scaleOnCpu } from "./remoting-endpoint-nlb";

/** How long resolvers may keep a zone name's answer (the JVM adds its own 30 s cache on top). */
export const ZONE_DNS_TTL_SECONDS = 10;

const DOMAIN = /^(?=.{1,200}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/**
 * The namespace's name: the one given (checked), or `<stack name>.internal` in lower case, so two
 * stacks in one VPC get two namespaces (`namesrv.internal` when the stack's name is not known at synth).
 */
export function zoneDomainName(scope: Construct, given: string | undefined): string {
  if (given !== undefined) {
    if (!DOMAIN.test(given)) {
      throw new Error(
        `remoting endpoint: remotingDomain "${given}" is not a DNS name of lower-case letters, digits and hyphens (e.g. namesrv.internal)`,
      );
    }
    return given;
  }
  const stackName = Stack.of(scope).stackName;
  if (Token.isUnresolved(stackName)) return "namesrv.internal";
  const label = stackName
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return `${label === "" ? "namesrv" : label}.internal`;
}

/**
 * The container's health check command: live while `GET /health` answers 200, or 503 because the
 * registry does not answer (the gateway still serves what it holds); not live while it drains or when
 * nothing answers within 4 s.
 */
export function livenessCheckCommand(healthPort: number): string[] {
  const script =
    `fetch("http://127.0.0.1:${healthPort}/health",{signal:AbortSignal.timeout(4000)})` +
    `.then(async(r)=>{const b=await r.json().catch(()=>({}));` +
    `process.exit(r.status===200||b.status==="unavailable"?0:1)},()=>process.exit(1))`;
  return ["CMD", "node", "-e", script];
}

export function zonalDnsFront(
  scope: Construct,
  inputs: FrontInputs & { readonly domainName: string },
): Front & { readonly namespace: servicediscovery.PrivateDnsNamespace } {
  const { taskSecurityGroup, zoneSubnets, domainName } = inputs;
  inputs.allowClients(taskSecurityGroup);
  const namespace = new servicediscovery.PrivateDnsNamespace(scope, "Namespace", {
    name: domainName,
    vpc: inputs.vpc,
    description: "RocketMQ remoting endpoint: a name per zone for namesrvAddr",
  });
  // The bounds split evenly over the zones, rounding up: each zone scales on its own clients' load.
  const perZoneMin = Math.ceil(inputs.minTasks / zoneSubnets.length);
  const perZoneMax = Math.max(perZoneMin, Math.ceil(inputs.maxTasks / zoneSubnets.length));
  const services: ecs.FargateService[] = [];
  const zones: RemotingEndpointZone[] = [];
  const alarms: cloudwatch.Alarm[] = [];
  zoneSubnets.forEach(({ subnet, where }, i) => {
    const name = `zone-${i + 1}`;
    const service = new ecs.FargateService(scope, `Zone${i + 1}Service`, {
      cluster: inputs.cluster,
      taskDefinition: inputs.taskDefinition,
      desiredCount: perZoneMin,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      vpcSubnets: { subnets: [subnet] },
      securityGroups: [taskSecurityGroup],
      assignPublicIp: inputs.assignPublicIp,
      circuitBreaker: { rollback: true },
      cloudMapOptions: {
        cloudMapNamespace: namespace,
        name,
        dnsRecordType: servicediscovery.DnsRecordType.A,
        dnsTtl: Duration.seconds(ZONE_DNS_TTL_SECONDS),
      },
    });
    scaleOnCpu(service, perZoneMin, perZoneMax, inputs.targetCpuPercent);
    alarms.push(
      new cloudwatch.Alarm(scope, `Zone${i + 1}NoTaskAlarm`, {
        alarmDescription: `No remoting gateway task runs in zone ${i + 1} (${name}.${domainName}) for 3 minutes: its brokers and clients have no NameServer`,
        // The service's CPU metric has a sample per running task and none without one.
        metric: service.metricCpuUtilization({ statistic: "SampleCount", period: Duration.minutes(1) }),
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );
    services.push(service);
    zones.push({ subnet, where, namesrvAddr: `${name}.${domainName}:${REMOTING_PORT}` });
  });
  return {
    services,
    namesrvAddr: zones.map((zone) => zone.namesrvAddr).join(";"),
    zones,
    clientSecurityGroup: taskSecurityGroup,
    alarms,
    namespace,
  };
}
