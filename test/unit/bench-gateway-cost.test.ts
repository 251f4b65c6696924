import { describe, expect, it } from "vitest";
import { DEFAULT_GATEWAY_COST_INPUTS, estimateGatewayCost, GATEWAY_FLEET } from "../../bench/gateway-cost";
import { PRICES } from "../../bench/prices";

describe("what a gateway host costs next to its clients asking directly", () => {
  const month = PRICES.hoursPerMonth * 3600;

  it("prices one GET /route per client topic per poll directly, one POST /routes per 1,000 topics per refresh behind the gateway", () => {
    const result = estimateGatewayCost();
    const directRequests = (GATEWAY_FLEET.clients * GATEWAY_FLEET.topicsPerClient * month) / 30;
    const apiLine = result.direct.find((l) => l.item === "API Gateway HTTP API");
    expect(apiLine?.monthlyUsd).toBeCloseTo(directRequests / 1e6, 1);
    const gatewayApi = result.gateway.find((l) => l.item === "API Gateway HTTP API");
    expect(gatewayApi?.monthlyUsd).toBeCloseTo(month / 30 / 1e6, 2);
    expect(result.gatewayTotalUsd).toBeLessThan(result.directTotalUsd);
  });

  it("more than 1,000 distinct topics take one batch per 1,000; one client never pays for a host", () => {
    const big = estimateGatewayCost({ ...GATEWAY_FLEET, distinctTopics: 2500 }, DEFAULT_GATEWAY_COST_INPUTS);
    expect(big.gateway.find((l) => l.item === "API Gateway HTTP API")?.detail).toMatch(/3 per 30 s/);
    const alone = estimateGatewayCost({ ...GATEWAY_FLEET, clients: 1, distinctTopics: 20 });
    expect(alone.gatewayTotalUsd).toBeGreaterThan(alone.directTotalUsd);
    expect(alone.breakEvenClients).toBeGreaterThan(1);
  });
});
