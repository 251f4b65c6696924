import { describe, expect, it } from "vitest";
import { livenessClock, NO_SWEEPER_STATE, type SweeperState } from "../../lib/domain/liveness";
import {
  DEFAULT_SELF_PRESERVATION,
  decideSweep,
  type SelfPreservationConfig,
  selfPreservationConfigFromEnv,
} from "../../lib/domain/self-preservation";

const T0 = 1_800_000_000_000;
const config: SelfPreservationConfig = { enabled: true, expiryRatio: 0.5, minExpired: 5 };
const healthy: SweeperState = { selfPreservation: false, lastHealthySweepAt: T0 };

describe("decideSweep (self-preservation)", () => {
  it("expires normally when few instances die, and records the healthy sweep", () => {
    const decision = decideSweep(healthy, { instances: 100, dead: 3 }, T0 + 30_000, config);
    expect(decision).toEqual({
      expire: true,
      next: { selfPreservation: false, lastHealthySweepAt: T0 + 30_000 },
    });
  });

  it("a two-broker dev setup whose brokers both stop expires normally (not more than minExpired)", () => {
    expect(
      decideSweep(healthy, { instances: 2, dead: 2 }, T0 + 30_000, DEFAULT_SELF_PRESERVATION).expire,
    ).toBe(true);
  });

  it("trips when one sweep would expire more than the ratio and more than the minimum", () => {
    const decision = decideSweep(healthy, { instances: 20, dead: 11 }, T0 + 30_000, config);
    expect(decision).toEqual({
      expire: false,
      next: { selfPreservation: true, since: T0, lastHealthySweepAt: T0 },
    });
  });

  it.each([
    ["exactly the ratio", { instances: 20, dead: 10 }],
    ["exactly the minimum", { instances: 6, dead: 5 }],
    ["over the ratio but not over the minimum", { instances: 8, dead: 5 }],
    ["over the minimum but not over the ratio", { instances: 100, dead: 49 }],
  ])("does not trip at %s", (_, counts) => {
    expect(decideSweep(healthy, counts, T0 + 30_000, config).expire).toBe(true);
  });

  it("never trips when disabled (SELF_PRESERVATION=off)", () => {
    const off = { ...config, enabled: false };
    expect(decideSweep(healthy, { instances: 100, dead: 100 }, T0 + 30_000, off).expire).toBe(true);
  });

  it("stays active, keeping its start, while the expiries stay over the threshold", () => {
    const active: SweeperState = { selfPreservation: true, since: T0, lastHealthySweepAt: T0 };
    const decision = decideSweep(active, { instances: 20, dead: 15 }, T0 + 90_000, config);
    expect(decision).toEqual({ expire: false, next: active });
  });

  it("leaves by itself at the first sweep under the threshold, which expires the few still dead", () => {
    const active: SweeperState = { selfPreservation: true, since: T0, lastHealthySweepAt: T0 };
    const decision = decideSweep(active, { instances: 20, dead: 2 }, T0 + 120_000, config);
    expect(decision).toEqual({
      expire: true,
      next: { selfPreservation: false, lastHealthySweepAt: T0 + 120_000 },
    });
  });

  it("without any healthy sweep before, it starts now", () => {
    const decision = decideSweep(NO_SWEEPER_STATE, { instances: 20, dead: 20 }, T0, config);
    expect(decision).toEqual({ expire: false, next: { selfPreservation: true, since: T0 } });
  });
});

describe("livenessClock", () => {
  it("is now, outside self-preservation", () => {
    expect(livenessClock(T0 + 5000, healthy)).toBe(T0 + 5000);
  });

  it("is the start of self-preservation while active, so the instances live then keep being served", () => {
    expect(livenessClock(T0 + 5000, { selfPreservation: true, since: T0 })).toBe(T0);
  });

  it("never runs ahead of now (a clock that went back)", () => {
    expect(livenessClock(T0 - 1000, { selfPreservation: true, since: T0 })).toBe(T0 - 1000);
  });
});

describe("selfPreservationConfigFromEnv", () => {
  it("defaults: on, ratio 0.5, minimum 5", () => {
    expect(selfPreservationConfigFromEnv({})).toEqual(DEFAULT_SELF_PRESERVATION);
    expect(DEFAULT_SELF_PRESERVATION).toEqual({ enabled: true, expiryRatio: 0.5, minExpired: 5 });
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

  it("reads the ratio and the minimum", () => {
    expect(
      selfPreservationConfigFromEnv({
        SELF_PRESERVATION_EXPIRY_RATIO: "0.8",
        SELF_PRESERVATION_MIN_EXPIRED: "20",
      }),
    ).toEqual({ enabled: true, expiryRatio: 0.8, minExpired: 20 });
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
  ])("refuses %o at cold start", (env) => {
    expect(() => selfPreservationConfigFromEnv(env)).toThrow();
  });
});
