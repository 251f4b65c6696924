/**
 * RocketMQ's unregister cascade, shared by UNREGISTER_BROKER and the sweeper's expiry
 * (scanNotActiveBroker → onChannelDestroy), as a pure plan.
 */
import { type At, isLive } from "./liveness";
import { type BrokerGroup, type BrokerMember, MASTER_ID } from "./model";

export interface MemberRemoval {
  brokerId: number;
  brokerAddr: string;
  /** For the sweeper: the heartbeat time it read; the removal only applies if it is unchanged. */
  lastUpdateTimestamp?: number;
}

export interface RemovalPlan {
  removals: MemberRemoval[];
  /** No member is left: the group leaves its cluster and its queue data leaves every topic. */
  groupEmptied: boolean;
  /** Members remain but no master, and the group acts without one: WRITE is cleared on its queue data. */
  clearWritePerm: boolean;
}

function plan(group: BrokerGroup, removed: BrokerMember[], withHeartbeat: boolean): RemovalPlan {
  const removedIds = new Set(removed.map((m) => m.brokerId));
  const remaining = Object.values(group.members).filter((m) => !removedIds.has(m.brokerId));
  const groupEmptied = remaining.length === 0;
  return {
    removals: removed.map((m) => ({
      brokerId: m.brokerId,
      brokerAddr: m.brokerAddr,
      ...(withHeartbeat ? { lastUpdateTimestamp: m.lastUpdateTimestamp } : {}),
    })),
    groupEmptied,
    clearWritePerm:
      removed.length > 0 &&
      !groupEmptied &&
      group.enableActingMaster &&
      !remaining.some((m) => m.brokerId === MASTER_ID),
  };
}

/** Unregister: every entry of the group with that address goes. */
export function planUnregister(group: BrokerGroup, brokerAddr: string): RemovalPlan {
  const removed = Object.values(group.members).filter((m) => m.brokerAddr === brokerAddr);
  return plan(group, removed, false);
}

/** Expiry: every dead member goes, conditional on the heartbeat time read. */
export function planExpiry(group: BrokerGroup, at: At): RemovalPlan {
  const removed = Object.values(group.members).filter((m) => !isLive(m, at));
  return plan(group, removed, true);
}
