/**
 * The NameServer's use cases: RocketMQ's rules (lib/domain, pure) carried out over the store port
 * with conditional writes. Each read-modify-write is optimistic: the write states what it read, and a
 * write that finds the group changed is planned again from what is there now.
 */
import { randomUUID } from "node:crypto";
import { mapLimit } from "../concurrency";
import {
  configFromStored,
  configView,
  type DeploymentSettings,
  type NamesrvConfig,
  parseConfigUpdate,
} from "../domain/config";
import {
  DisabledError,
  FullRegistrationRequiredError,
  InvalidRequestError,
  QueryNotFoundError,
  ServiceUnavailableError,
  TopicNotExistError,
} from "../domain/errors";
import {
  DEFAULT_HISTORY_RETENTION_DAYS,
  type HistoryAction,
  type HistoryChange,
  type HistoryEntry,
  type HistoryTarget,
  historyDays,
  historyEntry,
  historyExpiry,
  historyHorizon,
  historyId,
  matchesHistoryFilter,
} from "../domain/history";
import { isDead, isLive, liveBrokerAddrs, liveMembers, livenessView } from "../domain/liveness";
import {
  type BrokerGroup,
  LIMITS,
  MASTER_ID,
  ORDER_TOPIC_CONFIG_NAMESPACE,
  type QueryDataVersionRequest,
  type QueryDataVersionResult,
  type RegisterBrokerRequest,
  type RegisterBrokerResult,
  type RegisterTopicRequest,
  type StoredQueueData,
  type SystemTopicList,
  TOPIC_SYS_FLAG_UNIT,
  TOPIC_SYS_FLAG_UNIT_SUB,
  type TopicRouteData,
  type TouchBrokerRequest,
  type UnitTopicKind,
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
import { assembleClusterInfo, assembleRoute, brokerLiveTable } from "../domain/route";
import {
  DEFAULT_SELF_PRESERVATION,
  decideSweep,
  type SelfPreservationConfig,
} from "../domain/self-preservation";
import type { GroupSettings, RegistryStore } from "../store/registry-store";
import { currentCaller, runAsCaller, SWEEPER_CALLER } from "./caller-context";
import { GroupCache } from "./group-cache";
import type {
  BrokerMemberGroup,
  HealthReport,
  HistoryPage,
  HistoryQuery,
  NameServer,
  RegisterBrokerOutcome,
  RoutesAnswer,
  SweepReport,
} from "./name-server";
import { TtlCache } from "./ttl-cache";

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
  /**
   * How long an instance reuses the NameServer settings (PUT /config) and the ORDER_TOPIC_CONFIG table
   * it read: a change is in force everywhere within this time.
   * @default 3000
   */
  configCacheMs?: number;
  /**
   * How long the history of changes is kept (HISTORY_RETENTION_DAYS): DynamoDB's TTL deletes older
   * entries on AWS, and the sweeper deletes what TTL has not yet (DynamoDB Local never expires).
   * @default 30
   */
  historyRetentionDays?: number;
}

export const DEFAULT_CONFIG_CACHE_MS = 3000;

const queueView = (qd: {
  perm: number;
  readQueueNums: number;
  writeQueueNums: number;
  topicSysFlag: number;
}) => ({
  perm: qd.perm,
  readQueueNums: qd.readQueueNums,
  writeQueueNums: qd.writeQueueNums,
  topicSysFlag: qd.topicSysFlag,
});

/** What every registration overwrites on its group (RocketMQ's registerBroker sets them each time). */
const groupSettingsOf = (request: RegisterBrokerRequest): GroupSettings => ({
  clusterName: request.clusterName,
  enableActingMaster: request.enableActingMaster,
  ...(request.zoneName !== undefined ? { zoneName: request.zoneName } : {}),
});

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
  private readonly batchConcurrency: number;
  private readonly groupCache: GroupCache;
  private readonly config: TtlCache<NamesrvConfig>;
  private readonly orderTopicTable: TtlCache<Record<string, string>>;
  private readonly deployment: DeploymentSettings;
  private readonly historyRetentionDays: number;
  private historySequence = 0;

  constructor(deps: NameServerDependencies) {
    this.store = deps.store;
    this.now = deps.now ?? Date.now;
    this.newEpoch = deps.newEpoch ?? (() => randomUUID());
    this.selfPreservation = deps.selfPreservation ?? DEFAULT_SELF_PRESERVATION;
    this.maxAttempts = deps.maxAttempts ?? 8;
    this.concurrency = deps.concurrency ?? 8;
    // Reads of one POST /routes call: short Queries, so more in flight shortens the (billed) call.
    this.batchConcurrency = Math.max(this.concurrency, 32);
    this.groupCache = new GroupCache(deps.routeGroupCacheMs ?? 0, this.now);
    const configCacheMs = deps.configCacheMs ?? DEFAULT_CONFIG_CACHE_MS;
    this.config = new TtlCache(configCacheMs, this.now, async () =>
      configFromStored(await this.store.getConfig()),
    );
    this.orderTopicTable = new TtlCache(configCacheMs, this.now, () =>
      this.store.listKv(ORDER_TOPIC_CONFIG_NAMESPACE),
    );
    this.historyRetentionDays = deps.historyRetentionDays ?? DEFAULT_HISTORY_RETENTION_DAYS;
    this.deployment = {
      selfPreservation: this.selfPreservation,
      routeGroupCacheMs: deps.routeGroupCacheMs ?? 0,
      configCacheMs,
    };
  }

  /** Appends a history entry for a change, as the current caller; nothing when nothing changed. */
  private async record(
    action: HistoryAction,
    target: HistoryTarget,
    changes: HistoryChange[],
    always = false,
  ): Promise<void> {
    const time = this.now();
    const entry = historyEntry({
      // This instance's entries of one millisecond keep their order; instances differ by the random half.
      id: historyId(
        time,
        `${(this.historySequence++ & 0xffff).toString(16).padStart(4, "0")}${randomUUID().slice(0, 4)}`,
      ),
      time,
      action,
      caller: currentCaller(),
      target,
      changes,
      always,
    });
    if (entry !== undefined) {
      await this.store.appendHistory(entry, historyExpiry(time, this.historyRetentionDays));
    }
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

  /** What a full registration changed: a member joined or moved, members it displaced, topics. */
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
    if (pruned && request.topicConfigTable !== undefined) {
      for (const qd of current) {
        if (!Object.hasOwn(request.topicConfigTable, qd.topic)) {
          changes.push({ field: `topics.${qd.topic}`, before: queueView(qd) });
        }
      }
    }
    await this.record(
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
      await this.record(
        "broker.unregistered",
        { cluster: group.clusterName, broker: request.brokerName },
        plan.removals.map((r) => ({
          field: `members.${r.brokerId}`,
          before: group.members[String(r.brokerId)]?.brokerAddr ?? request.brokerAddr,
        })),
      );
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
    const changes: HistoryChange[] = [];
    await mapLimit(queueData, this.concurrency, async (qd) => {
      const perm = writable ? withWrite(qd.perm) : withoutWrite(qd.perm);
      if (perm === qd.perm) return;
      await this.store.updatePerm(qd, perm);
      changes.push({ field: `topics.${qd.topic}.perm`, before: qd.perm, after: perm });
    });
    changes.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
    await this.record(
      writable ? "writePerm.added" : "writePerm.wiped",
      { cluster: group.clusterName, broker: brokerName },
      changes,
    );
    return { affectedTopicCount: queueData.length };
  }

  async getRouteInfoByTopic(topic: string, zone?: string) {
    const [{ queueDatas, orderTopicConf }, config] = await Promise.all([
      this.store.getTopic(topic),
      this.config.get(),
    ]);
    if (queueDatas.length === 0) throw new TopicNotExistError(topic);
    const { groups, sweeper } = await this.groupsOfRoute(queueDatas);
    const route = assembleRoute({
      queueDatas,
      groups,
      at: livenessView(this.now(), sweeper),
      topic,
      supportActingMaster: config.supportActingMaster,
      ...(orderTopicConf !== undefined && config.orderMessageEnable ? { orderTopicConf } : {}),
      ...(zone !== undefined ? { zone } : {}),
    });
    if (route === undefined) throw new TopicNotExistError(topic);
    return route;
  }

  async getRoutes(topics: readonly string[], zone?: string): Promise<RoutesAnswer> {
    // One Query per topic (its queue data and ORDER_TOPIC_CONFIG mirror), then the union of their
    // groups once: from the cache, the rest in one BatchGetItem per 100 groups.
    const [items, config] = await Promise.all([
      mapLimit(topics, this.batchConcurrency, (topic) => this.store.getTopic(topic)),
      this.config.get(),
    ]);
    const queueDatas = items.flatMap((item) => item.queueDatas);
    const routes = new Map<string, TopicRouteData>();
    const missing: string[] = [];
    if (queueDatas.length === 0) return { routes, missing: [...topics] };
    const { groups, sweeper } = await this.groupsOfRoute(queueDatas);
    const at = livenessView(this.now(), sweeper);
    for (const [index, topic] of topics.entries()) {
      const { queueDatas: topicQueueDatas, orderTopicConf } = items[index] ?? { queueDatas: [] };
      const route =
        topicQueueDatas.length === 0
          ? undefined
          : // Exactly as getRouteInfoByTopic assembles it (the same settings in force).
            assembleRoute({
              queueDatas: topicQueueDatas,
              groups,
              at,
              topic,
              supportActingMaster: config.supportActingMaster,
              ...(orderTopicConf !== undefined && config.orderMessageEnable ? { orderTopicConf } : {}),
              ...(zone !== undefined ? { zone } : {}),
            });
      if (route === undefined) missing.push(topic);
      else routes.set(topic, route);
    }
    return { routes, missing };
  }

  /** The groups a route names, from the group cache where it may, else in one BatchGetItem. */
  private async groupsOfRoute(queueDatas: readonly StoredQueueData[]) {
    if (!this.groupCache.enabled) return this.store.getGroups(queueDatas.map((qd) => qd.brokerName));
    // Topics of one batch may name a group under different epochs (queue data of an older incarnation
    // not yet cleaned): such a group is read, so the route never trusts a cached epoch for it.
    const wanted = new Map<string, string>();
    for (const qd of queueDatas) {
      const previous = wanted.get(qd.brokerName);
      wanted.set(qd.brokerName, previous === undefined || previous === qd.epoch ? qd.epoch : "");
    }
    const { hits, misses, sweeper } = this.groupCache.lookup(wanted);
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

  async listBrokers() {
    const { groups, sweeper } = await this.store.listGroups();
    const now = this.now();
    return { now, brokers: brokerLiveTable(groups, now, livenessView(now, sweeper)) };
  }

  async getAllTopicList(): Promise<string[]> {
    if (!(await this.config.get()).enableAllTopicList) throw new DisabledError("enableAllTopicList");
    return sortedUnique((await this.queueDataOf(() => true)).map((qd) => qd.topic));
  }

  async getTopicsByCluster(clusterName: string): Promise<string[]> {
    if (!(await this.config.get()).enableTopicList) throw new DisabledError("enableTopicList");
    const queueData = await this.queueDataOf((group) => group.clusterName === clusterName);
    return sortedUnique(queueData.map((qd) => qd.topic));
  }

  async getUnitTopicList(kind: UnitTopicKind): Promise<string[]> {
    if (!(await this.config.get()).enableTopicList) throw new DisabledError("enableTopicList");
    // RocketMQ looks at one queue data per topic (the first of its map); here: of the first group by name.
    const first = new Map<string, StoredQueueData>();
    for (const qd of await this.queueDataOf(() => true)) {
      const seen = first.get(qd.topic);
      if (seen === undefined || qd.brokerName < seen.brokerName) first.set(qd.topic, qd);
    }
    const unit = (flag: number) => (flag & TOPIC_SYS_FLAG_UNIT) !== 0;
    const unitSub = (flag: number) => (flag & TOPIC_SYS_FLAG_UNIT_SUB) !== 0;
    const matches: Record<UnitTopicKind, (flag: number) => boolean> = {
      unit,
      "unit-sub": unitSub,
      "unit-sub-ununit": (flag) => unitSub(flag) && !unit(flag),
    };
    return sortedUnique(
      [...first.values()].filter((qd) => matches[kind](qd.topicSysFlag)).map((qd) => qd.topic),
    );
  }

  async getSystemTopicList(): Promise<SystemTopicList> {
    const { groups, sweeper } = await this.store.listGroups();
    const at = livenessView(this.now(), sweeper);
    const live = groups
      .filter((g) => liveMembers(g, at).length > 0)
      .sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
    const result: SystemTopicList = {
      topicList: sortedUnique(live.flatMap((g) => [g.clusterName, g.brokerName])),
    };
    // API.md: one live master's address; failing that (RocketMQ takes any), the lowest-id live member's.
    const masters = live.map((g) => liveMembers(g, at).find((m) => m.brokerId === MASTER_ID));
    const addr =
      masters.find((m) => m !== undefined)?.brokerAddr ??
      live.map((g) => liveMembers(g, at)[0])[0]?.brokerAddr;
    if (addr !== undefined) result.brokerAddr = addr;
    return result;
  }

  async registerTopic(request: RegisterTopicRequest): Promise<void> {
    // RocketMQ's map put: the last queue data of a group wins.
    const byGroup = new Map(request.queueDatas.map((qd) => [qd.brokerName, qd]));
    if (byGroup.size === 0) return;
    const [{ groups }, existing] = await Promise.all([
      this.store.getGroups([...byGroup.keys()]),
      this.store.getTopic(request.topic),
    ]);
    const items: StoredQueueData[] = [];
    for (const [brokerName, qd] of byGroup) {
      const group = groups.get(brokerName);
      if (group === undefined || isTombstone(group)) continue; // not registered: ignored (API.md)
      // A static topic's mapping lives with the queue data: replacing the queue data keeps it.
      const mapping = existing.queueDatas.find(
        (stored) => stored.brokerName === brokerName && stored.epoch === group.epoch,
      )?.mapping;
      items.push({
        ...qd,
        topic: request.topic,
        epoch: group.epoch,
        ...(mapping !== undefined ? { mapping } : {}),
      });
    }
    if (items.length === 0) return;
    await this.store.putQueueData(items);
    await this.record(
      "topic.registered",
      { topic: request.topic },
      items.map((qd) => {
        const old = existing.queueDatas.find((s) => s.brokerName === qd.brokerName && s.epoch === qd.epoch);
        return {
          field: `topics.${request.topic}.${qd.brokerName}`,
          ...(old === undefined ? {} : { before: queueView(old) }),
          after: queueView(qd),
        };
      }),
    );
  }

  async getConfig(): Promise<Record<string, string>> {
    return configView(await this.config.reload(), this.deployment);
  }

  async updateConfig(settings: Record<string, unknown>): Promise<void> {
    const update = parseConfigUpdate(settings);
    const before = await this.config.reload();
    await this.store.putConfig(update);
    this.config.invalidate();
    const previous = before as unknown as Record<string, unknown>;
    await this.record(
      "config.updated",
      {},
      Object.entries(update).map(([field, after]) => ({ field, before: previous[field], after })),
    );
    if (update.deleteTopicWithBrokerRegistration === true && !before.deleteTopicWithBrokerRegistration) {
      // A steady heartbeat writes no topic: make every member's next heartbeat a full registration,
      // so the switch removes unlisted topics within one heartbeat period, as RocketMQ's does.
      const { groups } = await this.store.listGroups();
      await mapLimit(
        groups.filter((g) => !isTombstone(g)),
        this.concurrency,
        (g) => this.store.bumpTopology(g.brokerName),
      );
    }
  }

  /** Queue data (current incarnation) of the live groups that match. */
  private async queueDataOf(matches: (group: BrokerGroup) => boolean): Promise<StoredQueueData[]> {
    const { groups, sweeper } = await this.store.listGroups();
    const at = livenessView(this.now(), sweeper);
    const serving = groups.filter((g) => matches(g) && liveMembers(g, at).length > 0);
    const perGroup = await mapLimit(serving, this.concurrency, async (group) =>
      (await this.store.getGroupQueueData(group.brokerName)).filter((qd) => qd.epoch === group.epoch),
    );
    return perGroup.flat();
  }

  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    let { queueDatas } = await this.store.getTopic(topic);
    if (queueDatas.length === 0) return;
    if (clusterName !== undefined) {
      const { groups } = await this.store.getGroups(queueDatas.map((qd) => qd.brokerName));
      queueDatas = queueDatas.filter((qd) => groups.get(qd.brokerName)?.clusterName === clusterName);
    }
    if (queueDatas.length === 0) return;
    await this.store.deleteQueueData(queueDatas);
    await this.record(
      "topic.deleted",
      { topic, ...(clusterName === undefined ? {} : { cluster: clusterName }) },
      queueDatas.map((qd) => ({ field: `topics.${topic}.${qd.brokerName}`, before: queueView(qd) })),
    );
    // As in RocketMQ, a broker that still lists the topic registers it again: its members' next
    // heartbeat must be a full one, which finds the queue data missing and writes it.
    await mapLimit(sortedUnique(queueDatas.map((qd) => qd.brokerName)), this.concurrency, (name) =>
      this.store.bumpTopology(name),
    );
  }

  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    const before = await this.store.getKv(namespace, key);
    await this.store.putKv(namespace, key, value);
    await this.record("kv.put", { namespace, key }, [
      { field: "value", ...(before === undefined ? {} : { before }), after: value },
    ]);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) this.orderTopicTable.invalidate();
  }

  async getKvConfig(namespace: string, key: string): Promise<string> {
    const value = await this.store.getKv(namespace, key);
    if (value === undefined) throw new QueryNotFoundError(namespace, key);
    return value;
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    const before = await this.store.getKv(namespace, key);
    await this.store.deleteKv(namespace, key);
    if (before !== undefined)
      await this.record("kv.deleted", { namespace, key }, [{ field: "value", before }]);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) this.orderTopicTable.invalidate();
  }

  async getKvList(namespace: string): Promise<Record<string, string>> {
    const table = await this.store.listKv(namespace);
    if (Object.keys(table).length === 0) throw new QueryNotFoundError(namespace);
    return table;
  }

  async sweep(): Promise<SweepReport> {
    return runAsCaller(SWEEPER_CALLER, () => this.sweepAsSweeper());
  }

  private async sweepAsSweeper(): Promise<SweepReport> {
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

    // Once an hour (the first sweep of each hour): a steady sweep stays two requests.
    const hour = (t: number) => Math.floor(t / 3_600_000);
    if (sweeper.lastSweepAt === undefined || hour(sweeper.lastSweepAt) !== hour(now)) {
      await this.cleanHistory(now);
    }

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
    await this.record(
      "broker.expired",
      { cluster: group.clusterName, broker: group.brokerName },
      plan.removals.map((r) => ({
        field: `members.${r.brokerId}`,
        before: group.members[String(r.brokerId)]?.brokerAddr,
      })),
    );
    await this.afterRemoval(group.brokerName, group.epoch, after);
    return { expired: plan.removals.length, groupRemoved: after === undefined || isTombstone(after) };
  }

  async getHistory(query: HistoryQuery): Promise<HistoryPage> {
    const now = this.now();
    const horizon = historyHorizon(now, this.historyRetentionDays);
    const since = Math.max(query.since ?? horizon, horizon);
    const fromCursor = query.cursor === undefined ? undefined : Number(query.cursor.slice(0, 13));
    const start = fromCursor === undefined ? since : Math.max(since, fromCursor);
    const entries: HistoryEntry[] = [];
    let afterId = query.cursor;
    const fromId = historyId(since, "");
    for (const day of historyDays(start, now)) {
      for (;;) {
        const batch = await this.store.queryHistoryDay(day, {
          ...(afterId !== undefined && afterId >= fromId ? { afterId } : { fromId }),
          limit: query.limit,
        });
        for (const entry of batch) {
          if (entries.length < query.limit && matchesHistoryFilter(entry, query)) entries.push(entry);
        }
        const last = batch[batch.length - 1];
        if (last !== undefined) afterId = last.id;
        if (entries.length >= query.limit) {
          return {
            entries,
            nextCursor: entries[entries.length - 1]?.id as string,
            retentionDays: this.historyRetentionDays,
          };
        }
        if (batch.length < query.limit) break;
      }
    }
    return { entries, retentionDays: this.historyRetentionDays };
  }

  /**
   * Deletes history past its retention that DynamoDB's TTL has not deleted yet (it may take days on
   * AWS, and DynamoDB Local never does): the horizon's day and the day before, up to 25 each, on the
   * first sweep of each hour.
   */
  private async cleanHistory(now: number): Promise<void> {
    const horizon = historyHorizon(now, this.historyRetentionDays);
    const beforeId = historyId(horizon, "");
    for (const day of historyDays(horizon - 86_400_000, horizon)) {
      await this.store.deleteHistoryBefore(day, beforeId, 25);
    }
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
