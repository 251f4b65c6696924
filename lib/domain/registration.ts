/**
 * RocketMQ's registerBroker, as a pure plan: given the group as stored and a registration, what must
 * change. The use case (lib/app) carries the plan out against the store with conditional writes.
 */
import { createHash } from "node:crypto";
import { InvalidRequestError } from "./errors";
import { isLive } from "./liveness";
import {
  type BrokerGroup,
  type BrokerMember,
  type DataVersion,
  LIMITS,
  MASTER_ID,
  type RegisterBrokerRequest,
  type RegisterBrokerResult,
  type StoredQueueData,
} from "./model";
import { withoutWrite } from "./perm";

export const sameDataVersion = (a: DataVersion, b: DataVersion): boolean =>
  a.stateVersion === b.stateVersion && a.timestamp === b.timestamp && a.counter === b.counter;

/** Canonical JSON: object keys sorted, so equal registrations always hash alike. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Digest of everything a full registration says. When a broker sends exactly what the registry last
 * applied for it (same digest, same group topology), the heartbeat can only refresh liveness: that is
 * what lets a steady heartbeat be one conditional write that reads no topic item.
 */
export function registrationDigest(request: RegisterBrokerRequest): string {
  return createHash("sha256").update(canonical(request)).digest("base64url").slice(0, 22);
}

/**
 * Stored in place of a member's digest when its topics may have been overwritten behind its back:
 * never equal to a real digest (22 characters), so its next heartbeat is a full one that rewrites all.
 */
export const INVALIDATED_DIGEST = "invalidated";

export type TopicSelection = "all" | "missing" | "none";

export interface RegistrationPlan {
  /** The group does not exist (or only as an emptied tombstone): a new incarnation is created. */
  newGroup: boolean;
  epoch: string;
  /** Topology version the group must still have for the write to apply (undefined for a new group). */
  expectedTopologyVersion: number | undefined;
  topologyVersion: number;
  /** Members (id and address) removed because the registering address moved to this id (promotion). */
  removed: Array<{ brokerId: number; brokerAddr: string }>;
  /** The member as it will be stored; `digest` set only when nothing else remains to be written. */
  member: BrokerMember;
  /** Every member address of the group once the plan is applied. */
  memberAddrs: string[];
  /** The address that held this id before (another one): it leaves the registry. */
  displacedAddr?: string;
  firstRegistration: boolean;
  dataVersionChanged: boolean;
  /** This instance is the group's topic authority: its master, or its prime slave when masterless. */
  topicAuthority: "master" | "primeSlave" | null;
  topicSelection: TopicSelection;
  digest: string;
  response: RegisterBrokerResult;
}

export type RegistrationDecision =
  | { kind: "apply"; plan: RegistrationPlan }
  /**
   * RocketMQ 5: another live address holds this brokerId with a higher stateVersion; the registration
   * conflicts with it and is ignored.
   */
  | {
      kind: "ignored";
      response: RegisterBrokerResult;
      /**
       * The rejected address is still a member under another id: it leaves the registry (RocketMQ
       * removes it from brokerLiveTable), with the promotion clean-up's cascade.
       */
      leaves: boolean;
    };

/** A group that exists but has no member left is a tombstone: its queue data is being cleaned. */
export const isTombstone = (group: BrokerGroup): boolean => Object.keys(group.members).length === 0;

export function planRegistration(
  group: BrokerGroup | undefined,
  request: RegisterBrokerRequest,
  now: number,
  newEpoch: () => string,
): RegistrationDecision {
  const existing = group !== undefined && !isTombstone(group) ? group : undefined;
  const members = existing?.members ?? {};
  const id = String(request.brokerId);
  const current = members[id];

  // Promotion: the same address can hold only one id (`<1,A>` goes when `<0,A>` comes). As in
  // RocketMQ, this clean-up comes before the stateVersion check below, so it holds even when the
  // registration itself is then rejected.
  const removed = Object.values(members)
    .filter((m) => m.brokerAddr === request.brokerAddr && m.brokerId !== request.brokerId)
    .map((m) => ({ brokerId: m.brokerId, brokerAddr: m.brokerAddr }));

  if (current !== undefined && current.brokerAddr !== request.brokerAddr && isLive(current, now)) {
    if (current.dataVersion.stateVersion > request.dataVersion.stateVersion) {
      return {
        kind: "ignored",
        response: { topicConfigApplied: false },
        leaves: removed.length > 0,
      };
    }
  }
  const removedIds = new Set(removed.map((r) => r.brokerId));
  const remainingIds = Object.values(members)
    .map((m) => m.brokerId)
    .filter((memberId) => !removedIds.has(memberId) && memberId !== request.brokerId);

  if (current === undefined && remainingIds.length + 1 > LIMITS.membersPerGroup) {
    throw new InvalidRequestError(
      `Broker group ${request.brokerName} already has ${remainingIds.length} members: at most ${LIMITS.membersPerGroup} (limit membersPerGroup)`,
      [
        {
          field: "brokerId",
          message: `the group is full (limit membersPerGroup: ${LIMITS.membersPerGroup})`,
        },
      ],
    );
  }

  const firstRegistration = current === undefined;
  // RocketMQ keys live info by address: a new address at an id has no stored dataVersion.
  const previous = Object.values(members).find((m) => m.brokerAddr === request.brokerAddr);
  const dataVersionChanged =
    previous === undefined || !sameDataVersion(previous.dataVersion, request.dataVersion);

  const isMaster = request.brokerId === MASTER_ID;
  const isPrimeSlave = !isMaster && remainingIds.every((memberId) => memberId > request.brokerId);
  const topicAuthority = isMaster ? "master" : isPrimeSlave ? "primeSlave" : null;

  // A member without a digest never had its last registration fully applied (the Lambda died
  // half-way), and an invalidated one may have had topics overwritten by late writes of another
  // registration (NameServerService.reconcileLateWrites): existing topics may hold another config,
  // so all are rewritten.
  const incomplete =
    previous !== undefined && (previous.digest === undefined || previous.digest === INVALIDATED_DIGEST);

  let topicSelection: TopicSelection = "none";
  if (topicAuthority !== null && request.topicConfigTable !== undefined) {
    topicSelection = firstRegistration || dataVersionChanged || incomplete ? "all" : "missing";
  }

  const topologyChanged =
    existing === undefined || current?.brokerAddr !== request.brokerAddr || removed.length > 0;
  const expectedTopologyVersion = existing?.topologyVersion;
  const topologyVersion =
    expectedTopologyVersion === undefined ? 1 : expectedTopologyVersion + (topologyChanged ? 1 : 0);
  const digest = registrationDigest(request);

  const member: BrokerMember = {
    brokerId: request.brokerId,
    brokerAddr: request.brokerAddr,
    lastUpdateTimestamp: now,
    heartbeatTimeoutMillis: request.heartbeatTimeoutMillis,
    dataVersion: request.dataVersion,
    // RocketMQ: an absent list leaves the filter servers as they were; an empty one clears them.
    filterServerList: request.filterServerList ?? previous?.filterServerList ?? [],
    topologyVersion,
    topicAuthority: topicAuthority !== null,
  };
  if (request.haServerAddr !== undefined) member.haServerAddr = request.haServerAddr;
  if (topicSelection === "none") member.digest = digest;

  const response: RegisterBrokerResult = { topicConfigApplied: topicSelection !== "none" };
  if (!isMaster) {
    const master = members[String(MASTER_ID)];
    if (master !== undefined && !removedIds.has(MASTER_ID) && isLive(master, now)) {
      response.masterAddr = master.brokerAddr;
      if (master.haServerAddr !== undefined) response.haServerAddr = master.haServerAddr;
    }
  }

  const memberAddrs = [
    ...Object.values(members)
      .filter((m) => !removedIds.has(m.brokerId) && m.brokerId !== request.brokerId)
      .map((m) => m.brokerAddr),
    request.brokerAddr,
  ];
  const displacedAddr =
    current !== undefined && current.brokerAddr !== request.brokerAddr ? current.brokerAddr : undefined;

  return {
    kind: "apply",
    plan: {
      memberAddrs,
      ...(displacedAddr !== undefined ? { displacedAddr } : {}),
      newGroup: existing === undefined,
      epoch: existing?.epoch ?? newEpoch(),
      expectedTopologyVersion,
      topologyVersion,
      removed,
      member,
      firstRegistration,
      dataVersionChanged,
      topicAuthority,
      topicSelection,
      digest,
      response,
    },
  };
}

/**
 * The queue data a registration writes: every topic ("all"), or only those the group has no queue
 * data for yet ("missing"); the prime slave of an acting-master group writes with the WRITE bit cleared.
 */
export function queueDataToWrite(
  request: RegisterBrokerRequest,
  plan: RegistrationPlan,
  existingTopics: ReadonlySet<string>,
): StoredQueueData[] {
  if (plan.topicSelection === "none" || request.topicConfigTable === undefined) return [];
  const out: StoredQueueData[] = [];
  for (const [topic, config] of Object.entries(request.topicConfigTable)) {
    if (plan.topicSelection === "missing" && existingTopics.has(topic)) continue;
    const mapping = request.topicQueueMappingInfoMap?.[topic];
    out.push({
      topic,
      brokerName: request.brokerName,
      epoch: plan.epoch,
      ...(mapping !== undefined ? { mapping } : {}),
      readQueueNums: config.readQueueNums,
      writeQueueNums: config.writeQueueNums,
      // RocketMQ wipes WRITE for the prime slave only in slave-acting-master mode; a prime slave of
      // a plain group keeps the perm its broker sent.
      perm:
        plan.topicAuthority === "primeSlave" && request.enableActingMaster
          ? withoutWrite(config.perm)
          : config.perm,
      topicSysFlag: config.topicSysFlag,
    });
  }
  return out;
}
