/**
 * Self-preservation (Eureka's renewal threshold, Nacos's protectThreshold): when one sweep would
 * expire more than `expiryRatio` of the known instances, and more than `minExpired` of them, the
 * registry takes the failure to be its own (heartbeats not reaching it) and expires nothing. While
 * active, reads judge liveness as of the last healthy sweep, so those instances keep being served.
 * It ends by itself at the first sweep whose would-be expiries fall back under the threshold.
 */
import type { SweeperState } from "./liveness";

export interface SelfPreservationConfig {
  enabled: boolean;
  /** Share of known instances (0..1) that one sweep may expire before self-preservation trips. */
  expiryRatio: number;
  /** Expiring this many instances or fewer never trips it (a small dev setup expires normally). */
  minExpired: number;
}

export const DEFAULT_SELF_PRESERVATION: SelfPreservationConfig = {
  enabled: true,
  expiryRatio: 0.5,
  minExpired: 5,
};

export interface SweepDecision {
  expire: boolean;
  next: SweeperState;
}

export function decideSweep(
  state: SweeperState,
  counts: { instances: number; dead: number },
  now: number,
  config: SelfPreservationConfig,
): SweepDecision {
  const trips =
    config.enabled && counts.dead > config.minExpired && counts.dead > config.expiryRatio * counts.instances;
  if (!trips) return { expire: true, next: { selfPreservation: false, lastHealthySweepAt: now } };
  const since =
    state.selfPreservation && state.since !== undefined ? state.since : (state.lastHealthySweepAt ?? now);
  const next: SweeperState = { selfPreservation: true, since };
  if (state.lastHealthySweepAt !== undefined) next.lastHealthySweepAt = state.lastHealthySweepAt;
  return { expire: false, next };
}
