import { describe, expect, it } from "vitest";
import { ENDPOINT_DEFAULTS, ENDPOINT_PRICES, endpointMonthlyCost } from "../../bench/endpoint-cost";

describe("the remoting endpoint's monthly cost", () => {
  const cost = endpointMonthlyCost();
  const nlb = endpointMonthlyCost({ ...ENDPOINT_DEFAULTS, front: "nlb" });
  const line = (item: string, of = cost) => of.lines.find((l) => l.item === item)?.monthlyUsd;

  it("prices two always-on 0.25 vCPU / 0.5 GB ARM64 tasks over 730 hours, with either front", () => {
    const fargate =
      2 * (0.25 * ENDPOINT_PRICES.fargateArmPerVcpuHour + 0.5 * ENDPOINT_PRICES.fargateArmPerGbHour) * 730;
    expect(line("Fargate tasks (ARM64)")).toBeCloseTo(fargate, 2);
    expect(line("Fargate tasks (ARM64)", nlb)).toBeCloseTo(fargate, 2);
  });

  it("defaults to the DNS front: no load balancer, a Cloud Map name per zone", () => {
    expect(ENDPOINT_DEFAULTS.front).toBe("dns");
    expect(cost.lines.some((l) => l.item.startsWith("NLB"))).toBe(false);
    // One private hosted zone, a registered instance per task, a lookup per connection an hour.
    expect(line("Cloud Map (zonal DNS names)")).toBeCloseTo(
      ENDPOINT_PRICES.cloudMapHostedZonePerMonth +
        2 * ENDPOINT_PRICES.cloudMapPerInstanceMonth +
        ((1_100 * 730) / 1e6) * ENDPOINT_PRICES.dnsQueriesPerMillion,
      2,
    );
    // SYSTEM_BUSY rate 2, overload 1, "no gateway task running" per zone's service.
    expect(cost.lines.find((l) => l.item === "alarms and metrics")?.detail).toMatch(/^5 alarm metrics/);
  });

  it("is cheaper than the NLB front, by the NLB's hours and capacity units less Cloud Map", () => {
    expect(cost.totalUsd).toBeLessThan(nlb.totalUsd);
    expect(nlb.lines.some((l) => l.item.startsWith("Cloud Map"))).toBe(false);
    expect(nlb.totalUsd - cost.totalUsd).toBeCloseTo(
      (line("NLB hours", nlb) ?? 0) +
        (line("NLB capacity units", nlb) ?? 0) -
        (line("Cloud Map (zonal DNS names)") ?? 0) -
        ENDPOINT_PRICES.alarmMetricPerMonth,
      1,
    );
  });

  it("NLB front: one NLB over 730 hours, capacity units on the route answers' bytes (1,000 producers × 20 topics / 30 s)", () => {
    expect(line("NLB hours", nlb)).toBeCloseTo(ENDPOINT_PRICES.nlbPerHour * 730, 2);
    expect(nlb.routeQueriesPerSecond).toBeCloseTo(666.67, 1);
    expect(line("NLB capacity units", nlb)).toBeCloseTo(((666.667 * 800 * 3600) / 1e9) * 0.006 * 730, 1);
    expect(nlb.lines.find((l) => l.item === "alarms and metrics")?.detail).toMatch(/^4 alarm metrics/);
  });

  it("drops the public IPs in your own subnets, and the total is the sum of its lines", () => {
    const yours = endpointMonthlyCost({ ...ENDPOINT_DEFAULTS, publicIps: false });
    expect(cost.totalUsd - yours.totalUsd).toBeCloseTo(2 * 0.005 * 730, 1);
    for (const of of [cost, nlb]) {
      const sum = of.lines.reduce((s, l) => s + l.monthlyUsd, 0);
      expect(of.totalUsd).toBeCloseTo(sum, 1);
    }
  });

  it("runs at least a task per zone (a service per zone): three subnets, three tasks, three task alarms", () => {
    const three = endpointMonthlyCost({ ...ENDPOINT_DEFAULTS, zones: 3 });
    const fargate = three.lines.find((l) => l.item === "Fargate tasks (ARM64)");
    expect(fargate?.detail).toMatch(/^3 × /);
    expect(fargate?.monthlyUsd).toBeCloseTo(((line("Fargate tasks (ARM64)") ?? 0) * 3) / 2, 1);
    expect(three.lines.find((l) => l.item === "alarms and metrics")?.detail).toMatch(/^6 alarm metrics/);
  });

  it("counts the producers' POST /routes the gateways answer instead", () => {
    expect(cost.avoidedRouteRequests).toBeCloseTo((1000 * 730 * 3600) / 30, -3);
  });
});
