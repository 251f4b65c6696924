/**
 * Route assembly (RocketMQ's pickupTopicRouteData, plus the zone filter of ZoneRouteRPCHook) and
 * cluster info, over live instances only.
 */
import { type At, liveBrokerAddrs, liveMembers } from "./liveness";
import {
  type BrokerData,
  type BrokerGroup,
  type ClusterInfo,
  MASTER_ID,
  type QueueData,
  type StoredQueueData,
  type TopicRouteData,
} from "./model";

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
}

/** The topic's route, or undefined when no live group serves it (TOPIC_NOT_EXIST). */
export function assembleRoute(input: RouteInput): TopicRouteData | undefined {
  const queueDatas: QueueData[] = [];
  const brokerDatas: BrokerData[] = [];
  const filterServerTable: Record<string, string[]> = {};
  const sorted = [...input.queueDatas].sort((a, b) => byName(a.brokerName, b.brokerName));
  for (const qd of sorted) {
    const group = servingGroup(qd, input.groups, input.at);
    if (group === undefined) continue;
    queueDatas.push({
      brokerName: qd.brokerName,
      readQueueNums: qd.readQueueNums,
      writeQueueNums: qd.writeQueueNums,
      perm: qd.perm,
      topicSysFlag: qd.topicSysFlag,
    });
    brokerDatas.push(brokerDataOf(group, input.at));
    for (const member of liveMembers(group, input.at)) {
      if (member.filterServerList.length > 0)
        filterServerTable[member.brokerAddr] = [...member.filterServerList];
    }
  }
  if (queueDatas.length === 0) return undefined;

  const route: TopicRouteData = { queueDatas, brokerDatas, filterServerTable };
  if (input.orderTopicConf !== undefined) route.orderTopicConf = input.orderTopicConf;
  return input.zone === undefined ? route : filterByZone(route, input.zone);
}

/**
 * Keeps only groups of the zone; a group without a live master is kept whatever its zone, so that
 * consumers can still read from its slaves ("master down, consume from slave").
 */
export function filterByZone(route: TopicRouteData, zone: string): TopicRouteData {
  const removed = new Set<string>();
  const brokerDatas = route.brokerDatas.filter((bd) => {
    const keep = bd.brokerAddrs[String(MASTER_ID)] === undefined || bd.zoneName === zone;
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
