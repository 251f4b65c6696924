/**
 * functions/router.ts, the one function behind the stack's `functionUrl`: it serves every route of the
 * route table with the route's own handler, routed as API Gateway would route it.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { routes } from "../../lib/http/routes";
import { apiGatewayEvent } from "../support/http-event";

const { nameServer } = await vi.hoisted(async () => {
  const { mockNameServer } = await import("../support/name-server-mock");
  return { nameServer: mockNameServer() };
});
vi.mock("../../lib/app/container", () => ({ nameServer }));
const router = await import("../../functions/router");

/** A function URL's event: payload 2.0 with routeKey `$default` and no path parameters. */
const urlEvent = (method: string, target: string) =>
  apiGatewayEvent({ method, target, routeKey: "$default" });
const statusOf = (response: unknown) => (response as { statusCode: number }).statusCode;

beforeEach(() => {
  vi.clearAllMocks();
});

describe("the function URL router", () => {
  it("has a handler for every handler module of the route table", () => {
    const modules = new Set(routes.map((r) => r.handler));
    expect(Object.keys(router.handlers).sort()).toEqual([...modules].sort());
  });

  it("serves query forms with the route's handler", async () => {
    nameServer.getRouteInfoByTopic.mockResolvedValue({
      queueDatas: [],
      brokerDatas: [],
      filterServerTable: {},
    });
    const response = await router.handler(urlEvent("GET", "/route?topic=%25RETRY%25g"));
    expect(statusOf(response)).toBe(200);
    expect(nameServer.getRouteInfoByTopic).toHaveBeenCalledWith("%RETRY%g", undefined);
  });

  it("fills the path parameters of path forms", async () => {
    nameServer.getBrokerMemberGroup.mockResolvedValue({ cluster: "C", brokerName: "b", brokerAddrs: {} });
    expect(statusOf(await router.handler(urlEvent("GET", "/brokers/C/b")))).toBe(200);
    expect(nameServer.getBrokerMemberGroup).toHaveBeenCalledWith("C", "b");
  });

  it("answers 404 for an unknown path and 405 for a known path with another method", async () => {
    expect(statusOf(await router.handler(urlEvent("GET", "/nope")))).toBe(404);
    const wrong = (await router.handler(urlEvent("PATCH", "/routes"))) as {
      statusCode: number;
      headers: Record<string, string>;
    };
    expect(wrong.statusCode).toBe(405);
    expect(wrong.headers.Allow).toBe("POST");
  });
});
