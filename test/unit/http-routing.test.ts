import { describe, expect, it } from "vitest";
import { defaultRouteError, routedPath } from "../../lib/http/default-route";
import { headersOf, MethodNotAllowedError, NotFoundError, statusOf } from "../../lib/http/errors";
import { matchRoute, routeKeyOf } from "../../lib/http/route-match";
import { routes } from "../../lib/http/routes";
import { httpEvent } from "../support/http-event";

describe("matchRoute (route selection from the route table)", () => {
  it("matches every route of the table with its own path and method", () => {
    for (const route of routes) {
      const path = route.path.replace(/\{(\w+)\}/g, "p-$1");
      const match = matchRoute(route.method, path);
      expect(match.kind === "route" && match.route.id).toBe(route.id);
    }
  });

  it("extracts path parameters", () => {
    const match = matchRoute("GET", "/topics/%RETRY%group-a/route");
    expect(match).toEqual({
      kind: "route",
      route: expect.objectContaining({ id: "GetRouteInfoByTopic" }),
      pathParameters: { topic: "%RETRY%group-a" },
    });
  });

  it("prefers literal segments: PUT /brokers/b/write-perm is SetWritePerm, GET of it the member group", () => {
    const put = matchRoute("PUT", "/brokers/broker-a/write-perm");
    expect(put.kind === "route" && put.route.id).toBe("SetWritePerm");
    const get = matchRoute("GET", "/brokers/broker-a/write-perm");
    expect(get.kind === "route" && get.route.id).toBe("GetBrokerMemberGroup");
  });

  it("is case-sensitive on paths and needs non-empty segments", () => {
    expect(matchRoute("GET", "/Topics").kind).toBe("not-found");
    expect(matchRoute("GET", "/topics//route").kind).toBe("not-found");
    expect(matchRoute("GET", "/topics/").kind).toBe("not-found");
  });

  it("reports the allowed methods of a known path", () => {
    expect(matchRoute("POST", "/kv/ns/k")).toEqual({
      kind: "method-not-allowed",
      allowed: ["DELETE", "GET", "PUT"],
    });
    expect(matchRoute("DELETE", "/brokers/b/write-perm")).toEqual({
      kind: "method-not-allowed",
      allowed: ["GET", "PUT"],
    });
  });

  it("gives API Gateway's route keys", () => {
    expect(routeKeyOf({ method: "GET", path: "/topics/{topic}/route" })).toBe("GET /topics/{topic}/route");
  });
});

describe("the $default route: 404 and 405", () => {
  it("404 NOT_FOUND for an unknown path", () => {
    const error = defaultRouteError("GET", "/nope");
    expect(error).toBeInstanceOf(NotFoundError);
    expect(statusOf(error)).toBe(404);
    expect(error.code).toBe("NOT_FOUND");
  });

  it("405 METHOD_NOT_ALLOWED with Allow for a known path", () => {
    const error = defaultRouteError("PATCH", "/topics");
    expect(error).toBeInstanceOf(MethodNotAllowedError);
    expect(statusOf(error)).toBe(405);
    expect(headersOf(error)).toEqual({ Allow: "DELETE, GET, POST" });
  });

  it("routes the path without a named stage's prefix", () => {
    const event = httpEvent({ path: "/prod/topics" });
    event.requestContext.stage = "prod";
    expect(routedPath(event)).toBe("/topics");
    expect(routedPath(httpEvent({ path: "/topics" }))).toBe("/topics");
  });
});
