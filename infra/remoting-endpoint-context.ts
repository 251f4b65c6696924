/**
 * The managed remoting endpoint's CDK context (`-c remotingEndpoint=true -c vpcId=… …`, docs/deploy.md
 * "Options") → the RemotingEndpoint construct's options, taken as given (no lookup: `cdk synth` stays
 * offline).
 */

import { REMOTING_FRONTS, type RemotingEndpointOptions, type RemotingFront } from "./remoting-endpoint";

/** The CDK context keys of the endpoint (docs/deploy.md "Options"). */
export const ENDPOINT_CONTEXT_KEYS = [
  "remotingEndpoint",
  "remotingFront",
  "remotingDomain",
  "vpcId",
  "subnetIds",
  "subnetAvailabilityZones",
  "remotingAllowFrom",
  "remotingAssignPublicIp",
  "remotingMinTasks",
  "remotingMaxTasks",
  "remotingTaskCpu",
  "remotingTaskMemory",
  "remotingAclSecretArn",
] as const;

/**
 * `-c remotingEndpoint=true [-c vpcId=vpc-… -c subnetIds=subnet-a,subnet-b] [-c remotingAllowFrom=10.0.0.0/16,…]`
 * → the construct's options; undefined without `remotingEndpoint=true`. Every value is taken as given
 * (no VPC lookup), so `cdk synth` stays offline.
 */
export function remotingEndpointFromContext(
  get: (key: (typeof ENDPOINT_CONTEXT_KEYS)[number]) => string | undefined,
): RemotingEndpointOptions | undefined {
  const list = (key: (typeof ENDPOINT_CONTEXT_KEYS)[number]) =>
    get(key)
      ?.split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  const integer = (key: (typeof ENDPOINT_CONTEXT_KEYS)[number]) => {
    const value = get(key);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed <= 0)
      throw new Error(`context ${key} must be a positive integer, got ${value}`);
    return parsed;
  };
  const flag = (key: (typeof ENDPOINT_CONTEXT_KEYS)[number]) => {
    const value = get(key);
    if (value === undefined) return undefined;
    if (value !== "true" && value !== "false")
      throw new Error(`context ${key} must be true or false, got ${value}`);
    return value === "true";
  };
  if (flag("remotingEndpoint") !== true) {
    const stray = ENDPOINT_CONTEXT_KEYS.filter((key) => key !== "remotingEndpoint" && get(key) !== undefined);
    if (stray.length > 0) {
      throw new Error(
        `context ${stray.join(", ")} configure the remoting endpoint: add -c remotingEndpoint=true`,
      );
    }
    return undefined;
  }
  const vpcId = get("vpcId");
  const subnetIds = list("subnetIds");
  if ((vpcId === undefined) !== (subnetIds === undefined)) {
    throw new Error("context vpcId and subnetIds go together: -c vpcId=vpc-… -c subnetIds=subnet-a,subnet-b");
  }
  const availabilityZones = list("subnetAvailabilityZones");
  const options: { -readonly [K in keyof RemotingEndpointOptions]: RemotingEndpointOptions[K] } = {};
  if (vpcId !== undefined && subnetIds !== undefined) {
    options.network = { vpcId, subnetIds, ...(availabilityZones === undefined ? {} : { availabilityZones }) };
  }
  const front = get("remotingFront");
  if (front !== undefined) {
    if (!(REMOTING_FRONTS as readonly string[]).includes(front)) {
      throw new Error(
        `context remotingFront must be ${REMOTING_FRONTS.join(" or ")} (dns: a name per zone, no load balancer; nlb: one Network Load Balancer), got ${front}`,
      );
    }
    options.front = front as RemotingFront;
  }
  const domainName = get("remotingDomain");
  if (domainName !== undefined) {
    if (options.front === "nlb") {
      throw new Error(
        "context remotingDomain names the dns front's namespace: drop it, or remotingFront=nlb",
      );
    }
    options.domainName = domainName;
  }
  const allowFrom = list("remotingAllowFrom");
  if (allowFrom !== undefined) options.allowFrom = allowFrom;
  const assignPublicIp = flag("remotingAssignPublicIp");
  if (assignPublicIp !== undefined) options.assignPublicIp = assignPublicIp;
  const minTasks = integer("remotingMinTasks");
  if (minTasks !== undefined) options.minTasks = minTasks;
  const maxTasks = integer("remotingMaxTasks");
  if (maxTasks !== undefined) options.maxTasks = maxTasks;
  const cpu = integer("remotingTaskCpu");
  if (cpu !== undefined) options.cpu = cpu;
  const memoryMiB = integer("remotingTaskMemory");
  if (memoryMiB !== undefined) options.memoryMiB = memoryMiB;
  const aclSecretArn = get("remotingAclSecretArn");
  if (aclSecretArn !== undefined) {
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(aclSecretArn)) {
      throw new Error(
        `context remotingAclSecretArn must be a secret's complete ARN (…:secret:<name>-AbCdEf), got ${aclSecretArn}`,
      );
    }
    options.aclSecretArn = aclSecretArn;
  }
  return options;
}
