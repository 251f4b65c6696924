/**
 * The single table's keys and item shapes (README "Data model"): how the adapter writes a broker
 * group, its members, queue data, KV and settings, and how it parses them back (never a cast).
 */
import * as z from "zod";
import { NO_SWEEPER_STATE, type SweeperState } from "../domain/liveness";
import type { BrokerGroup, BrokerMember, DataVersion, StoredQueueData } from "../domain/model";

export const GROUPS_PK = "GROUPS";
export const SWEEPER_SK = "SWEEPER";
export const groupKey = (brokerName: string) => ({ pk: GROUPS_PK, sk: `GROUP#${brokerName}` });
export const queueDataKey = (topic: string, brokerName: string) => ({
  pk: `TOPIC#${topic}`,
  sk: `QD#${brokerName}`,
});
export const orderKey = (topic: string) => ({ pk: `TOPIC#${topic}`, sk: "ORDER" });
export const kvKey = (namespace: string, key: string) => ({ pk: `KV#${namespace}`, sk: `KEY#${key}` });
export const GRACE_SECONDS = 24 * 3600;
/** The NameServer's settings (GET/PUT /config): one item, one attribute per setting. */
export const CONFIG_KEY = { pk: "CONFIG", sk: "NAMESRV" };
/**
 * The sweeper's liveness digest (lib/domain/change-feed.ts): one item in a partition of its own, so
 * that the route function's grant reaches it without reaching the broker groups.
 */
export const LIVENESS_KEY = { pk: "LIVENESS", sk: "DIGEST" };

// Stored member: compact names keep a group item small (see the module comment).
const storedMemberSchema = z.object({
  id: z.number().int(),
  a: z.string(),
  ha: z.string().optional(),
  hb: z.number(),
  to: z.number(),
  /** dataVersion as `stateVersion.timestamp.counter`: a string compares in one condition. */
  dv: z.string().regex(/^\d+\.\d+\.\d+$/),
  fs: z.array(z.string()).optional(),
  dg: z.string().optional(),
  tv: z.number(),
  ta: z.boolean(),
});
type StoredMember = z.infer<typeof storedMemberSchema>;

const groupItemSchema = z.object({
  brokerName: z.string(),
  clusterName: z.string(),
  zoneName: z.string().optional(),
  enableActingMaster: z.boolean(),
  epoch: z.string(),
  topologyVersion: z.number(),
  members: z.record(z.string(), storedMemberSchema),
  writeClearPending: z.boolean().optional(),
});

const queueDataItemSchema = z.object({
  topic: z.string(),
  brokerName: z.string(),
  epoch: z.string(),
  readQueueNums: z.number(),
  writeQueueNums: z.number(),
  perm: z.number(),
  topicSysFlag: z.number(),
  /** Static topic: TopicQueueMappingInfo as JSON text (kept exactly as the broker sent it). */
  mapping: z.string().optional(),
});

const sweeperItemSchema = z.object({
  selfPreservation: z.boolean(),
  since: z.number().optional(),
  enteredAt: z.number().optional(),
  protectUntil: z.number().optional(),
  renewedBaseline: z.number().optional(),
  recoveringSince: z.number().optional(),
  lastHealthySweepAt: z.number().optional(),
  lastSweepAt: z.number().optional(),
  groupCount: z.number().optional(),
});

/** The digest's members with compact names (`b` broker group, `a` address, `d` deadline, epoch ms). */
export const livenessItemSchema = z.object({
  sweptAt: z.number(),
  m: z.array(z.object({ b: z.string(), a: z.string(), d: z.number() })),
  cut: z.literal(true).optional(),
});

export const kvItemSchema = z.object({ key: z.string(), value: z.string() });

export const encodeDataVersion = (dv: DataVersion) => `${dv.stateVersion}.${dv.timestamp}.${dv.counter}`;
function decodeDataVersion(encoded: string): DataVersion {
  const [stateVersion = 0, timestamp = 0, counter = 0] = encoded.split(".").map(Number);
  return { stateVersion, timestamp, counter };
}

export function encodeMember(m: BrokerMember): StoredMember {
  const stored: StoredMember = {
    id: m.brokerId,
    a: m.brokerAddr,
    hb: m.lastUpdateTimestamp,
    to: m.heartbeatTimeoutMillis,
    dv: encodeDataVersion(m.dataVersion),
    tv: m.topologyVersion,
    ta: m.topicAuthority,
  };
  if (m.haServerAddr !== undefined) stored.ha = m.haServerAddr;
  if (m.filterServerList.length > 0) stored.fs = m.filterServerList;
  if (m.digest !== undefined) stored.dg = m.digest;
  return stored;
}

function decodeMember(s: StoredMember): BrokerMember {
  const member: BrokerMember = {
    brokerId: s.id,
    brokerAddr: s.a,
    lastUpdateTimestamp: s.hb,
    heartbeatTimeoutMillis: s.to,
    dataVersion: decodeDataVersion(s.dv),
    filterServerList: s.fs ?? [],
    topologyVersion: s.tv,
    topicAuthority: s.ta,
  };
  if (s.ha !== undefined) member.haServerAddr = s.ha;
  if (s.dg !== undefined) member.digest = s.dg;
  return member;
}

/**
 * BROKER_HEARTBEAT names a member by its address only, and an update expression cannot look a member
 * up by address: so a touch writes `t:<brokerAddr>` at the top of the group item (checked against the
 * `addrs` set of member addresses), and a member's last heartbeat is the later of the two.
 */
export const touchAttr = (brokerAddr: string) => `t:${brokerAddr}`;

export function decodeGroup(item: Record<string, unknown>): BrokerGroup {
  const g = groupItemSchema.parse(item);
  const members: Record<string, BrokerMember> = {};
  for (const [id, stored] of Object.entries(g.members)) {
    const member = decodeMember(stored);
    const touched = item[touchAttr(member.brokerAddr)];
    if (typeof touched === "number" && touched > member.lastUpdateTimestamp)
      member.lastUpdateTimestamp = touched;
    members[id] = member;
  }
  const group: BrokerGroup = {
    brokerName: g.brokerName,
    clusterName: g.clusterName,
    enableActingMaster: g.enableActingMaster,
    epoch: g.epoch,
    topologyVersion: g.topologyVersion,
    members,
  };
  if (g.zoneName !== undefined) group.zoneName = g.zoneName;
  if (g.writeClearPending === true) group.writeClearPending = true;
  return group;
}

export function decodeSweeper(item: Record<string, unknown> | undefined): SweeperState {
  if (item === undefined) return NO_SWEEPER_STATE;
  const s = sweeperItemSchema.parse(item);
  const state: SweeperState = { selfPreservation: s.selfPreservation };
  for (const field of [
    "since",
    "enteredAt",
    "protectUntil",
    "renewedBaseline",
    "recoveringSince",
    "lastHealthySweepAt",
    "lastSweepAt",
    "groupCount",
  ] as const) {
    const value = s[field];
    if (value !== undefined) state[field] = value;
  }
  return state;
}

export function decodeQueueData(item: Record<string, unknown>): StoredQueueData {
  const { mapping, ...qd } = queueDataItemSchema.parse(item);
  return mapping === undefined ? qd : { ...qd, mapping: mappingInfoSchema.parse(JSON.parse(mapping)) };
}
const mappingInfoSchema = z.record(z.string(), z.unknown());

export function queueDataItem(qd: StoredQueueData): Record<string, unknown> {
  return {
    ...queueDataKey(qd.topic, qd.brokerName),
    gsi1pk: `QD#${qd.brokerName}`,
    gsi1sk: qd.topic,
    type: "queueData",
    topic: qd.topic,
    brokerName: qd.brokerName,
    epoch: qd.epoch,
    readQueueNums: qd.readQueueNums,
    writeQueueNums: qd.writeQueueNums,
    perm: qd.perm,
    topicSysFlag: qd.topicSysFlag,
    ...(qd.mapping !== undefined ? { mapping: JSON.stringify(qd.mapping) } : {}),
  };
}

export const expiresAt = (member: BrokerMember) =>
  Math.ceil((member.lastUpdateTimestamp + member.heartbeatTimeoutMillis) / 1000) + GRACE_SECONDS;
