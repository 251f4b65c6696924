import { describe, expect, it } from "vitest";
import { ENDPOINT_DEFAULTS, ENDPOINT_PRICES, endpointMonthlyCost } from "../../bench/endpoint-cost";

describe("the remoting endpoint's monthly cost", () => {
  const cost = endpointMonthlyCost();
  const line = (item: string) => cost.lines.find((l) => l.item === item)?.monthlyUsd;

  it("prices two always-on 0.25 vCPU / 0.5 GB ARM64 tasks and one NLB over 730 hours", () => {
    expect(line("Fargate tasks (ARM64)")).toBeCloseTo(
      2 * (0.25 * ENDPOINT_PRICES.fargateArmPerVcpuHour + 0.5 * ENDPOINT_PRICES.fargateArmPerGbHour) * 730,
      2,
    );
    expect(line("NLB hours")).toBeCloseTo(ENDPOINT_PRICES.nlbPerHour * 730, 2);
  });

  it("bills capacity units on the route answers' bytes (1,000 producers × 20 topics / 30 s)", () => {
    expect(cost.routeQueriesPerSecond).toBeCloseTo(666.67, 1);
    expect(line("NLB capacity units")).toBeCloseTo(((666.667 * 800 * 3600) / 1e9) * 0.006 * 730, 1);
  });

  it("drops the public IPs in your own subnets, and the total is the sum of its lines", () => {
    const yours = endpointMonthlyCost({ ...ENDPOINT_DEFAULTS, publicIps: false });
    expect(cost.totalUsd - yours.totalUsd).toBeCloseTo(2 * 0.005 * 730, 1);
    const sum = cost.lines.reduce((s, l) => s + l.monthlyUsd, 0);
    expect(cost.totalUsd).toBeCloseTo(sum, 1);
  });

  it("runs at least a task per zone (the NLB is zonal): three subnets, three tasks", () => {
    const three = endpointMonthlyCost({ ...ENDPOINT_DEFAULTS, zones: 3 });
    const fargate = three.lines.find((l) => l.item === "Fargate tasks (ARM64)");
    expect(fargate?.detail).toMatch(/^3 × /);
    expect(fargate?.monthlyUsd).toBeCloseTo(((line("Fargate tasks (ARM64)") ?? 0) * 3) / 2, 1);
  });

  it("counts the producers' POST /routes the gateways answer instead", () => {
    expect(cost.avoidedRouteRequests).toBeCloseTo((1000 * 730 * 3600) / 30, -3);
  });
});
