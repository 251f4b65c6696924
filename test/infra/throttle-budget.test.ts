/**
 * The throttle budget belongs to heartbeats (README "Security"): broker writes and the public
 * /health have route-level throttles of their own, /health answers from a cached probe, and the
 * heartbeat function and the sweeper hold reserved concurrency.
 */
import { describe, expect, it } from "vitest";
import { routes } from "../../lib/http/routes";
import { synthNameServer } from "./synth";

const synth = synthNameServer();
const stage = Object.values(synth.template.findResources("AWS::ApiGatewayV2::Stage"))[0] as {
  Properties: {
    DefaultRouteSettings: { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
    RouteSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }>;
  };
  DependsOn?: string[];
};
const functionResource = (routeId: string) =>
  synth.template.toJSON().Resources[
    synth.logicalId(synth.stack.routeFunctions.get(routeId)?.function as never)
  ];

describe("route-level throttles", () => {
  const brokerWrites = routes.filter((route) =>
    ["register-broker", "unregister-broker", "touch-broker", "query-data-version"].includes(route.handler),
  );

  it("give every broker write route (both forms) a bucket of its own with headroom over the stage default", () => {
    expect(brokerWrites.map((route) => route.id).sort()).toEqual([
      "QueryDataVersion",
      "QueryDataVersionInGroup",
      "RegisterBroker",
      "RegisterBrokerInGroup",
      "TouchBroker",
      "TouchBrokerInGroup",
      "UnregisterBroker",
      "UnregisterBrokerInGroup",
    ]);
    for (const route of brokerWrites) {
      expect(stage.Properties.RouteSettings[`${route.method} ${route.path}`], route.id).toEqual({
        ThrottlingRateLimit: 1000,
        ThrottlingBurstLimit: 2000,
      });
    }
  });

  it("keep /health small: 10 req/s, burst 20, far below any route brokers need", () => {
    expect(stage.Properties.RouteSettings["GET /health"]).toEqual({
      ThrottlingRateLimit: 10,
      ThrottlingBurstLimit: 20,
    });
    expect(stage.Properties.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(10);
  });

  it("name only routes that exist, and deploy the stage after them", () => {
    const routeKeys = new Set(routes.map((route) => `${route.method} ${route.path}`));
    for (const key of Object.keys(stage.Properties.RouteSettings)) expect(routeKeys.has(key), key).toBe(true);
    const dependsOn = JSON.stringify(stage.DependsOn ?? []);
    for (const route of [...brokerWrites, ...routes.filter((r) => r.access === "public")]) {
      expect(dependsOn, route.id).toContain(synth.logicalId(synth.stack.node.findChild(`${route.id}Route`)));
    }
  });

  it("follow the props", () => {
    const custom = synthNameServer({
      heartbeatThrottle: { rateLimit: 3000, burstLimit: 5000 },
      healthThrottle: { rateLimit: 2, burstLimit: 4 },
    });
    const settings = (
      Object.values(custom.template.findResources("AWS::ApiGatewayV2::Stage"))[0] as typeof stage
    ).Properties.RouteSettings;
    expect(settings["POST /brokers/heartbeat"]).toEqual({
      ThrottlingRateLimit: 3000,
      ThrottlingBurstLimit: 5000,
    });
    expect(settings["GET /health"]).toEqual({ ThrottlingRateLimit: 2, ThrottlingBurstLimit: 4 });
  });
});

describe("GET /health", () => {
  it("reads through a 5 s per-instance probe cache on AWS", () => {
    expect(functionResource("Health").Properties.Environment.Variables.HEALTH_CACHE_MS).toBe("5000");
    expect(
      functionResource("GetRouteInfoByTopic").Properties.Environment.Variables.HEALTH_CACHE_MS,
    ).toBeUndefined();
  });
});

describe("reserved concurrency", () => {
  it("is held by the heartbeat function (50) and the sweeper (3) by default, by no other function", () => {
    expect(functionResource("RegisterBroker").Properties.ReservedConcurrentExecutions).toBe(50);
    const sweeper = synth.template.toJSON().Resources[synth.logicalId(synth.stack.sweeper.function)];
    expect(sweeper.Properties.ReservedConcurrentExecutions).toBe(3);
    const reserved = Object.values(synth.template.findResources("AWS::Lambda::Function")).filter(
      (fn) => fn.Properties.ReservedConcurrentExecutions !== undefined,
    );
    expect(reserved).toHaveLength(2);
  });

  it("can be changed or left unreserved for small accounts", () => {
    const small = synthNameServer({
      heartbeatReservedConcurrency: "unreserved",
      sweeperReservedConcurrency: 1,
    });
    const fns = small.template.toJSON().Resources;
    expect(
      fns[small.logicalId(small.stack.routeFunctions.get("RegisterBroker")?.function as never)].Properties
        .ReservedConcurrentExecutions,
    ).toBeUndefined();
    expect(fns[small.logicalId(small.stack.sweeper.function)].Properties.ReservedConcurrentExecutions).toBe(
      1,
    );
    expect(() => synthNameServer({ sweeperReservedConcurrency: 0 })).toThrow(/at least 1/);
  });
});
