/**
 * Route selection from THE route table, the way API Gateway does it: a `{name}` segment matches one
 * non-empty segment, the method must match, and among matches the most literal route wins. Paths are
 * matched already decoded (API Gateway decodes before routing; see params.ts): `decodePath` is that
 * one decoding, for the local server and the function URL's router alike.
 */
import { InvalidRequestError } from "../domain/errors";
import { type HttpMethod, type RouteDefinition, routes as routeTable } from "./routes";

export type RouteMatch =
  | { kind: "route"; route: RouteDefinition; pathParameters: Record<string, string> }
  | { kind: "method-not-allowed"; allowed: HttpMethod[] }
  | { kind: "not-found" };

interface CompiledRoute {
  route: RouteDefinition;
  segments: ({ literal: string } | { param: string })[];
}

function compile(route: RouteDefinition): CompiledRoute {
  const segments = route.path
    .split("/")
    .slice(1)
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment)?.[1];
      return param === undefined ? { literal: segment } : { param };
    });
  return { route, segments };
}

function matchPath(compiled: CompiledRoute, pathSegments: string[]): Record<string, string> | undefined {
  if (compiled.segments.length !== pathSegments.length) return undefined;
  const parameters: Record<string, string> = {};
  for (const [index, segment] of compiled.segments.entries()) {
    const actual = pathSegments[index] ?? "";
    if ("literal" in segment) {
      if (segment.literal !== actual) return undefined;
    } else {
      if (actual === "") return undefined;
      parameters[segment.param] = actual;
    }
  }
  return parameters;
}

/** Literal segments outrank parameters, leftmost first (`/brokers/{b}/write-perm` over `/brokers/{c}/{b}`). */
function specificity(compiled: CompiledRoute): number {
  return compiled.segments.reduce(
    (score, segment, index) => score + ("literal" in segment ? 2 ** (16 - index) : 0),
    0,
  );
}

export function createRouteMatcher(table: readonly RouteDefinition[] = routeTable) {
  const compiled = table.map(compile).sort((a, b) => specificity(b) - specificity(a));
  return (method: string, path: string): RouteMatch => {
    const pathSegments = path.split("/").slice(1);
    if (!path.startsWith("/")) return { kind: "not-found" };
    const allowed = new Set<HttpMethod>();
    for (const candidate of compiled) {
      const pathParameters = matchPath(candidate, pathSegments);
      if (pathParameters === undefined) continue;
      if (candidate.route.method === method.toUpperCase())
        return { kind: "route", route: candidate.route, pathParameters };
      allowed.add(candidate.route.method);
    }
    if (allowed.size === 0) return { kind: "not-found" };
    return { kind: "method-not-allowed", allowed: [...allowed].sort() };
  };
}

/** Matches against the project's route table. */
export const matchRoute = createRouteMatcher();

/** API Gateway's route key for a route: `GET /topics/{topic}/route`. */
export function routeKeyOf(route: Pick<RouteDefinition, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}

/** Decodes the request path once; a malformed escape is a 400 (API Gateway rejects it too). */
export function decodePath(encodedPath: string): string {
  try {
    return decodeURIComponent(encodedPath);
  } catch {
    throw new InvalidRequestError(`The request path is not validly percent-encoded: ${encodedPath}`);
  }
}
