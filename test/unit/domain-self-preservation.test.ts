/**
 * Self-preservation with a fake clock: a simulated fleet of members, swept every 30 s exactly as the
 * sweeper use case does it (decideSweep, then expire whoever livenessView does not keep), and read
 * through livenessView as every route and listing reads.
 */
import { describe, expect, it } from "vitest";
import {
  isLive,
  type LivenessView,
  livenessView,
  NO_SWEEPER_STATE,
  type SweeperState,
} from "../../lib/domain/liveness";
import type { BrokerMember } from "../../lib/domain/model";
import {
  DEFAULT_SELF_PRESERVATION,
  decideSweep,
  type SelfPreservationConfig,
  type SelfPreservationEvent,
  selfPreservationConfigFromEnv,
  staleAfterMs,
} from "../../lib/domain/self-preservation";
import { member, T0 } from "../support/domain-factories";

const SWEEP = 30_000;
const TIMEOUT = 120_000;
const config: SelfPreservationConfig = {
  ...DEFAULT_SELF_PRESERVATION,
  expiryRatio: 0.5,
  minExpired: 5,
  sweepIntervalMs: SWEEP,
  maxDurationMs: 15 * 60_000,
  recoveryGraceMs: 60_000,
};

/** A fleet on a fake clock: heartbeats, sweeps, and reads as the registry does them. */
class Fleet {
  now = T0;
  state: SweeperState = NO_SWEEPER_STATE;
  members = new Map<string, BrokerMember>();
  events: Array<SelfPreservationEvent | undefined> = [];
  expired: string[] = [];

  constructor(
    size: number,
    private readonly cfg = config,
  ) {
    for (let i = 0; i < size; i++) this.heartbeat(`b${i}`);
  }

  heartbeat(name: string) {
    this.members.set(
      name,
      member({ brokerAddr: `${name}:10911`, lastUpdateTimestamp: this.now, heartbeatTimeoutMillis: TIMEOUT }),
    );
  }

  sweep() {
    const decision = decideSweep(this.state, [...this.members.values()], this.now, this.cfg);
    this.state = decision.next;
    this.events.push(decision.event);
    const view = livenessView(this.now, this.state);
    for (const [name, m] of this.members) {
      if (!isLive(m, view)) {
        this.members.delete(name);
        this.expired.push(name);
      }
    }
    return decision.event;
  }

  /** Advances the clock by `ms`, sweeping every period and heartbeating `alive` every period. */
  run(ms: number, alive: readonly string[] = []) {
    const end = this.now + ms;
    while (this.now + SWEEP <= end) {
      this.now += SWEEP;
      for (const name of alive) this.heartbeat(name);
      this.sweep();
    }
    this.now = end;
  }

  get view(): LivenessView {
    return livenessView(this.now, this.state);
  }

  served(): string[] {
    return [...this.members]
      .filter(([, m]) => isLive(m, this.view))
      .map(([name]) => name)
      .sort();
  }
}

const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `b${from + i}`);

describe("self-preservation trips and protects only who was live at the last healthy sweep", () => {
  it("trips when most of the fleet would expire at once and keeps serving it", () => {
    const fleet = new Fleet(20);
    fleet.run(5 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP, names(0, 5)); // 15 of 20 go silent at once
    expect(fleet.events).toContain("entered");
    expect(fleet.state.selfPreservation).toBe(true);
    expect(fleet.served()).toEqual(names(0, 20).sort());
    expect(fleet.expired).toEqual([]);
  });

  it("does not trip on a few deaths, nor on a two-broker dev setup, nor when disabled", () => {
    const few = new Fleet(100);
    few.run(2 * SWEEP, names(0, 100));
    few.run(6 * SWEEP, names(3, 100));
    expect(few.state.selfPreservation).toBe(false);
    expect(few.expired.sort()).toEqual(names(0, 3).sort());

    const dev = new Fleet(2);
    dev.run(2 * SWEEP, names(0, 2));
    dev.run(6 * SWEEP);
    expect(dev.expired.sort()).toEqual(["b0", "b1"]);

    const off = new Fleet(20, { ...config, enabled: false });
    off.run(2 * SWEEP, names(0, 20));
    off.run(6 * SWEEP);
    expect(off.expired).toHaveLength(20);
  });

  it("a broker that heartbeats during the mode and then dies is judged by the real clock and expired", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP, ["b0"]); // 19 silent: trips; b0 keeps heartbeating
    expect(fleet.state.selfPreservation).toBe(true);
    fleet.run(5 * SWEEP); // b0 dies during the mode
    expect(fleet.served()).not.toContain("b0");
    expect(fleet.expired).toContain("b0");
    expect(fleet.served()).toEqual(names(1, 20).sort());
  });

  it("a broker that registers during the mode and dies is expired, never kept", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP);
    expect(fleet.state.selfPreservation).toBe(true);
    fleet.heartbeat("newcomer");
    fleet.run(TIMEOUT + SWEEP);
    expect(fleet.expired).toContain("newcomer");
  });

  it("an instance already dead at the last healthy sweep is not protected", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    // A leftover that the sweeps could not remove (its removal kept conflicting): dead before `since`.
    fleet.members.set("ghost", member({ brokerAddr: "ghost:1", lastUpdateTimestamp: T0 - 10 * TIMEOUT }));
    fleet.state = { ...fleet.state, lastHealthySweepAt: fleet.now };
    fleet.run(5 * SWEEP);
    expect(fleet.state.selfPreservation).toBe(true);
    expect(fleet.served()).not.toContain("ghost");
    expect(fleet.expired).toContain("ghost");
  });
});

describe("self-preservation cannot freeze", () => {
  it("6 of 10 dead forever: the mode ends after its maximum duration and expiry resumes", () => {
    const fleet = new Fleet(10);
    fleet.run(2 * SWEEP, names(0, 10));
    fleet.run(5 * SWEEP, names(0, 4)); // 6 die for good; the 4 others keep heartbeating
    expect(fleet.state.selfPreservation).toBe(true);
    const enteredAt = fleet.state.enteredAt ?? 0;
    fleet.run(enteredAt + config.maxDurationMs + SWEEP - fleet.now, names(0, 4));
    expect(fleet.events).toContain("timedOut");
    expect(fleet.state.selfPreservation).toBe(false);
    expect(fleet.served()).toEqual(names(0, 4).sort());
    expect(fleet.expired.sort()).toEqual(names(4, 10).sort());
    // And it does not trip again on the same dead.
    fleet.run(10 * SWEEP, names(0, 4));
    expect(fleet.state.selfPreservation).toBe(false);
  });

  it("reads stop protecting by themselves when the sweeper stops during the mode", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP);
    expect(fleet.served()).toHaveLength(20);
    fleet.now += staleAfterMs(config) + 1; // no sweep runs any more
    expect(fleet.view.preservedSince).toBeUndefined();
    expect(fleet.served()).toEqual([]);
  });

  it("the protection never outlasts the maximum duration, however often the sweeper runs", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP);
    const { enteredAt = 0, protectUntil = 0 } = fleet.state;
    expect(protectUntil).toBeLessThanOrEqual(enteredAt + config.maxDurationMs);
    fleet.run(enteredAt + config.maxDurationMs - SWEEP / 2 - fleet.now);
    expect(fleet.state.protectUntil).toBeLessThanOrEqual(enteredAt + config.maxDurationMs);
  });
});

describe("self-preservation never resurrects", () => {
  it("after a sweeper outage, a last healthy sweep hours old protects nobody", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    // The sweeper is down for two hours; the whole fleet was shut down meanwhile.
    fleet.now += 2 * 60 * 60_000;
    expect(fleet.sweep()).toBe("staleSince");
    expect(fleet.state.selfPreservation).toBe(false);
    expect(fleet.served()).toEqual([]);
    expect(fleet.expired).toHaveLength(20);
  });

  it("after a restart with no sweeper state, it expires normally", () => {
    const fleet = new Fleet(20);
    fleet.now += 10 * TIMEOUT;
    expect(fleet.sweep()).toBe("staleSince");
    expect(fleet.expired).toHaveLength(20);
  });

  it("a state left in the mode by a sweeper that died hours ago protects nobody, and the next sweep expires", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP);
    expect(fleet.state.selfPreservation).toBe(true);
    fleet.now += 3 * 60 * 60_000;
    expect(fleet.served()).toEqual([]);
    expect(fleet.sweep()).toBe("staleSince");
    expect(fleet.expired).toHaveLength(20);
  });

  it("a state written without protectUntil (an older version) protects nobody", () => {
    expect(livenessView(T0, { selfPreservation: true, since: T0 - 1000 }).preservedSince).toBeUndefined();
  });
});

describe("leaving the mode depends on renewals, not on the dead coming back", () => {
  it("whole fleet silent, then 4 of 10 heartbeat again: it waits a grace period, then expires the 6 dead", () => {
    const fleet = new Fleet(10);
    fleet.run(2 * SWEEP, names(0, 10));
    fleet.run(5 * SWEEP); // the registry hears nobody: its own failure
    expect(fleet.state.selfPreservation).toBe(true);
    fleet.run(SWEEP, names(0, 4)); // heartbeats reach it again; 6 brokers really died meanwhile
    expect(fleet.state.selfPreservation).toBe(true);
    expect(fleet.state.recoveringSince).toBeDefined();
    expect(fleet.served()).toHaveLength(10);
    fleet.run(config.recoveryGraceMs, names(0, 4));
    expect(fleet.events).toContain("recovered");
    expect(fleet.state.selfPreservation).toBe(false);
    expect(fleet.served()).toEqual(names(0, 4).sort());
    expect(fleet.expired.sort()).toEqual(names(4, 10).sort());
  });

  it("the live members whose heartbeat comes late in the grace period are not expired", () => {
    const fleet = new Fleet(10);
    fleet.run(2 * SWEEP, names(0, 10));
    fleet.run(5 * SWEEP);
    fleet.run(SWEEP, ["b0"]); // the first renewal
    fleet.run(SWEEP, names(0, 10)); // everyone else heartbeats within the grace period
    fleet.run(config.recoveryGraceMs, names(0, 10));
    expect(fleet.state.selfPreservation).toBe(false);
    expect(fleet.expired).toEqual([]);
  });

  it("a partial outage (the reachable members keep heartbeating) stays in the mode until more come back", () => {
    const fleet = new Fleet(10);
    fleet.run(2 * SWEEP, names(0, 10));
    fleet.run(5 * SWEEP, names(0, 4)); // 6 cannot reach the registry
    fleet.run(4 * SWEEP, names(0, 4));
    expect(fleet.state.selfPreservation).toBe(true);
    expect(fleet.state.recoveringSince).toBeUndefined();
    fleet.run(SWEEP, names(0, 10)); // the partition heals
    fleet.run(config.recoveryGraceMs + SWEEP, names(0, 10));
    expect(fleet.state.selfPreservation).toBe(false);
    expect(fleet.expired).toEqual([]);
  });

  it("leaves at once when too few would expire any more", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP);
    expect(fleet.state.selfPreservation).toBe(true);
    for (const name of names(0, 17)) fleet.members.delete(name); // an operator unregisters them
    fleet.run(SWEEP);
    expect(fleet.state.selfPreservation).toBe(false);
    expect(fleet.events.at(-1)).toBe("recovered");
  });

  it("turning it off leaves the mode at the next sweep", () => {
    const fleet = new Fleet(20);
    fleet.run(2 * SWEEP, names(0, 20));
    fleet.run(5 * SWEEP);
    const decision = decideSweep(fleet.state, [...fleet.members.values()], fleet.now + SWEEP, {
      ...config,
      enabled: false,
    });
    expect(decision.next.selfPreservation).toBe(false);
  });
});

describe("decideSweep thresholds", () => {
  const healthy: SweeperState = { selfPreservation: false, lastHealthySweepAt: T0, lastSweepAt: T0 };
  const fleetOf = (live: number, dead: number) => [
    ...Array.from({ length: live }, () => member({ lastUpdateTimestamp: T0 + SWEEP })),
    ...Array.from({ length: dead }, () => member({ lastUpdateTimestamp: T0 - TIMEOUT })),
  ];

  it.each([
    ["exactly the ratio", 10, 10],
    ["exactly the minimum", 1, 5],
    ["over the ratio but not over the minimum", 3, 5],
    ["over the minimum but not over the ratio", 51, 49],
  ])("does not trip at %s", (_, live, dead) => {
    expect(decideSweep(healthy, fleetOf(live, dead), T0 + SWEEP, config).next.selfPreservation).toBe(false);
  });

  it("trips over both, with since = the last healthy sweep", () => {
    const { next, event } = decideSweep(healthy, fleetOf(9, 11), T0 + SWEEP, config);
    expect(event).toBe("entered");
    expect(next).toMatchObject({ selfPreservation: true, since: T0, enteredAt: T0 + SWEEP });
  });
});

describe("selfPreservationConfigFromEnv", () => {
  it("defaults: on, ratio 0.5, minimum 5, at most 15 minutes, sweeps every 30 s", () => {
    expect(selfPreservationConfigFromEnv({})).toEqual(DEFAULT_SELF_PRESERVATION);
    expect(DEFAULT_SELF_PRESERVATION).toEqual({
      enabled: true,
      expiryRatio: 0.5,
      minExpired: 5,
      maxDurationMs: 900_000,
      sweepIntervalMs: 30_000,
      recoveryGraceMs: 60_000,
    });
  });

  it.each([
    ["off", false],
    ["false", false],
    ["on", true],
    ["true", true],
    ["", true],
  ])("SELF_PRESERVATION=%s → enabled %s", (value, enabled) => {
    expect(selfPreservationConfigFromEnv({ SELF_PRESERVATION: value }).enabled).toBe(enabled);
  });

  it("reads every setting", () => {
    expect(
      selfPreservationConfigFromEnv({
        SELF_PRESERVATION_EXPIRY_RATIO: "0.8",
        SELF_PRESERVATION_MIN_EXPIRED: "20",
        SELF_PRESERVATION_MAX_DURATION_MS: "300000",
        SELF_PRESERVATION_RECOVERY_GRACE_MS: "0",
        SWEEP_INTERVAL_MS: "10000",
      }),
    ).toEqual({
      enabled: true,
      expiryRatio: 0.8,
      minExpired: 20,
      maxDurationMs: 300_000,
      sweepIntervalMs: 10_000,
      recoveryGraceMs: 0,
    });
  });

  it.each([
    { SELF_PRESERVATION: "maybe" },
    { SELF_PRESERVATION: "OFF " },
    { SELF_PRESERVATION_EXPIRY_RATIO: "1.5" },
    { SELF_PRESERVATION_EXPIRY_RATIO: "-0.1" },
    { SELF_PRESERVATION_EXPIRY_RATIO: "half" },
    { SELF_PRESERVATION_MIN_EXPIRED: "-1" },
    { SELF_PRESERVATION_MIN_EXPIRED: "2.5" },
    { SELF_PRESERVATION_MIN_EXPIRED: "many" },
    { SELF_PRESERVATION_MAX_DURATION_MS: "10" },
    { SELF_PRESERVATION_MAX_DURATION_MS: "15m" },
    { SWEEP_INTERVAL_MS: "0" },
  ])("refuses %o at cold start", (env) => {
    expect(() => selfPreservationConfigFromEnv(env)).toThrow();
  });
});
