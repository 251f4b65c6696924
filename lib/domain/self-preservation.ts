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

/** Reads the self-preservation settings (README "Self-preservation"); throws on invalid values. */
export function selfPreservationConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): SelfPreservationConfig {
  const config = { ...DEFAULT_SELF_PRESERVATION };
  const enabled = env.SELF_PRESERVATION;
  if (enabled !== undefined && enabled !== "") {
    if (!/^(on|off|true|false)$/.test(enabled)) throw new Error("SELF_PRESERVATION must be on or off");
    config.enabled = enabled === "on" || enabled === "true";
  }
  const ratio = env.SELF_PRESERVATION_EXPIRY_RATIO;
  if (ratio !== undefined && ratio !== "") {
    const value = Number(ratio);
    if (!(value >= 0 && value <= 1))
      throw new Error("SELF_PRESERVATION_EXPIRY_RATIO must be a number from 0 to 1");
    config.expiryRatio = value;
  }
  const min = env.SELF_PRESERVATION_MIN_EXPIRED;
  if (min !== undefined && min !== "") {
    const value = Number(min);
    if (!Number.isInteger(value) || value < 0)
      throw new Error("SELF_PRESERVATION_MIN_EXPIRED must be a whole number ≥ 0");
    config.minExpired = value;
  }
  return config;
}
