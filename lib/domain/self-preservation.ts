/**
 * Self-preservation (Eureka's renewal threshold, Nacos's protectThreshold), bounded so that it can
 * neither freeze the registry nor bring the dead back:
 *
 * - It trips when one sweep would expire more than `expiryRatio` of the known instances, and more than
 *   `minExpired` of them: the registry takes the failure to be its own (heartbeats not reaching it).
 * - It protects only instances that were live at the last healthy sweep (`since`) and have not been
 *   heard from since. A member that heartbeats after `since` is judged by the real clock, so a broker
 *   that registers or dies during the mode is served or expired as usual.
 * - It never trips from a stale `since`: after a restart or a sweeper outage longer than a few sweep
 *   periods (staleAfterMs) the registry cannot know who was live, so it expires normally.
 * - It leaves when heartbeats arrive again: once more live instances have been heard from after
 *   `since` than at the lowest count seen in the mode (renewals), it waits `recoveryGraceMs` for the
 *   rest of the live fleet to heartbeat, then expires whoever is still silent, whatever the dead do.
 *   It also leaves as soon as too few would expire to trip it.
 * - It lasts at most `maxDurationMs`; then expiry resumes (the sweeper logs it and emits a metric),
 *   and reads stop protecting by themselves at `protectUntil` even if the sweeper never runs again.
 */
import { isDead, type SweeperState } from "./liveness";
import type { BrokerMember } from "./model";

export interface SelfPreservationConfig {
  enabled: boolean;
  /** Share of known instances (0..1) that one sweep may expire before self-preservation trips. */
  expiryRatio: number;
  /** Expiring this many instances or fewer never trips it (a small dev setup expires normally). */
  minExpired: number;
  /** The longest the mode lasts; then expiry resumes. */
  maxDurationMs: number;
  /** The sweeper's period: a last healthy sweep older than a few of them is stale. */
  sweepIntervalMs: number;
  /**
   * Once renewals arrive again, how long the mode still protects the silent, so that every live
   * broker has had its turn to heartbeat (RocketMQ brokers register every 30 s) before the rest expire.
   */
  recoveryGraceMs: number;
}

/** A `since` (or the last sweep) older than this many sweep periods (plus SWEEP_SLACK_MS) protects nobody. */
export const STALE_AFTER_SWEEPS = 3;
/** The longest one sweep may take (the sweeper's Lambda timeout is at most 25 s): sweeps are this late at most. */
export const SWEEP_SLACK_MS = 30_000;

export const DEFAULT_SELF_PRESERVATION: SelfPreservationConfig = {
  enabled: true,
  expiryRatio: 0.5,
  minExpired: 5,
  maxDurationMs: 15 * 60_000,
  sweepIntervalMs: 30_000,
  recoveryGraceMs: 60_000,
};

/** What a sweep changed about the mode: the sweeper logs each one. */
export type SelfPreservationEvent =
  /** Tripped: this sweep keeps the instances live at `since`. */
  | "entered"
  /** Still in the mode. */
  | "active"
  /** Left because heartbeats arrive again (renewals), or too few would expire now. */
  | "recovered"
  /** Left because it lasted `maxDurationMs`: expiry resumes (alarm). */
  | "timedOut"
  /** Would have tripped, but the last healthy sweep is too old to know who was live: expires normally. */
  | "staleSince";

export interface SweepDecision {
  /** The state to persist; reads derive their liveness view from it (livenessView). */
  next: SweeperState;
  event?: SelfPreservationEvent;
}

/** How old a last healthy sweep (or the last sweep, in the mode) may be and still be trusted. */
export const staleAfterMs = (config: Pick<SelfPreservationConfig, "sweepIntervalMs">): number =>
  STALE_AFTER_SWEEPS * config.sweepIntervalMs + SWEEP_SLACK_MS;

function healthy(now: number, event?: SelfPreservationEvent): SweepDecision {
  const next: SweeperState = { selfPreservation: false, lastHealthySweepAt: now, lastSweepAt: now };
  return event === undefined ? { next } : { next, event };
}

/** Live instances heard from after `since`: the renewals. */
const renewals = (members: readonly BrokerMember[], since: number, now: number) =>
  members.filter((m) => m.lastUpdateTimestamp > since && !isDead(m, now)).length;

/**
 * One sweep's decision. The sweeper then expires every member that is not live under
 * `livenessView(now, next)`: everyone dead, outside the mode; the dead that the mode does not protect,
 * inside it.
 */
export function decideSweep(
  state: SweeperState,
  members: readonly BrokerMember[],
  now: number,
  config: SelfPreservationConfig,
): SweepDecision {
  const dead = members.filter((m) => isDead(m, now)).length;
  const trips = config.enabled && dead > config.minExpired && dead > config.expiryRatio * members.length;
  const stale = staleAfterMs(config);

  // Still in the mode only if its state is whole and the sweeper kept running: after an outage the
  // mode's `since` is stale, and the decision below starts afresh (and refuses a stale `since`).
  const { since: modeSince, enteredAt, lastSweepAt } = state;
  if (
    state.selfPreservation &&
    modeSince !== undefined &&
    enteredAt !== undefined &&
    lastSweepAt !== undefined &&
    now - lastSweepAt <= stale
  ) {
    if (!config.enabled) return healthy(now, "recovered");
    if (now - enteredAt >= config.maxDurationMs) return healthy(now, "timedOut");
    if (!trips) return healthy(now, "recovered");
    if (state.recoveringSince !== undefined && now - state.recoveringSince >= config.recoveryGraceMs)
      return healthy(now, "recovered");
    const renewed = renewals(members, modeSince, now);
    const baseline = state.renewedBaseline ?? renewed;
    const recoveringSince = state.recoveringSince ?? (renewed > baseline ? now : undefined);
    return {
      next: {
        ...state,
        renewedBaseline: Math.min(baseline, renewed),
        ...(recoveringSince !== undefined ? { recoveringSince } : {}),
        lastSweepAt: now,
        protectUntil: Math.min(enteredAt + config.maxDurationMs, now + stale),
      },
      event: "active",
    };
  }

  if (!trips) return healthy(now);
  const since = state.lastHealthySweepAt;
  if (since === undefined || now - since > stale) return healthy(now, "staleSince");
  return {
    next: {
      selfPreservation: true,
      since,
      enteredAt: now,
      renewedBaseline: renewals(members, since, now),
      protectUntil: Math.min(now + config.maxDurationMs, now + stale),
      lastHealthySweepAt: since,
      lastSweepAt: now,
    },
    event: "entered",
  };
}

function positiveInteger(env: Readonly<Record<string, string | undefined>>, name: string, min: number) {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min)
    throw new Error(`${name} must be a whole number of milliseconds ≥ ${min}, got ${raw}`);
  return value;
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
  const maxDuration = positiveInteger(env, "SELF_PRESERVATION_MAX_DURATION_MS", 1000);
  if (maxDuration !== undefined) config.maxDurationMs = maxDuration;
  const interval = positiveInteger(env, "SWEEP_INTERVAL_MS", 100);
  if (interval !== undefined) config.sweepIntervalMs = interval;
  const grace = positiveInteger(env, "SELF_PRESERVATION_RECOVERY_GRACE_MS", 0);
  if (grace !== undefined) config.recoveryGraceMs = grace;
  return config;
}
