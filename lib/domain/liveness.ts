/**
 * Liveness (RocketMQ's scanNotActiveBroker rule, applied on every read): an instance whose last
 * heartbeat is older than its heartbeatTimeoutMillis is dead, whether or not the sweeper ran yet.
 */
import type { BrokerGroup, BrokerMember } from "./model";

/** The sweeper's persisted state: self-preservation (see lib/domain/self-preservation.ts). */
export interface SweeperState {
  selfPreservation: boolean;
  /** While in self-preservation: liveness is judged as of this time (the last healthy sweep). */
  since?: number;
  /** When the last sweep ran that was not in self-preservation. */
  lastHealthySweepAt?: number;
}

export const NO_SWEEPER_STATE: SweeperState = { selfPreservation: false };

export function isDead(member: BrokerMember, now: number): boolean {
  return member.lastUpdateTimestamp + member.heartbeatTimeoutMillis < now;
}

export const isLive = (member: BrokerMember, now: number): boolean => !isDead(member, now);

/**
 * The time against which reads judge liveness. In self-preservation the registry believes the failure
 * is its own, so instances that were live at the last healthy sweep keep being served.
 */
export function livenessClock(now: number, state: SweeperState): number {
  return state.selfPreservation && state.since !== undefined ? Math.min(now, state.since) : now;
}

export function liveMembers(group: BrokerGroup, at: number): BrokerMember[] {
  return Object.values(group.members)
    .filter((m) => isLive(m, at))
    .sort((a, b) => a.brokerId - b.brokerId);
}

/** RocketMQ's brokerAddrs (brokerId → address) of the live members only. */
export function liveBrokerAddrs(group: BrokerGroup, at: number): Record<string, string> {
  const addrs: Record<string, string> = {};
  for (const member of liveMembers(group, at)) addrs[String(member.brokerId)] = member.brokerAddr;
  return addrs;
}
