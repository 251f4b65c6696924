/**
 * What the route table answers and the operator's topic and permission changes (RocketMQ's
 * RouteInfoManager#pickupTopicRouteData, #getAllClusterInfo, the topic lists, #registerTopic,
 * #deleteTopic, #wipeWritePermOfBrokerByLock): reads assemble routes with the pure rules of
 * lib/domain/route.ts from what the store holds.
 */
import { mapLimit } from "../concurrency";
import { DisabledError, TopicNotExistError } from "../domain/errors";
import type { HistoryChange } from "../domain/history";
import { liveBrokerAddrs, liveMembers, livenessView } from "../domain/liveness";
import {
  type BrokerGroup,
  MASTER_ID,
  type RegisterTopicRequest,
  type StoredQueueData,
  type SystemTopicList,
  TOPIC_SYS_FLAG_UNIT,
  TOPIC_SYS_FLAG_UNIT_SUB,
  type TopicRouteData,
  type UnitTopicKind,
} from "../domain/model";
import { withoutWrite, withWrite } from "../domain/perm";
import { isTombstone } from "../domain/registration";
import { assembleClusterInfo, assembleRoute, brokerLiveTable, memberDeadlines } from "../domain/route";
import { queueView } from "./history-log";
import type { BrokerMemberGroup, RoutesAnswer } from "./name-server";
import { UseCases } from "./use-case-context";

const sortedUnique = (names: Iterable<string>) =>
  [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export class RouteInfo extends UseCases {
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
    await this.history.record(
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

  async getRoutes(
    topics: readonly string[],
    zone?: string,
    options: { deadlines?: boolean } = {},
  ): Promise<RoutesAnswer> {
    // No topic (a gateway's feed round asks only for the change feed): nothing to read. (The HTTP
    // handler does not even call this then; in-process callers, the bench and tests, do.)
    if (topics.length === 0)
      return { routes: new Map(), missing: [], ...(options.deadlines === true ? { deadlines: {} } : {}) };
    // One Query per topic (its queue data and ORDER_TOPIC_CONFIG mirror), then the union of their
    // groups once: from the cache, the rest in one BatchGetItem per 100 groups.
    const [items, config] = await Promise.all([
      mapLimit(topics, this.batchConcurrency, (topic) => this.store.getTopic(topic)),
      this.config.get(),
    ]);
    const queueDatas = items.flatMap((item) => item.queueDatas);
    const routes = new Map<string, TopicRouteData>();
    const missing: string[] = [];
    if (queueDatas.length === 0) {
      return { routes, missing: [...topics], ...(options.deadlines === true ? { deadlines: {} } : {}) };
    }
    const { groups, sweeper } = await this.groupsOfRoute(queueDatas);
    const now = this.now();
    const at = livenessView(now, sweeper);
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
    if (options.deadlines !== true) return { routes, missing };
    // From the same group reads and the same clock as the routes: no extra read.
    return { routes, missing, deadlines: memberDeadlines(routes.values(), groups, now) };
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
    await this.history.record(
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
    await this.history.record(
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
}
