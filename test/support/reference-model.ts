/**
 * A deliberately naive, in-memory NameServer: RocketMQ's RouteInfoManager rules as API.md states
 * them, applied one operation at a time under one big lock, as RocketMQ itself does. It shares no
 * code with lib/domain (only types), so that the race tests compare the real registry against an
 * independent statement of the rules rather than against itself.
 */
import type {
  BrokerData,
  ClusterInfo,
  DataVersion,
  QueueData,
  RegisterBrokerRequest,
  RegisterBrokerResult,
  TopicRouteData,
} from "../../lib/domain/model";

const WRITE = 2;

export interface ModelMember {
  brokerId: number;
  brokerAddr: string;
  haServerAddr?: string;
  lastUpdateTimestamp: number;
  heartbeatTimeoutMillis: number;
  dataVersion: DataVersion;
  filterServerList: string[];
}

export interface ModelGroup {
  clusterName: string;
  brokerName: string;
  zoneName?: string;
  enableActingMaster: boolean;
  members: Map<number, ModelMember>;
}

export type ModelRegisterOutcome =
  | { ok: true; response: RegisterBrokerResult }
  | { ok: false; code: "FULL_REGISTRATION_REQUIRED" };

const sameVersion = (a: DataVersion, b: DataVersion) =>
  a.stateVersion === b.stateVersion && a.timestamp === b.timestamp && a.counter === b.counter;

const isDead = (m: ModelMember, now: number) => m.lastUpdateTimestamp + m.heartbeatTimeoutMillis < now;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class ReferenceModel {
  readonly groups = new Map<string, ModelGroup>();
  /** topic → brokerName → queue data. */
  readonly topicQueueTable = new Map<string, Map<string, QueueData>>();

  /** REGISTER_BROKER: a full registration, or a light heartbeat when topicConfigTable is absent. */
  register(request: RegisterBrokerRequest, now: number): ModelRegisterOutcome {
    const id = request.brokerId;
    let group = this.groups.get(request.brokerName);

    if (request.topicConfigTable === undefined) {
      const self = group?.members.get(id);
      if (
        self === undefined ||
        self.brokerAddr !== request.brokerAddr ||
        !sameVersion(self.dataVersion, request.dataVersion)
      ) {
        return { ok: false, code: "FULL_REGISTRATION_REQUIRED" };
      }
      self.lastUpdateTimestamp = now;
      if (group !== undefined) this.applySettings(group, request);
      return { ok: true, response: { topicConfigApplied: false, ...this.masterOf(group, id, now) } };
    }

    const current = group?.members.get(id);
    if (
      current !== undefined &&
      current.brokerAddr !== request.brokerAddr &&
      !isDead(current, now) &&
      current.dataVersion.stateVersion > request.dataVersion.stateVersion
    ) {
      // The promotion clean-up comes first: the rejected address leaves the registry.
      if (group !== undefined)
        this.unregister({ brokerName: group.brokerName, brokerAddr: request.brokerAddr });
      return { ok: true, response: { topicConfigApplied: false } };
    }

    if (group === undefined) {
      group = {
        clusterName: request.clusterName,
        brokerName: request.brokerName,
        enableActingMaster: request.enableActingMaster,
        members: new Map(),
      };
      this.groups.set(request.brokerName, group);
    }
    this.applySettings(group, request);

    const previous = [...group.members.values()].find((m) => m.brokerAddr === request.brokerAddr);
    const firstRegistration = current === undefined;
    const dataVersionChanged =
      previous === undefined || !sameVersion(previous.dataVersion, request.dataVersion);
    const response: RegisterBrokerResult = { topicConfigApplied: false, ...this.masterOf(group, id, now) };

    // Promotion: one address, one id.
    for (const [otherId, m] of group.members) {
      if (m.brokerAddr === request.brokerAddr && otherId !== id) group.members.delete(otherId);
    }
    const member: ModelMember = {
      brokerId: id,
      brokerAddr: request.brokerAddr,
      lastUpdateTimestamp: now,
      heartbeatTimeoutMillis: request.heartbeatTimeoutMillis,
      dataVersion: { ...request.dataVersion },
      filterServerList: [...(request.filterServerList ?? previous?.filterServerList ?? [])],
    };
    if (request.haServerAddr !== undefined) member.haServerAddr = request.haServerAddr;
    group.members.set(id, member);

    const minId = Math.min(...group.members.keys());
    const isMaster = id === 0;
    const isPrimeSlave = !isMaster && id === minId;
    if (isMaster || isPrimeSlave) {
      response.topicConfigApplied = true;
      for (const [topic, config] of Object.entries(request.topicConfigTable)) {
        const perTopic = this.topicQueueTable.get(topic) ?? new Map<string, QueueData>();
        if (firstRegistration || dataVersionChanged || !perTopic.has(request.brokerName)) {
          perTopic.set(request.brokerName, {
            brokerName: request.brokerName,
            readQueueNums: config.readQueueNums,
            writeQueueNums: config.writeQueueNums,
            perm: isPrimeSlave && request.enableActingMaster ? config.perm & ~WRITE : config.perm,
            topicSysFlag: config.topicSysFlag,
          });
        }
        this.topicQueueTable.set(topic, perTopic);
      }
    }
    return { ok: true, response };
  }

  /** What every registration overwrites, also a light heartbeat. */
  private applySettings(group: ModelGroup, request: RegisterBrokerRequest): void {
    group.clusterName = request.clusterName;
    group.enableActingMaster = request.enableActingMaster;
    if (request.zoneName === undefined) delete group.zoneName;
    else group.zoneName = request.zoneName;
  }

  /** UNREGISTER_BROKER: every entry of the group with that address goes, then the cascade. */
  unregister(request: { brokerName: string; brokerAddr: string }): void {
    const group = this.groups.get(request.brokerName);
    if (group === undefined) return;
    const removed = [...group.members.values()].filter((m) => m.brokerAddr === request.brokerAddr);
    this.removeMembers(group, removed);
  }

  /** scanNotActiveBroker: every dead instance goes with the unregister cascade. */
  sweep(now: number): number {
    let expired = 0;
    for (const group of [...this.groups.values()]) {
      const dead = [...group.members.values()].filter((m) => isDead(m, now));
      expired += dead.length;
      this.removeMembers(group, dead);
    }
    return expired;
  }

  private removeMembers(group: ModelGroup, removed: ModelMember[]): void {
    if (removed.length === 0) return;
    for (const m of removed) group.members.delete(m.brokerId);
    if (group.members.size === 0) {
      this.groups.delete(group.brokerName);
      for (const [topic, perTopic] of this.topicQueueTable) {
        perTopic.delete(group.brokerName);
        if (perTopic.size === 0) this.topicQueueTable.delete(topic);
      }
      return;
    }
    if (group.enableActingMaster && !group.members.has(0)) {
      for (const perTopic of this.topicQueueTable.values()) {
        const qd = perTopic.get(group.brokerName);
        if (qd !== undefined) qd.perm &= ~WRITE;
      }
    }
  }

  private masterOf(group: ModelGroup | undefined, id: number, now: number): Partial<RegisterBrokerResult> {
    if (id === 0 || group === undefined) return {};
    const master = group.members.get(0);
    if (master === undefined || isDead(master, now)) return {};
    return master.haServerAddr === undefined
      ? { masterAddr: master.brokerAddr }
      : { masterAddr: master.brokerAddr, haServerAddr: master.haServerAddr };
  }

  private liveAddrs(group: ModelGroup, now: number): Record<string, string> {
    const addrs: Record<string, string> = {};
    const ids = [...group.members.keys()].sort((a, b) => a - b);
    for (const id of ids) {
      const m = group.members.get(id);
      if (m !== undefined && !isDead(m, now)) addrs[String(id)] = m.brokerAddr;
    }
    return addrs;
  }

  private brokerData(group: ModelGroup, now: number): BrokerData {
    const data: BrokerData = {
      cluster: group.clusterName,
      brokerName: group.brokerName,
      brokerAddrs: this.liveAddrs(group, now),
      enableActingMaster: group.enableActingMaster,
    };
    if (group.zoneName !== undefined) data.zoneName = group.zoneName;
    return data;
  }

  private serving(brokerName: string, now: number): ModelGroup | undefined {
    const group = this.groups.get(brokerName);
    if (group === undefined) return undefined;
    return [...group.members.values()].some((m) => !isDead(m, now)) ? group : undefined;
  }

  /** GET_ROUTEINFO_BY_TOPIC; undefined for TOPIC_NOT_EXIST. */
  route(topic: string, now: number): TopicRouteData | undefined {
    const perTopic = this.topicQueueTable.get(topic);
    if (perTopic === undefined) return undefined;
    const route: TopicRouteData = { queueDatas: [], brokerDatas: [], filterServerTable: {} };
    for (const brokerName of [...perTopic.keys()].sort(compare)) {
      const group = this.serving(brokerName, now);
      const qd = perTopic.get(brokerName);
      if (group === undefined || qd === undefined) continue;
      const master = group.members.get(0);
      // An acting-master group with a dead master is never shown writable.
      const withheld = group.enableActingMaster && master !== undefined && isDead(master, now);
      route.queueDatas.push({ ...qd, perm: withheld ? qd.perm & ~WRITE : qd.perm });
      route.brokerDatas.push(this.brokerData(group, now));
      for (const m of group.members.values()) {
        if (!isDead(m, now) && m.filterServerList.length > 0)
          route.filterServerTable[m.brokerAddr] = [...m.filterServerList];
      }
    }
    return route.queueDatas.length === 0 ? undefined : route;
  }

  clusterInfo(now: number): ClusterInfo {
    const info: ClusterInfo = { brokerAddrTable: {}, clusterAddrTable: {} };
    const clusters = new Map<string, string[]>();
    for (const brokerName of [...this.groups.keys()].sort(compare)) {
      const group = this.serving(brokerName, now);
      if (group === undefined) continue;
      info.brokerAddrTable[brokerName] = this.brokerData(group, now);
      clusters.set(group.clusterName, [...(clusters.get(group.clusterName) ?? []), brokerName]);
    }
    for (const cluster of [...clusters.keys()].sort(compare))
      info.clusterAddrTable[cluster] = clusters.get(cluster) ?? [];
    return info;
  }

  /** Topics with queue data on a live group (of the cluster, when given), sorted. */
  topicList(now: number, clusterName?: string): string[] {
    const out: string[] = [];
    for (const [topic, perTopic] of this.topicQueueTable) {
      const served = [...perTopic.keys()].some((brokerName) => {
        const group = this.serving(brokerName, now);
        return group !== undefined && (clusterName === undefined || group.clusterName === clusterName);
      });
      if (served) out.push(topic);
    }
    return out.sort(compare);
  }
}
