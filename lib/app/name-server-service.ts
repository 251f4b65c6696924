/**
 * The NameServer's use cases: RocketMQ's rules (lib/domain, pure) carried out over the store port
 * with conditional writes. Each read-modify-write is optimistic: the write states what it read, and a
 * write that finds the group changed is planned again from what is there now.
 */
import { randomUUID } from "node:crypto";
import { mapLimit } from "../concurrency";
import {
  FullRegistrationRequiredError,
  InvalidRequestError,
  QueryNotFoundError,
  ServiceUnavailableError,
  TopicNotExistError,
} from "../domain/errors";
import { isDead, isLive, liveBrokerAddrs, liveMembers, livenessView } from "../domain/liveness";
import {
  type BrokerGroup,
  LIMITS,
  MASTER_ID,
  type RegisterBrokerRequest,
  type RegisterBrokerResult,
  type StoredQueueData,
} from "../domain/model";
import { isWriteable, withoutWrite, withWrite } from "../domain/perm";
import {
  isTombstone,
  planRegistration,
  queueDataToWrite,
  type RegistrationPlan,
  registrationDigest,
  sameDataVersion,
} from "../domain/registration";
import { planExpiry, planUnregister, type RemovalPlan } from "../domain/removal";
import { assembleClusterInfo, assembleRoute } from "../domain/route";
import {
  DEFAULT_SELF_PRESERVATION,
  decideSweep,
  type SelfPreservationConfig,
} from "../domain/self-preservation";
import type { RegistryStore } from "../store/registry-store";
import { GroupCache } from "./group-cache";
import type {
  BrokerMemberGroup,
  HealthReport,
  NameServer,
  RegisterBrokerOutcome,
  SweepReport,
} from "./name-server";

export interface NameServerDependencies {
  store: RegistryStore;
  /** The clock (epoch ms); tests pass a fake one. */
  now?: () => number;
  newEpoch?: () => string;
  selfPreservation?: SelfPreservationConfig;
  /** Attempts of an optimistic read-plan-write before answering 503. */
  maxAttempts?: number;
  /** Parallel requests when one operation touches many groups or items. */
  concurrency?: number;
  /**
   * How long a route query may reuse a broker group it read (see GroupCache for why this never
   * serves a dead broker); 0 reads every group on every query.
   * @default 0
   */
  routeGroupCacheMs?: number;
}

const sortedUnique = (names: Iterable<string>) =>
  [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export function createNameServer(deps: NameServerDependencies): NameServer {
  return new NameServerService(deps);
}

class NameServerService implements NameServer {
  private readonly store: RegistryStore;
  private readonly now: () => number;
  private readonly newEpoch: () => string;
  private readonly selfPreservation: SelfPreservationConfig;
  private readonly maxAttempts: number;
  private readonly concurrency: number;
  private readonly groupCache: GroupCache;

  constructor(deps: NameServerDependencies) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.newEpoch = deps.newEpoch ?? (() => randomUUID());
    this.selfPreservation = deps.selfPreservation ?? DEFAULT_SELF_PRESERVATION;
    this.maxAttempts = deps.maxAttempts ?? 8;
    this.concurrency = deps.concurrency ?? 8;
    this.groupCache = new GroupCache(deps.routeGroupCacheMs ?? 0, this.now);
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
    );
    if (touch.ok) {
      return {
        kind: light ? "light" : "steady",
        response: this.heartbeatResponse(touch.group, request, now),
      };
    }
    if (light) {
      throw new FullRegistrationRequiredError(
        `The name server does not hold dataVersion ${JSON.stringify(request.dataVersion)} for broker ${brokerAddr} ` +
          `(${request.clusterName}/${brokerName}/${brokerId}); send a full registration with topicConfigTable`,
      );
    }

    let group = touch.group;
    let groupLimitChecked = false;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (attempt > 0) group = await this.store.getGroup(brokerName);
      const decision = planRegistration(group, request, now, this.newEpoch);
      if (decision.kind === "ignored") return { kind: "full", response: decision.response };
      const plan = decision.plan;
      if (plan.newGroup && !groupLimitChecked) {
        await this.checkGroupLimit(brokerName);
        groupLimitChecked = true;
      }

      let existingTopics = new Set<string>();
      if (plan.topicSelection === "missing") {
        const current = await this.store.getGroupQueueData(brokerName);
        existingTopics = new Set(current.filter((qd) => qd.epoch === plan.epoch).map((qd) => qd.topic));
      }
      const toWrite = queueDataToWrite(request, plan, existingTopics);
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
      });
      if (!written) continue;

      if (plan.newGroup) await this.collectStaleQueueData(brokerName, plan.epoch, toWrite);
      if (toWrite.length > 0) {
        const primeSlaveOf =
          plan.topicAuthority === "primeSlave" ? { brokerName, epoch: plan.epoch } : undefined;
        if (!(await this.store.putQueueData(toWrite, primeSlaveOf))) continue;
        if (!(await this.store.setMemberDigest(brokerName, plan.member, plan.epoch, plan.digest))) {
          await this.reconcileLateWrites(brokerName, plan, toWrite);
        }
      }
      return { kind: "full", response: plan.response };
    }
    throw new ServiceUnavailableError(`Too many concurrent changes to broker group ${brokerName}; retry`);
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
      await this.afterRemoval(request.brokerName, group.epoch, after);
      return;
    }
    throw new ServiceUnavailableError(
      `Too many concurrent changes to broker group ${request.brokerName}; retry`,
    );
  }

  /** The cascade after members left: an empty group goes with its queue data; an acting-master group loses WRITE. */
  private async afterRemoval(
    brokerName: string,
    epoch: string,
    after: BrokerGroup | undefined,
  ): Promise<void> {
    if (after === undefined || isTombstone(after)) {
      await this.removeEmptyGroup(brokerName, epoch);
      return;
    }
    if (after.writeClearPending) await this.clearWritePerm(brokerName, epoch);
  }

  /**
   * Clears WRITE on the queue data of an acting-master group that has no master, then removes the
   * group's writeClearPending marker (also when a master came back and there is nothing to clear).
   */
  private async clearWritePerm(brokerName: string, epoch: string): Promise<void> {
    await this.clearWritePermOnce(brokerName, epoch);
    await this.store.finishWriteClear(brokerName, epoch);
  }

  private async clearWritePermOnce(brokerName: string, epoch: string): Promise<void> {
    const queueData = (await this.store.getGroupQueueData(brokerName)).filter(
      (qd) => qd.epoch === epoch && isWriteable(qd.perm),
    );
    if (queueData.length === 0) return;
    // Read after the queue data: a master whose fresh queue data we just read is seen here.
    const before = await this.store.getGroup(brokerName);
    if (before?.epoch !== epoch || before.members[String(MASTER_ID)] !== undefined) return;
    const cleared = await mapLimit(queueData, this.concurrency, (qd) =>
      this.store.updatePerm(qd, withoutWrite(qd.perm)),
    );
    if (!cleared.some(Boolean)) return;
    // A master (a promoted slave, a restarted broker) may have registered while we cleared, and some
    // of its fresh queue data lost WRITE to us: its next heartbeat rewrites it all. (Found by the race
    // tests: RocketMQ's lock orders the two; here they interleave.)
    const group = await this.store.getGroup(brokerName);
    if (group?.epoch === epoch && group.members[String(MASTER_ID)] !== undefined) {
      await this.store.bumpTopology(brokerName, { brokerId: MASTER_ID });
    }
  }

  /**
   * The emptied group stays as a tombstone until its queue data is gone, so a sweep that dies half-way
   * leaves something the next sweep finds and finishes.
   */
  private async removeEmptyGroup(brokerName: string, epoch: string): Promise<void> {
    const queueData = await this.store.getGroupQueueData(brokerName);
    if (!(await this.store.deleteQueueDataOfEmptyGroup(brokerName, epoch, queueData))) return;
    await this.store.deleteEmptyGroup(brokerName, epoch);
  }

  async getBrokerMemberGroup(clusterName: string, brokerName: string): Promise<BrokerMemberGroup> {
    const { groups, sweeper } = await this.store.getGroups([brokerName]);
    const group = groups.get(brokerName);
    const brokerAddrs =
      group !== undefined && group.clusterName === clusterName
        ? liveBrokerAddrs(group, livenessView(this.now(), sweeper))
        : {};
    return { cluster: clusterName, brokerName, brokerAddrs };
  }

  async setWritePerm(brokerName: string, writable: boolean): Promise<{ affectedTopicCount: number }> {
    const group = await this.store.getGroup(brokerName);
    if (group === undefined || isTombstone(group)) return { affectedTopicCount: 0 };
    const queueData = (await this.store.getGroupQueueData(brokerName)).filter(
      (qd) => qd.epoch === group.epoch,
    );
    await mapLimit(queueData, this.concurrency, async (qd) => {
      const perm = writable ? withWrite(qd.perm) : withoutWrite(qd.perm);
      if (perm !== qd.perm) await this.store.updatePerm(qd, perm);
    });
    return { affectedTopicCount: queueData.length };
  }

  async getRouteInfoByTopic(topic: string, zone?: string) {
    const { queueDatas, orderTopicConf } = await this.store.getTopic(topic);
    if (queueDatas.length === 0) throw new TopicNotExistError(topic);
    const { groups, sweeper } = await this.groupsOfRoute(queueDatas);
    const route = assembleRoute({
      queueDatas,
      groups,
      at: livenessView(this.now(), sweeper),
      ...(orderTopicConf !== undefined ? { orderTopicConf } : {}),
      ...(zone !== undefined ? { zone } : {}),
    });
    if (route === undefined) throw new TopicNotExistError(topic);
    return route;
  }

  /** The groups a route names, from the group cache where it may, else in one BatchGetItem. */
  private async groupsOfRoute(queueDatas: readonly StoredQueueData[]) {
    if (!this.groupCache.enabled) return this.store.getGroups(queueDatas.map((qd) => qd.brokerName));
    const { hits, misses, sweeper } = this.groupCache.lookup(
      new Map(queueDatas.map((qd) => [qd.brokerName, qd.epoch])),
    );
    if (misses.length === 0 && sweeper !== undefined) return { groups: hits, sweeper };
    const read = await this.store.getGroups(misses);
    this.groupCache.store(read.groups.values(), read.sweeper);
    for (const [name, group] of read.groups) hits.set(name, group);
    return { groups: hits, sweeper: read.sweeper };
  }

  async getBrokerClusterInfo() {
    const { groups, sweeper } = await this.store.listGroups();
    return assembleClusterInfo(groups, livenessView(this.now(), sweeper));
  }

  async getAllTopicList(): Promise<string[]> {
    return this.topicsOf(() => true);
  }

  async getTopicsByCluster(clusterName: string): Promise<string[]> {
    return this.topicsOf((group) => group.clusterName === clusterName);
  }

  /** Topics with queue data on a live group that matches. */
  private async topicsOf(matches: (group: BrokerGroup) => boolean): Promise<string[]> {
    const { groups, sweeper } = await this.store.listGroups();
    const at = livenessView(this.now(), sweeper);
    const serving = groups.filter((g) => matches(g) && liveMembers(g, at).length > 0);
    const perGroup = await mapLimit(serving, this.concurrency, async (group) =>
      (await this.store.getGroupQueueData(group.brokerName))
        .filter((qd) => qd.epoch === group.epoch)
        .map((qd) => qd.topic),
    );
    return sortedUnique(perGroup.flat());
  }

  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    let { queueDatas } = await this.store.getTopic(topic);
    if (queueDatas.length === 0) return;
    if (clusterName !== undefined) {
      const { groups } = await this.store.getGroups(queueDatas.map((qd) => qd.brokerName));
      queueDatas = queueDatas.filter((qd) => groups.get(qd.brokerName)?.clusterName === clusterName);
    }
    await this.store.deleteQueueData(queueDatas);
    // As in RocketMQ, a broker that still lists the topic registers it again: its members' next
    // heartbeat must be a full one, which finds the queue data missing and writes it.
    await mapLimit(sortedUnique(queueDatas.map((qd) => qd.brokerName)), this.concurrency, (name) =>
      this.store.bumpTopology(name),
    );
  }

  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.store.putKv(namespace, key, value);
  }

  async getKvConfig(namespace: string, key: string): Promise<string> {
    const value = await this.store.getKv(namespace, key);
    if (value === undefined) throw new QueryNotFoundError(namespace, key);
    return value;
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    await this.store.deleteKv(namespace, key);
  }

  async getKvList(namespace: string): Promise<Record<string, string>> {
    const table = await this.store.listKv(namespace);
    if (Object.keys(table).length === 0) throw new QueryNotFoundError(namespace);
    return table;
  }

  async sweep(): Promise<SweepReport> {
    const started = this.now();
    const { groups, sweeper } = await this.store.listGroups();
    const now = this.now();
    const members = groups.flatMap((g) => Object.values(g.members));
    const decision = decideSweep(sweeper, members, now, this.selfPreservation);
    const groupCount = groups.filter((g) => !isTombstone(g)).length;
    await this.store.putSweeperState({ ...decision.next, groupCount });
    // Expires everyone dead, except those self-preservation keeps (live at its `since`, silent since).
    const view = livenessView(now, decision.next);
    const plans = groups.map((group) => ({ group, plan: planExpiry(group, view) }));
    const dead = members.filter((m) => isDead(m, now)).length;
    const expiring = plans.reduce((n, p) => n + p.plan.removals.length, 0);

    let expiredInstances = 0;
    let removedGroups = 0;
    await mapLimit(plans, this.concurrency, async ({ group, plan }) => {
      if (isTombstone(group)) {
        // A cleanup a previous sweep or unregister did not finish.
        await this.removeEmptyGroup(group.brokerName, group.epoch);
        removedGroups++;
        return;
      }
      if (plan.removals.length === 0 && group.writeClearPending) {
        // Finishes a WRITE clearing that an unregister or a sweep died in the middle of: nothing else
        // would ever resume it. (Found by the fault tests.) The marker keeps this to unfinished ones.
        await this.clearWritePerm(group.brokerName, group.epoch);
      }
      if (plan.removals.length === 0) return;
      const removed = await this.expire(group, plan);
      expiredInstances += removed.expired;
      if (removed.groupRemoved) removedGroups++;
    });

    return {
      groups: groups.length,
      liveInstances: members.length - dead,
      expiredInstances,
      removedGroups,
      preservedInstances: dead - expiring,
      selfPreservation: decision.next.selfPreservation,
      ...(decision.event !== undefined ? { selfPreservationEvent: decision.event } : {}),
      durationMs: this.now() - started,
    };
  }

  private async expire(
    group: BrokerGroup,
    plan: RemovalPlan,
  ): Promise<{ expired: number; groupRemoved: boolean }> {
    const after = await this.store.removeMembers(group.brokerName, group.epoch, plan.removals, {
      markWriteClear: plan.clearWritePerm,
    });
    // A conflict means a member heartbeated (or the group changed) since the sweep read it: never
    // expire on stale information; the next sweep looks again.
    if (after === "conflict") return { expired: 0, groupRemoved: false };
    await this.afterRemoval(group.brokerName, group.epoch, after);
    return { expired: plan.removals.length, groupRemoved: after === undefined || isTombstone(after) };
  }

  async health(): Promise<HealthReport> {
    const state = await this.store.getSweeperState();
    return {
      status: "ok",
      selfPreservation: {
        active: state.selfPreservation,
        ...(state.selfPreservation && state.since !== undefined ? { since: state.since } : {}),
        ...(state.selfPreservation && state.enteredAt !== undefined ? { enteredAt: state.enteredAt } : {}),
        ...(state.selfPreservation && state.protectUntil !== undefined
          ? { protectUntil: state.protectUntil }
          : {}),
      },
    };
  }
}
