/**
 * Route assembly (RocketMQ's pickupTopicRouteData, plus the zone filter of ZoneRouteRPCHook) and
 * cluster info, over live instances only.
 */
import { type At, isDead, isLive, liveBrokerAddrs, liveMembers } from "./liveness";
import {
  type BrokerData,
  type BrokerGroup,
  type BrokerLiveInfo,
  type ClusterInfo,
  MASTER_ID,
  type QueueData,
  type StoredQueueData,
  type TopicQueueMappingInfo,
  type TopicRouteData,
} from "./model";
import { isWriteable, withoutWrite } from "./perm";

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function brokerDataOf(group: BrokerGroup, at: At): BrokerData {
  const data: BrokerData = {
    cluster: group.clusterName,
    brokerName: group.brokerName,
    brokerAddrs: liveBrokerAddrs(group, at),
    enableActingMaster: group.enableActingMaster,
  };
  if (group.zoneName !== undefined) data.zoneName = group.zoneName;
  return data;
}

/** A group whose queue data counts: it exists in the same incarnation and has a live member. */
export function servingGroup(
  queueData: StoredQueueData,
  groups: ReadonlyMap<string, BrokerGroup>,
  at: At,
): BrokerGroup | undefined {
  const group = groups.get(queueData.brokerName);
  if (group === undefined || group.epoch !== queueData.epoch) return undefined;
  return liveMembers(group, at).length > 0 ? group : undefined;
}

export interface RouteInput {
  queueDatas: StoredQueueData[];
  groups: ReadonlyMap<string, BrokerGroup>;
  orderTopicConf?: string;
  /** Liveness: the real clock, or a view with self-preservation (see livenessView). */
  at: At;
  zone?: string;
  /** The topic: RocketMQ never rewrites the route of its SYNC_BROKER_MEMBER topics. */
  topic?: string;
  /** NamesrvConfig.supportActingMaster: list the acting master of a masterless group as id 0. */
  supportActingMaster?: boolean;
}

/** RocketMQ's TopicValidator.SYNC_BROKER_MEMBER_GROUP_PREFIX. */
export const SYNC_BROKER_MEMBER_GROUP_PREFIX = "rmq_sys_SYNC_BROKER_MEMBER_";

/**
 * An acting-master group whose master is registered but dead (by its heartbeat time), or whose WRITE
 * clearing is still under way: its queue data must not look writable, whenever the sweeper ran.
 */
function writeWithheld(group: BrokerGroup, at: At): boolean {
  if (!group.enableActingMaster) return false;
  const master = group.members[String(MASTER_ID)];
  if (master !== undefined) return !isLive(master, at);
  return group.writeClearPending === true;
}

/** The topic's route, or undefined when no live group serves it (TOPIC_NOT_EXIST). */
export function assembleRoute(input: RouteInput): TopicRouteData | undefined {
  const queueDatas: QueueData[] = [];
  const brokerDatas: BrokerData[] = [];
  const filterServerTable: Record<string, string[]> = {};
  const mappings: Record<string, TopicQueueMappingInfo> = {};
  const sorted = [...input.queueDatas].sort((a, b) => byName(a.brokerName, b.brokerName));
  for (const qd of sorted) {
    const group = servingGroup(qd, input.groups, input.at);
    if (group === undefined) continue;
    queueDatas.push({
      brokerName: qd.brokerName,
      readQueueNums: qd.readQueueNums,
      writeQueueNums: qd.writeQueueNums,
      perm: writeWithheld(group, input.at) ? withoutWrite(qd.perm) : qd.perm,
      topicSysFlag: qd.topicSysFlag,
    });
    if (qd.mapping !== undefined) mappings[qd.brokerName] = qd.mapping;
    brokerDatas.push(brokerDataOf(group, input.at));
    for (const member of liveMembers(group, input.at)) {
      if (member.filterServerList.length > 0)
        filterServerTable[member.brokerAddr] = [...member.filterServerList];
    }
  }
  if (queueDatas.length === 0) return undefined;

  let route: TopicRouteData = { queueDatas, brokerDatas, filterServerTable };
  if (input.orderTopicConf !== undefined) route.orderTopicConf = input.orderTopicConf;
  if (Object.keys(mappings).length > 0) route.topicQueueMappingByBroker = mappings;
  if (input.supportActingMaster === true && !input.topic?.startsWith(SYNC_BROKER_MEMBER_GROUP_PREFIX)) {
    route = withActingMasters(route);
  }
  return input.zone === undefined ? route : filterByZone(route, input.zone);
}

/**
 * The route with one group's membership replaced (a member left, expired or joined), as assembleRoute
 * would give it from the group's new state: its BrokerData and its members' filter servers, or the
 * group dropped with its queue data when `membership` is null; undefined when no group is left
 * (TOPIC_NOT_EXIST). Only for groups without acting masters (whose queue data's perm follows their
 * master's liveness) and routes without a zone filter: the caller refetches those.
 */
export function withGroupMembership(
  route: TopicRouteData,
  brokerName: string,
  membership: { brokerData: BrokerData; filterServers: Record<string, string[]> } | null,
): TopicRouteData | undefined {
  const held = route.brokerDatas.find((bd) => bd.brokerName === brokerName);
  if (held === undefined) return route;
  const filterServerTable = { ...route.filterServerTable };
  for (const addr of Object.values(held.brokerAddrs)) delete filterServerTable[addr];
  if (membership === null) {
    const queueDatas = route.queueDatas.filter((qd) => qd.brokerName !== brokerName);
    if (queueDatas.length === 0) return undefined;
    const brokerDatas = route.brokerDatas.filter((bd) => bd.brokerName !== brokerName);
    const mappings = route.topicQueueMappingByBroker;
    const rest: TopicRouteData = { ...route, queueDatas, brokerDatas, filterServerTable };
    if (mappings !== undefined && brokerName in mappings) {
      const { [brokerName]: _gone, ...others } = mappings;
      if (Object.keys(others).length > 0) rest.topicQueueMappingByBroker = others;
      else delete rest.topicQueueMappingByBroker;
    }
    return rest;
  }
  for (const [addr, servers] of Object.entries(membership.filterServers))
    filterServerTable[addr] = [...servers];
  return {
    ...route,
    brokerDatas: route.brokerDatas.map((bd) =>
      bd.brokerName === brokerName ? { ...membership.brokerData } : bd,
    ),
    filterServerTable,
  };
}

/**
 * RocketMQ's pickupTopicRouteData with supportActingMaster: in a masterless acting-master group whose
 * queue data is not writable, the live slave with the lowest id is listed as id 0, so that clients
 * that look for a master (to read from it) find one.
 */
export function withActingMasters(route: TopicRouteData): TopicRouteData {
  const perms = new Map(route.queueDatas.map((qd) => [qd.brokerName, qd.perm]));
  const brokerDatas = route.brokerDatas.map((bd) => {
    const ids = Object.keys(bd.brokerAddrs).map(Number);
    if (ids.length === 0 || ids.includes(MASTER_ID) || !bd.enableActingMaster) return bd;
    const perm = perms.get(bd.brokerName);
    if (perm === undefined || isWriteable(perm)) return bd;
    const lowest = String(Math.min(...ids));
    const { [lowest]: actingMaster, ...others } = bd.brokerAddrs;
    if (actingMaster === undefined) return bd;
    return { ...bd, brokerAddrs: { [String(MASTER_ID)]: actingMaster, ...others } };
  });
  return { ...route, brokerDatas };
}

/**
 * Keeps only groups of the zone; a group without a live master is kept whatever its zone, so that
 * consumers can still read from its slaves ("master down, consume from slave").
 */
export function filterByZone(route: TopicRouteData, zone: string): TopicRouteData {
  const removed = new Set<string>();
  const brokerDatas = route.brokerDatas.filter((bd) => {
    // ZoneRouteRPCHook compares zone names ignoring case.
    const keep =
      bd.brokerAddrs[String(MASTER_ID)] === undefined || bd.zoneName?.toLowerCase() === zone.toLowerCase();
    if (!keep) removed.add(bd.brokerName);
    return keep;
  });
  const filterServerTable = { ...route.filterServerTable };
  for (const bd of route.brokerDatas) {
    if (!removed.has(bd.brokerName)) continue;
    for (const addr of Object.values(bd.brokerAddrs)) delete filterServerTable[addr];
  }
  return {
    ...route,
    queueDatas: route.queueDatas.filter((qd) => !removed.has(qd.brokerName)),
    brokerDatas,
    filterServerTable,
  };
}

export function assembleClusterInfo(groups: Iterable<BrokerGroup>, at: At): ClusterInfo {
  const brokerAddrTable: Record<string, BrokerData> = {};
  const clusters = new Map<string, string[]>();
  const sorted = [...groups].sort((a, b) => byName(a.brokerName, b.brokerName));
  for (const group of sorted) {
    if (liveMembers(group, at).length === 0) continue;
    brokerAddrTable[group.brokerName] = brokerDataOf(group, at);
    const names = clusters.get(group.clusterName) ?? [];
    names.push(group.brokerName);
    clusters.set(group.clusterName, names);
  }
  const clusterAddrTable: Record<string, string[]> = {};
  for (const cluster of [...clusters.keys()].sort(byName))
    clusterAddrTable[cluster] = clusters.get(cluster) ?? [];
  return { brokerAddrTable, clusterAddrTable };
}

/**
 * RocketMQ's brokerLiveTable as the registry's reads see it: every live instance with the time of its
 * last heartbeat and its timeout, sorted by cluster, group and brokerId. `now` is the real time, `at`
 * the liveness clock: an instance dead by `now` but served because of self-preservation is `preserved`.
 */
export function brokerLiveTable(groups: Iterable<BrokerGroup>, now: number, at: At): BrokerLiveInfo[] {
  const sorted = [...groups].sort(
    (a, b) => byName(a.clusterName, b.clusterName) || byName(a.brokerName, b.brokerName),
  );
  const table: BrokerLiveInfo[] = [];
  for (const group of sorted) {
    for (const member of liveMembers(group, at)) {
      const info: BrokerLiveInfo = {
        clusterName: group.clusterName,
        brokerName: group.brokerName,
        enableActingMaster: group.enableActingMaster,
        brokerId: member.brokerId,
        brokerAddr: member.brokerAddr,
        lastUpdateTimestamp: member.lastUpdateTimestamp,
        heartbeatTimeoutMillis: member.heartbeatTimeoutMillis,
        dataVersion: member.dataVersion,
        preserved: isDead(member, now),
      };
      if (group.zoneName !== undefined) info.zoneName = group.zoneName;
      if (member.haServerAddr !== undefined) info.haServerAddr = member.haServerAddr;
      table.push(info);
    }
  }
  return table;
}

/**
 * Milliseconds left before each member listed in the routes reaches its heartbeat timeout, on the
 * registry's clock at `now`, by group and address: `{ brokerName: { brokerAddr: msLeft } }`. A member
 * is expired once `now` is past `lastUpdateTimestamp + heartbeatTimeoutMillis` (isDead, strict), so 0
 * still means listed. Members served only by self-preservation (dead by `now`) are left out: the
 * registry keeps listing them whatever their heartbeat time. Keyed by address, not id, as an acting
 * master is listed under id 0 with its own address.
 */
export function memberDeadlines(
  routes: Iterable<TopicRouteData>,
  groups: ReadonlyMap<string, BrokerGroup>,
  now: number,
): Record<string, Record<string, number>> {
  const deadlines: Record<string, Record<string, number>> = {};
  for (const route of routes) {
    for (const broker of route.brokerDatas) {
      const group = groups.get(broker.brokerName);
      if (group === undefined) continue;
      for (const addr of Object.values(broker.brokerAddrs)) {
        const member = Object.values(group.members).find((m) => m.brokerAddr === addr);
        if (member === undefined || isDead(member, now)) continue;
        const ofGroup = deadlines[broker.brokerName] ?? {};
        ofGroup[addr] = member.lastUpdateTimestamp + member.heartbeatTimeoutMillis - now;
        deadlines[broker.brokerName] = ofGroup;
      }
    }
  }
  return deadlines;
}
