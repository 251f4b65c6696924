/**
 * The store port: what the use cases need from the table, in RocketMQ's terms. The DynamoDB adapter
 * owns the keys and item shapes, and turns SDK errors into domain outcomes: a failed condition is a
 * `false` / "conflict" the use case understands; an unreachable or throttling table is a
 * ServiceUnavailableError.
 */
import type { LivenessDigest } from "../domain/change-feed";
import type { HistoryEntry } from "../domain/history";
import type { SweeperState } from "../domain/liveness";
import type { BrokerGroup, BrokerMember, DataVersion, StoredQueueData } from "../domain/model";
import type { MemberRemoval } from "../domain/removal";

export type TouchExpectation =
  /** Steady heartbeat: the member last applied exactly this registration under the current topology. */
  | { digest: string }
  /** Light heartbeat: the member holds exactly this dataVersion. */
  | { dataVersion: DataVersion }
  /** QUERY_DATA_VERSION: the group (of this cluster) holds this id at this address, whatever it says. */
  | { clusterName: string };

/** A group's settings that every registration overwrites, also a steady or light heartbeat. */
export interface GroupSettings {
  clusterName: string;
  zoneName?: string;
  enableActingMaster: boolean;
}

export type TouchResult =
  | { ok: true; group: BrokerGroup }
  /** The expectation did not hold; `group` is the item as it was (undefined when there is none). */
  | { ok: false; group: BrokerGroup | undefined };

export interface MemberWrite {
  brokerName: string;
  clusterName: string;
  zoneName?: string;
  enableActingMaster: boolean;
  epoch: string;
  /** A new incarnation: the item must not exist, or be the tombstone of `replacesEpoch`. */
  newGroup: boolean;
  replacesEpoch?: string;
  /** For an existing group: the topology version read; the write applies only if unchanged. */
  expectedTopologyVersion?: number;
  topologyVersion: number;
  member: BrokerMember;
  removeIds: number[];
  /** Every member address of the group after this write (touchAddress checks membership with it). */
  memberAddrs: string[];
  /** The address this write takes the member's id from, if another: it leaves the registry. */
  displacedAddr?: string;
}

export interface TopicItems {
  queueDatas: StoredQueueData[];
  orderTopicConf?: string;
}

export interface RegistryStore {
  getGroup(brokerName: string): Promise<BrokerGroup | undefined>;
  /** Every group (tombstones included) and the sweeper state; strongly consistent. */
  listGroups(): Promise<{ groups: BrokerGroup[]; sweeper: SweeperState }>;
  /** Some groups by name and the sweeper state, in one request. */
  getGroups(
    brokerNames: readonly string[],
  ): Promise<{ groups: Map<string, BrokerGroup>; sweeper: SweeperState }>;
  getSweeperState(): Promise<SweeperState>;
  putSweeperState(state: SweeperState): Promise<void>;
  /** Replaces the sweeper's liveness digest (lib/domain/change-feed.ts): one item of its own partition. */
  putLivenessDigest(digest: LivenessDigest): Promise<void>;
  /** The last liveness digest a sweep wrote; undefined before the first (eventually consistent). */
  getLivenessDigest(): Promise<LivenessDigest | undefined>;

  /** Refreshes a member's lastUpdateTimestamp iff the expectation holds: one conditional write. */
  touchMember(
    brokerName: string,
    brokerId: number,
    brokerAddr: string,
    expectation: TouchExpectation,
    now: number,
    settings?: GroupSettings,
  ): Promise<TouchResult>;
  /**
   * BROKER_HEARTBEAT: the member of the group (of this cluster) at this address is live again, whatever
   * its id; one conditional write.
   */
  touchAddress(
    brokerName: string,
    clusterName: string,
    brokerAddr: string,
    now: number,
  ): Promise<TouchResult>;
  /** Writes a member (and the group's settings) conditionally; false when the group changed meanwhile. */
  writeMember(write: MemberWrite): Promise<boolean>;
  /**
   * Marks the member's registration as fully applied; false when it changed meanwhile. With
   * `afterTopologyChange`, the group's topology may have moved on (a member joined or left) as long
   * as the member's own entry is unchanged and its digest was not invalidated meanwhile.
   */
  setMemberDigest(
    brokerName: string,
    member: Pick<BrokerMember, "brokerId" | "brokerAddr" | "dataVersion" | "topologyVersion">,
    epoch: string,
    digest: string,
    afterTopologyChange?: boolean,
  ): Promise<boolean>;
  /**
   * Removes members of one incarnation, each only if its address (and heartbeat time, when given) is
   * unchanged, and bumps the topology version. Returns the group after, or "conflict".
   */
  removeMembers(
    brokerName: string,
    epoch: string,
    removals: readonly MemberRemoval[],
    options?: { markWriteClear?: boolean },
  ): Promise<BrokerGroup | undefined | "conflict">;
  /** Removes the group's `writeClearPending` marker (of that incarnation): the clearing is done. */
  finishWriteClear(brokerName: string, epoch: string): Promise<void>;
  /**
   * Bumps the topology version so that every member's next heartbeat is a full one. With
   * `clearDigestOf`, also invalidates that member's digest (INVALIDATED_DIGEST), so that its next
   * registration rewrites every topic (late writes of another registration may have overwritten some).
   */
  bumpTopology(brokerName: string, clearDigestOf?: { brokerId: number }): Promise<void>;
  /** Deletes an emptied group's item; false if it was revived meanwhile. */
  deleteEmptyGroup(brokerName: string, epoch: string): Promise<boolean>;

  /** Queue data of one topic and its ORDER_TOPIC_CONFIG mirror, in one request. */
  getTopic(topic: string): Promise<TopicItems>;
  /** Queue data of one group across all topics (the group index; eventually consistent). */
  getGroupQueueData(brokerName: string): Promise<StoredQueueData[]>;
  /**
   * Writes queue data. With `primeSlaveOf`, each batch is a transaction that also checks that the
   * group (of that epoch) still has no master: false if it got one meanwhile.
   */
  putQueueData(
    items: readonly StoredQueueData[],
    primeSlaveOf?: { brokerName: string; epoch: string },
  ): Promise<boolean>;
  /** Deletes queue data unconditionally (topic delete). */
  deleteQueueData(keys: ReadonlyArray<{ topic: string; brokerName: string }>): Promise<void>;
  /** Deletes queue data of the given incarnation only. */
  deleteStaleQueueData(items: readonly StoredQueueData[]): Promise<void>;
  /**
   * Deletes an emptied group's queue data, in transactions that check the group is still the empty
   * tombstone of `epoch`: false (and stops) once it was revived.
   */
  deleteQueueDataOfEmptyGroup(
    brokerName: string,
    epoch: string,
    keys: readonly StoredQueueData[],
  ): Promise<boolean>;
  /** Sets a queue data's perm iff it is still `expected` in that incarnation. */
  updatePerm(item: StoredQueueData, perm: number): Promise<boolean>;

  /** The NameServer settings item (name → value as stored); empty when none was ever set. */
  getConfig(): Promise<Record<string, unknown>>;
  /** Sets some settings in one write, leaving the others as they are. */
  putConfig(settings: Readonly<Record<string, boolean>>): Promise<void>;

  putKv(namespace: string, key: string, value: string): Promise<void>;
  getKv(namespace: string, key: string): Promise<string | undefined>;
  deleteKv(namespace: string, key: string): Promise<void>;
  listKv(namespace: string): Promise<Record<string, string>>;

  /** Appends a history entry (its day's partition), deletable from `expiresAt` (epoch seconds, TTL). */
  appendHistory(entry: HistoryEntry, expiresAt: number): Promise<void>;
  /**
   * One UTC day's history entries in id order, from `fromId` (inclusive) or after `afterId`, up to
   * `untilId` (inclusive), at most `limit`.
   */
  queryHistoryDay(
    day: string,
    range: { afterId?: string; fromId?: string; untilId?: string; limit: number },
  ): Promise<HistoryEntry[]>;
  /** Deletes up to `limit` entries of one day older than `beforeId`; how many it deleted. */
  deleteHistoryBefore(day: string, beforeId: string, limit: number): Promise<number>;
}
