import { describe, expect, it } from "vitest";
import { compareRegistries, type RegistryView } from "../../lib/dashboard/compare";

const view = (url: string, overrides: Partial<RegistryView> = {}): RegistryView => ({
  url,
  config: { orderMessageEnable: "true" },
  members: { "C/broker-a/0": "10.0.0.1:10911" },
  routes: { T: "broker-a:6:4/4" },
  ...overrides,
});

describe("registries side by side", () => {
  it("lists only what differs: a setting, a member one lacks, a route", () => {
    const a = view("http://a");
    const b = view("http://b", {
      config: { orderMessageEnable: "false" },
      members: { "C/broker-a/0": "10.0.0.1:10911", "C/broker-b/0": "10.0.0.2:10911" },
      routes: { T: "broker-a:6:4/4, broker-b:6:4/4" },
    });
    expect(compareRegistries([a, b])).toEqual([
      { kind: "setting", name: "orderMessageEnable", values: ["true", "false"] },
      { kind: "member", name: "C/broker-b/0", values: [null, "10.0.0.2:10911"] },
      { kind: "route", name: "T", values: ["broker-a:6:4/4", "broker-a:6:4/4, broker-b:6:4/4"] },
    ]);
  });

  it("the same everywhere is no row; an unreachable registry is left out of the comparison", () => {
    expect(compareRegistries([view("http://a"), view("http://b")])).toEqual([]);
    const down = view("http://c", { error: "unreachable", config: {}, members: {}, routes: {} });
    expect(compareRegistries([view("http://a"), view("http://b"), down])).toEqual([]);
    expect(compareRegistries([view("http://a"), down])).toEqual([]);
  });
});
