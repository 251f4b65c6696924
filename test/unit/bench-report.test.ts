/**
 * The committed bench report is generated, not written: docs/bench/README.md is exactly what
 * bench/report.ts makes of docs/bench/latest.json, and the cost scenarios and targets in that JSON are
 * exactly what bench/cost.ts and bench/report.ts compute from the measured figures beside them.
 * (test/integration/bench-counts.test.ts checks those figures' counts against the code.)
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costModel, costScenarios, FACTORS, TOPOLOGIES } from "../../bench/cost";
import { type BenchResults, judgeTargets, markdownReport } from "../../bench/report";

const docs = new URL("../../docs/bench/", import.meta.url);
const committed = JSON.parse(readFileSync(new URL("latest.json", docs), "utf8")) as BenchResults;

describe("the committed bench report", () => {
  it("README.md is markdownReport(latest.json): regenerate both with `npm run bench`", () => {
    expect(readFileSync(new URL("README.md", docs), "utf8")).toBe(markdownReport(committed));
  });

  it("cost.scenarios, cost.endpointFronts and the targets are what the model computes from the measured figures", () => {
    const { scenarios, endpointFronts } = costModel(committed.measured, committed.stack);
    expect(committed.cost.scenarios).toEqual(scenarios);
    expect(committed.cost.endpointFronts).toEqual(endpointFronts);
    expect(committed.targets).toEqual(judgeTargets(committed.measured, scenarios));
  });

  it("prices the managed endpoint with the DNS front, and keeps the NLB front's total beside it", () => {
    for (const fleetFactor of FACTORS) {
      const s = committed.cost.scenarios.find(
        (x) => x.topology === "managed-endpoint" && x.fleetFactor === fleetFactor,
      );
      const front = (name: "dns" | "nlb") =>
        committed.cost.endpointFronts.find((x) => x.front === name && x.fleetFactor === fleetFactor);
      expect(s?.lines.some((l) => /load balancer/i.test(l.item))).toBe(false);
      expect(s?.lines.find((l) => l.item === "Cloud Map (zonal DNS names)")?.monthlyUsd).toBeGreaterThan(0);
      expect(s?.quotas.some((q) => q.name.startsWith("NLB"))).toBe(false);
      expect(front("dns")?.totalUsd).toBe(s?.totalUsd);
      expect(front("nlb")?.totalUsd).toBeGreaterThan(s?.totalUsd ?? Number.POSITIVE_INFINITY);
      expect(front("nlb")?.ofClassic).toBeCloseTo((front("nlb")?.totalUsd ?? 0) / (s?.classicUsd ?? 1), 2);
    }
  });

  it("the README's and docs/performance.md's per-topology tables show the committed figures", () => {
    const money = (n: number) =>
      `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
    const rows: Record<(typeof TOPOLOGIES)[number], { readme: string; performance: string }> = {
      "host-gateways": { readme: "`namesrv gateway` on the hosts", performance: "gateways on the hosts" },
      "managed-endpoint": { readme: "the managed endpoint", performance: "the managed endpoint" },
      "http-clients": { readme: "clients calling the HTTP API", performance: "clients calling the HTTP API" },
    };
    const files = {
      readme: readFileSync(new URL("../../README.md", import.meta.url), "utf8"),
      performance: readFileSync(new URL("../../docs/performance.md", import.meta.url), "utf8"),
    };
    for (const topology of TOPOLOGIES) {
      for (const doc of ["readme", "performance"] as const) {
        const row = files[doc].split("\n").find((line) => line.startsWith(`| ${rows[topology][doc]}`));
        expect(row, `${doc}: the ${topology} row`).toBeDefined();
        for (const fleetFactor of FACTORS) {
          const s = committed.cost.scenarios.find(
            (x) => x.topology === topology && x.fleetFactor === fleetFactor,
          );
          const figure = `${money(s?.totalUsd ?? Number.NaN)} (${s?.ofClassic.toFixed(2)}×)`;
          expect(row, `${doc}: ${topology} at ${fleetFactor}×`).toContain(figure);
        }
      }
    }
    // The managed endpoint's alternative front, the row below it in both tables.
    for (const doc of ["readme", "performance"] as const) {
      const row = files[doc].split("\n").find((line) => line.startsWith("| the endpoint with its NLB front"));
      expect(row, `${doc}: the NLB front's row`).toBeDefined();
      for (const fleetFactor of FACTORS) {
        const f = committed.cost.endpointFronts.find(
          (x) => x.front === "nlb" && x.fleetFactor === fleetFactor,
        );
        const figure = `${money(f?.totalUsd ?? Number.NaN)} (${f?.ofClassic.toFixed(2)}×)`;
        expect(row, `${doc}: the NLB front at ${fleetFactor}×`).toContain(figure);
      }
    }
  });

  it("has one scenario per topology and fleet factor, with lines and quotas", () => {
    for (const topology of TOPOLOGIES) {
      for (const fleetFactor of FACTORS) {
        const s = committed.cost.scenarios.find(
          (x) => x.topology === topology && x.fleetFactor === fleetFactor,
        );
        expect(s, `${topology} ${fleetFactor}×`).toBeDefined();
        expect(s?.totalUsd).toBeCloseTo(s?.lines.reduce((n, l) => n + l.monthlyUsd, 0) ?? -1, 1);
        expect(s?.ofClassic).toBeCloseTo((s?.totalUsd ?? 0) / (s?.classicUsd ?? 1), 2);
        expect(s?.quotas.length).toBeGreaterThan(0);
      }
    }
  });

  it("sizes the endpoint's tasks from the measured CPU per ask, and refuses a run without it", () => {
    const fargate = (m: BenchResults["measured"], factor: number) => {
      const s = costScenarios(m, committed.stack).find(
        (x) => x.topology === "managed-endpoint" && x.fleetFactor === factor,
      );
      const line = s?.lines.find((l) => l.item.startsWith("Fargate"));
      return Number(/^(\d+) tasks/.exec(line?.detail ?? "")?.[1]);
    };
    const slower = {
      ...committed.measured,
      gatewayCpu: committed.measured.gatewayCpu.map((c) => ({
        ...c,
        cpuMicrosPerAsk: c.cpuMicrosPerAsk * 4,
      })),
    };
    expect(fargate(committed.measured, 1)).toBe(2);
    expect(fargate(slower, 100)).toBeGreaterThanOrEqual(3 * fargate(committed.measured, 100));
    const { gatewayCpu: _, ...without } = committed.measured;
    expect(() => costScenarios(without as BenchResults["measured"], committed.stack)).toThrow(
      /gateway\.cpu\.route\.cached/,
    );
  });
});
