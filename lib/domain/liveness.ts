/**
 * Liveness (RocketMQ's scanNotActiveBroker rule, applied on every read): an instance whose last
 * heartbeat is older than its heartbeatTimeoutMillis is dead, whether or not the sweeper ran yet.
 * Self-preservation (lib/domain/self-preservation.ts) only ever keeps serving instances that were
 * live at the last healthy sweep and have not been heard from since, and only for a bounded time.
 */
import type { BrokerGroup, BrokerMember } from "./model";

/** The sweeper's persisted state: self-preservation (see lib/domain/self-preservation.ts). */
export interface SweeperState {
  selfPreservation: boolean;
  /**
   * While in self-preservation: the last healthy sweep before it began. Instances live then and
   * silent since are kept; anyone heard from after it is judged by the real clock.
   */
  since?: number;
  /** While in self-preservation: when it began. */
  enteredAt?: number;
  /**
   * While in self-preservation: reads protect nobody after this time. Each sweep in the mode moves it
   * to a few sweep periods ahead, never past the mode's maximum duration, so a sweeper that stops
   * running (or a mode that lasts too long) stops protecting by itself.
   */
  protectUntil?: number;
  /** While in self-preservation: the live instances heard from after `since` (the renewal baseline). */
  renewedBaseline?: number;
  /**
   * While in self-preservation: when renewals were first seen again. The mode ends a grace period
   * later, so that brokers whose next heartbeat is a few seconds away are not expired meanwhile.
   */
  recoveringSince?: number;
  /** When the last sweep ran that was not in self-preservation. */
  lastHealthySweepAt?: number;
  /** When the last sweep ran. */
  lastSweepAt?: number;
  /** Broker groups the last sweep saw (tombstones aside): the groups limit is checked against it. */
  groupCount?: number;
}

export const NO_SWEEPER_STATE: SweeperState = { selfPreservation: false };

/** How reads judge liveness at one moment: the real clock, plus who self-preservation keeps. */
export interface LivenessView {
  now: number;
  /** Set while self-preservation protects: instances live at this time and silent since are kept. */
  preservedSince?: number;
}

/** A moment (the real clock, nobody protected) or a view with self-preservation. */
export type At = number | LivenessView;

const viewOf = (at: At): LivenessView => (typeof at === "number" ? { now: at } : at);

export function isDead(member: BrokerMember, now: number): boolean {
  return member.lastUpdateTimestamp + member.heartbeatTimeoutMillis < now;
}

/** Whether self-preservation keeps this (otherwise dead) member: live at `since` and silent since. */
export function isPreserved(member: BrokerMember, since: number): boolean {
  return member.lastUpdateTimestamp <= since && !isDead(member, since);
}

export function isLive(member: BrokerMember, at: At): boolean {
  const view = viewOf(at);
  if (!isDead(member, view.now)) return true;
  return view.preservedSince !== undefined && isPreserved(member, view.preservedSince);
}

/**
 * How reads judge liveness now. Self-preservation protects only while its state says so and only
 * until `protectUntil`; a state without it (written by an older version) protects nobody.
 */
export function livenessView(now: number, state: SweeperState): LivenessView {
  if (
    state.selfPreservation &&
    state.since !== undefined &&
    state.protectUntil !== undefined &&
    now <= state.protectUntil
  ) {
    return { now, preservedSince: state.since };
  }
  return { now };
}

export function liveMembers(group: BrokerGroup, at: At): BrokerMember[] {
  return Object.values(group.members)
    .filter((m) => isLive(m, at))
    .sort((a, b) => a.brokerId - b.brokerId);
}

/** RocketMQ's brokerAddrs (brokerId → address) of the live members only. */
export function liveBrokerAddrs(group: BrokerGroup, at: At): Record<string, string> {
  const addrs: Record<string, string> = {};
  for (const member of liveMembers(group, at)) addrs[String(member.brokerId)] = member.brokerAddr;
  return addrs;
}
