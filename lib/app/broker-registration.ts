/**
 * Brokers joining, heartbeating and leaving (RocketMQ's RouteInfoManager#registerBroker,
 * #updateBrokerInfoUpdateTimestamp, #isBrokerTopicConfigChanged, #unregisterBroker): RocketMQ's rules
 * (lib/domain, pure) carried out over the store port with conditional writes. Each read-modify-write
 * is optimistic: the write states what it read, and a write that finds the group changed is planned
 * again from what is there now.
 */
import {
  FullRegistrationRequiredError,
  InvalidRequestError,
  ServiceUnavailableError,
} from "../domain/errors";
import type { HistoryChange } from "../domain/history";
import { isLive } from "../domain/liveness";
import {
  type BrokerGroup,
  LIMITS,
  MASTER_ID,
  type QueryDataVersionRequest,
  type QueryDataVersionResult,
  type RegisterBrokerRequest,
  type RegisterBrokerResult,
  type StoredQueueData,
  type TouchBrokerRequest,
} from "../domain/model";
import {
  isTombstone,
  planRegistration,
  queueDataToWrite,
  type RegistrationPlan,
  registrationDigest,
  sameDataVersion,
} from "../domain/registration";
import { planUnregister } from "../domain/removal";
import type { GroupSettings } from "../store/registry-store";
import { queueView } from "./history-log";
import type { RegisterBrokerOutcome } from "./name-server";
import type { RemovalCascade } from "./removal-cascade";
import { type UseCaseContext, UseCases } from "./use-case-context";

/** What every registration overwrites on its group (RocketMQ's registerBroker sets them each time). */
const groupSettingsOf = (request: RegisterBrokerRequest): GroupSettings => ({
  clusterName: request.clusterName,
  enableActingMaster: request.enableActingMaster,
  ...(request.zoneName !== undefined ? { zoneName: request.zoneName } : {}),
});

export class BrokerRegistration extends UseCases {
  constructor(
    context: UseCaseContext,
    private readonly cascade: RemovalCascade,
  ) {
    super(context);
  }

  /**
   * RocketMQ's REGISTER_BROKER answer body: the KV namespace ORDER_TOPIC_CONFIG, when it exists and
   * returnOrderTopicConfigToBroker is on. API.md gives it to masters only (slaves have no use for it).
   */
  private async withOrderTopicConfig(
    brokerId: number,
    response: RegisterBrokerResult,
  ): Promise<RegisterBrokerResult> {
    if (brokerId !== MASTER_ID || !(await this.config.get()).returnOrderTopicConfigToBroker) return response;
    const table = await this.orderTopicTable.get();
    return Object.keys(table).length === 0
      ? response
      : { ...response, orderTopicConfig: { table: { ...table } } };
  }

  async registerBroker(request: RegisterBrokerRequest): Promise<RegisterBrokerOutcome> {
    const now = this.now();
    const { brokerName, brokerId, brokerAddr } = request;

    // Hot path: one conditional write. A full registration identical to the one last applied
    // (same digest, same topology) or a light heartbeat with the stored dataVersion only refreshes
    // liveness; anything else fails the condition and comes back with the group as it is.
    const light = request.topicConfigTable === undefined;
    const touch = await this.store.touchMember(
      brokerName,
      brokerId,
      brokerAddr,
      light ? { dataVersion: request.dataVersion } : { digest: registrationDigest(request) },
      now,
      groupSettingsOf(request),
    );
    if (touch.ok) {
      return {
        kind: light ? "light" : "steady",
        response: await this.withOrderTopicConfig(
          brokerId,
          this.heartbeatResponse(touch.group, request, now),
        ),
      };
    }
    if (light) {
      throw new FullRegistrationRequiredError(
        `The name server does not hold dataVersion ${JSON.stringify(request.dataVersion)} for broker ${brokerAddr} ` +
          `(${request.clusterName}/${brokerName}/${brokerId}); send a full registration with topicConfigTable`,
      );
    }

    const config = await this.config.get();
    let group = touch.group;
    let groupLimitChecked = false;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) group = await this.store.getGroup(brokerName);
      const decision = planRegistration(group, request, now, this.newEpoch);
      if (decision.kind === "ignored") {
        // RocketMQ drops the rejected address from its live table; here it leaves with the cascade.
        if (decision.leaves) await this.unregisterBroker({ brokerName, brokerAddr });
        return { kind: "full", response: await this.withOrderTopicConfig(brokerId, decision.response) };
      }
      const plan = decision.plan;
      if (plan.newGroup && !groupLimitChecked) {
        await this.checkGroupLimit(brokerName);
        groupLimitChecked = true;
      }
      const table = request.topicConfigTable;
      // deleteTopicWithBrokerRegistration: topics the authority stopped listing leave its group.
      // As in RocketMQ, never for a broker with static topics.
      const pruneTopics =
        config.deleteTopicWithBrokerRegistration &&
        plan.topicAuthority !== null &&
        !plan.newGroup &&
        table !== undefined &&
        Object.keys(request.topicQueueMappingInfoMap ?? {}).length === 0;

      let existingTopics = new Set<string>();
      let current: StoredQueueData[] = [];
      if (plan.topicSelection === "missing" || pruneTopics) {
        current = (await this.store.getGroupQueueData(brokerName)).filter((qd) => qd.epoch === plan.epoch);
        existingTopics = new Set(current.map((qd) => qd.topic));
      }
      const toWrite = queueDataToWrite(request, plan, existingTopics);
      // The history says what the topics were before: read them when no one has (not the hot path:
      // only a registration that writes topics of an existing group gets here).
      if (toWrite.length > 0 && !plan.newGroup && !(plan.topicSelection === "missing" || pruneTopics)) {
        current = (await this.store.getGroupQueueData(brokerName)).filter((qd) => qd.epoch === plan.epoch);
      }
      // Crash safety: the digest that enables the hot path is stored only once every topic is written.
      if (toWrite.length === 0) plan.member.digest = plan.digest;

      const written = await this.store.writeMember({
        brokerName,
        clusterName: request.clusterName,
        ...(request.zoneName !== undefined ? { zoneName: request.zoneName } : {}),
        enableActingMaster: request.enableActingMaster,
        epoch: plan.epoch,
        newGroup: plan.newGroup,
        ...(plan.newGroup && group !== undefined && isTombstone(group) ? { replacesEpoch: group.epoch } : {}),
        ...(plan.expectedTopologyVersion !== undefined
          ? { expectedTopologyVersion: plan.expectedTopologyVersion }
          : {}),
        topologyVersion: plan.topologyVersion,
        member: plan.member,
        removeIds: plan.removed.map((r) => r.brokerId),
        memberAddrs: plan.memberAddrs,
        ...(plan.displacedAddr !== undefined ? { displacedAddr: plan.displacedAddr } : {}),
      });
      if (!written) continue;

      if (pruneTopics) {
        const unlisted = current.filter((qd) => !Object.hasOwn(table, qd.topic));
        if (unlisted.length > 0) await this.store.deleteStaleQueueData(unlisted);
      }
      if (plan.newGroup) await this.collectStaleQueueData(brokerName, plan.epoch, toWrite);
      if (toWrite.length > 0) {
        const primeSlaveOf =
          plan.topicAuthority === "primeSlave" ? { brokerName, epoch: plan.epoch } : undefined;
        if (!(await this.store.putQueueData(toWrite, primeSlaveOf))) continue;
        if (!(await this.store.setMemberDigest(brokerName, plan.member, plan.epoch, plan.digest))) {
          await this.reconcileLateWrites(brokerName, plan, toWrite);
        }
      }
      await this.recordRegistration(request, group, plan, toWrite, current, pruneTopics);
      return { kind: "full", response: await this.withOrderTopicConfig(brokerId, plan.response) };
    }
    throw new ServiceUnavailableError(`Too many concurrent changes to broker group ${brokerName}; retry`);
  }

  /** What a full registration changed, for the history: a member joined or moved, members it displaced, topics. */
  private async recordRegistration(
    request: RegisterBrokerRequest,
    before: BrokerGroup | undefined,
    plan: RegistrationPlan,
    written: readonly StoredQueueData[],
    current: readonly StoredQueueData[],
    pruned: boolean,
  ): Promise<void> {
    const previous =
      before !== undefined && !isTombstone(before) && !plan.newGroup
        ? before.members[String(request.brokerId)]
        : undefined;
    const changes: HistoryChange[] = [
      {
        field: `members.${request.brokerId}`,
        ...(previous === undefined ? {} : { before: previous.brokerAddr }),
        after: request.brokerAddr,
      },
    ];
    for (const removed of plan.removed) {
      changes.push({ field: `members.${removed.brokerId}`, before: removed.brokerAddr });
    }
    const was = new Map(current.map((qd) => [qd.topic, qd]));
    for (const qd of written) {
      const old = was.get(qd.topic);
      changes.push({
        field: `topics.${qd.topic}`,
        ...(old === undefined ? {} : { before: queueView(old) }),
        after: queueView(qd),
      });
    }
    const table = request.topicConfigTable;
    if (pruned && table !== undefined) {
      for (const qd of current) {
        if (!Object.hasOwn(table, qd.topic))
          changes.push({ field: `topics.${qd.topic}`, before: queueView(qd) });
      }
    }
    await this.history.record(
      "broker.registered",
      { cluster: request.clusterName, broker: request.brokerName },
      changes,
    );
  }

  async touchBroker(request: TouchBrokerRequest): Promise<void> {
    const { clusterName, brokerName, brokerAddr } = request;
    const now = this.now();
    const touch = await this.store.touchAddress(brokerName, clusterName, brokerAddr, now);
    if (touch.ok) return;
    // A group item written before member addresses were kept: find the member by its address and
    // touch it by id (which also records the address, so the next touch is one write again).
    const held =
      touch.group?.clusterName === clusterName
        ? Object.values(touch.group.members).find((m) => m.brokerAddr === brokerAddr)
        : undefined;
    if (held !== undefined) {
      const byId = await this.store.touchMember(brokerName, held.brokerId, brokerAddr, { clusterName }, now);
      if (byId.ok) return;
    }
    throw new FullRegistrationRequiredError(
      `The name server holds no member of ${clusterName}/${brokerName} at ${brokerAddr}; send a full registration`,
    );
  }

  async queryDataVersion(request: QueryDataVersionRequest): Promise<QueryDataVersionResult> {
    const { clusterName, brokerName, brokerId, brokerAddr } = request;
    const touch = await this.store.touchMember(brokerName, brokerId, brokerAddr, { clusterName }, this.now());
    const stored = touch.ok ? touch.group.members[String(brokerId)]?.dataVersion : undefined;
    if (stored === undefined) return { changed: true, dataVersion: null };
    return { changed: !sameDataVersion(stored, request.dataVersion), dataVersion: stored };
  }

  /**
   * The group changed while our topic writes were in flight (setMemberDigest failed), so they may
   * have landed late: after an unregister or expiry emptied the group, or after a concurrent
   * registration of the same broker wrote its newer config. RocketMQ applies a registration under a
   * lock; here late writes are undone, or whoever they may have overwritten is told to rewrite.
   * (Found by the race tests: an unregister racing a registration left orphaned queue data, and two
   * registrations of one broker could leave the older config under the newer dataVersion for good.)
   */
  private async reconcileLateWrites(brokerName: string, plan: RegistrationPlan, written: StoredQueueData[]) {
    const { epoch, member } = plan;
    const group = await this.store.getGroup(brokerName);
    if (group === undefined || group.epoch !== epoch || isTombstone(group)) {
      // Our incarnation is gone: our items are orphans, or overwrote a newer incarnation's, whose
      // members then find those topics missing on their next (full) heartbeat.
      await this.store.deleteStaleQueueData(written);
      if (group !== undefined && group.epoch !== epoch) await this.store.bumpTopology(brokerName);
      return;
    }
    const self = group.members[String(member.brokerId)];
    if (self?.brokerAddr === member.brokerAddr && sameDataVersion(self.dataVersion, member.dataVersion)) {
      // Only the topology moved (a member joined or left): our registration stands, complete it.
      if (await this.store.setMemberDigest(brokerName, member, epoch, plan.digest, true)) return;
    }
    // Another registration holds this id now, or ours was invalidated: its topics may have been
    // overwritten by ours. Its next registration rewrites them all; a digest it is about to set
    // fails on the new topology.
    await this.store.bumpTopology(brokerName, { brokerId: member.brokerId });
  }

  /**
   * A new broker group is refused once the registry holds LIMITS.groups of them (as the last sweep
   * counted them: one GetItem, only when a group is created).
   */
  private async checkGroupLimit(brokerName: string): Promise<void> {
    const { groupCount = 0 } = await this.store.getSweeperState();
    if (groupCount < LIMITS.groups) return;
    throw new InvalidRequestError(
      `The registry holds ${groupCount} broker groups: at most ${LIMITS.groups} (limit groups); ${brokerName} is not added`,
      [{ field: "brokerName", message: `no new broker group (limit groups: ${LIMITS.groups})` }],
    );
  }

  /** Response of a hot-path heartbeat, from the group as the write left it. */
  private heartbeatResponse(
    group: BrokerGroup,
    request: RegisterBrokerRequest,
    now: number,
  ): RegisterBrokerResult {
    const self = group.members[String(request.brokerId)];
    const response: RegisterBrokerResult = {
      topicConfigApplied: request.topicConfigTable !== undefined && self?.topicAuthority === true,
    };
    const master = group.members[String(MASTER_ID)];
    if (request.brokerId !== MASTER_ID && master !== undefined && isLive(master, now)) {
      response.masterAddr = master.brokerAddr;
      if (master.haServerAddr !== undefined) response.haServerAddr = master.haServerAddr;
    }
    return response;
  }

  /**
   * A new incarnation of a group removes queue data an older one left behind (a cleanup that lost a
   * race), except topics it writes itself anyway.
   */
  private async collectStaleQueueData(
    brokerName: string,
    epoch: string,
    written: ReadonlyArray<{ topic: string }>,
  ) {
    const rewritten = new Set(written.map((qd) => qd.topic));
    const stale = (await this.store.getGroupQueueData(brokerName)).filter(
      (qd) => qd.epoch !== epoch && !rewritten.has(qd.topic),
    );
    if (stale.length > 0) await this.store.deleteStaleQueueData(stale);
  }

  async unregisterBroker(request: { brokerName: string; brokerAddr: string }): Promise<void> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const group = await this.store.getGroup(request.brokerName);
      if (group === undefined) return;
      const plan = planUnregister(group, request.brokerAddr);
      if (plan.removals.length === 0) return;
      const after = await this.store.removeMembers(request.brokerName, group.epoch, plan.removals, {
        markWriteClear: plan.clearWritePerm,
      });
      if (after === "conflict") continue;
      await this.history.record(
        "broker.unregistered",
        { cluster: group.clusterName, broker: request.brokerName },
        plan.removals.map((r) => ({
          field: `members.${r.brokerId}`,
          before: group.members[String(r.brokerId)]?.brokerAddr ?? request.brokerAddr,
        })),
      );
      await this.cascade.afterRemoval(request.brokerName, group.epoch, after);
      return;
    }
    throw new ServiceUnavailableError(
      `Too many concurrent changes to broker group ${request.brokerName}; retry`,
    );
  }
}
