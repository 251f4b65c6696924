/**
 * Path and query parameters.
 *
 * Path parameters are taken exactly as the event hands them over: never decoded here. What API
 * Gateway HTTP APIs (payload 2.0) really send, from live captures (hotsock/voker
 * `vokerhttp/testdata/ingress-paths.json`; also fastify/aws-lambda-fastify#169, honojs/hono#2156,
 * middleapi/standard-server#93): the request path is percent-decoded before routing, so `rawPath`,
 * `requestContext.http.path` and `pathParameters` arrive decoded (`/capture/space%20value` arrives as
 * `/capture/space value`, `a%2Fb` as `a/b`, which then no longer matches a one-segment `{param}`).
 * Hence `/topics/%25RETRY%25group-a/route` gives `pathParameters.topic === "%RETRY%group-a"`: the one
 * decoding has already happened. Decoding again would be wrong: `%25` is itself a valid piece of a
 * topic name, and `decodeURIComponent("%RETRY%...")` throws. The local server (lib/local/event.ts)
 * builds the same decoded event.
 *
 * Caveat seen in the same captures: HTTP APIs decode a second time (`literal%2525value` arrives as
 * `literal%value`, `%253F` as `?`) and answer 400 themselves, before any Lambda runs, when the
 * once-decoded path holds a `%` not followed by two hex digits (`percent%25done`). A `%RETRY%` or
 * `%DLQ%` topic sent once-encoded (`%25RETRY%25...`) is such a path. The local server decodes exactly
 * once, as API.md specifies.
 *
 * Query parameters: only the ones a route knows are accepted, so a typo (`?clustr=C` on DELETE
 * /topics/{topic}) is a 400 instead of silently deleting the whole topic. API Gateway joins repeated
 * parameters with commas (`?zone=a&zone=b` gives `"a,b"`), which no name schema accepts.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { z } from "zod";
import { InvalidRequestError } from "../domain/errors";
import { invalidRequest, parseWith } from "./validation";

type ParamEvent = Pick<APIGatewayProxyEventV2, "pathParameters" | "queryStringParameters">;

/** A path parameter, validated with `schema`; errors name `path.<name>`. */
export function pathParam<S extends z.ZodType>(event: ParamEvent, name: string, schema: S): z.output<S> {
  const value = event.pathParameters?.[name];
  if (value === undefined) {
    // Only reachable when the route table and the handler disagree: a bug, but a 400 is honest enough.
    throw new InvalidRequestError(`Missing path parameter ${name}`, [
      { field: `path.${name}`, message: "is required" },
    ]);
  }
  return parseWith(schema, value, `path.${name}`);
}

export type QuerySpec = Record<string, z.ZodType>;
export type NameValues<S extends QuerySpec> = { [K in keyof S]: z.output<S[K]> };
export type QueryValues<S extends QuerySpec> = { [K in keyof S]?: z.output<S[K]> };

/**
 * The query parameters of a route that knows exactly `spec`: every other parameter is a 400 naming
 * `query.<name>`, every known one is validated by its schema.
 */
export function queryParams<S extends QuerySpec>(event: ParamEvent, spec: S): QueryValues<S> {
  const values: Record<string, unknown> = {};
  const given = event.queryStringParameters ?? {};
  const unknown = Object.keys(given).filter((name) => !Object.hasOwn(spec, name));
  if (unknown.length > 0) {
    const known = Object.keys(spec);
    const hint = known.length === 0 ? "this route takes no query parameters" : `known: ${known.join(", ")}`;
    throw invalidRequest(
      unknown.map((name) => ({ field: `query.${name}`, message: `unknown query parameter (${hint})` })),
    );
  }
  for (const [name, schema] of Object.entries(spec)) {
    const value = given[name];
    if (value !== undefined) values[name] = parseWith(schema, value, `query.${name}`);
  }
  return values as QueryValues<S>;
}

/**
 * Names that a route's path form carries as `{name}` segments and its query form (API.md "Version 2
 * additions") as query parameters: `GET /topics/{topic}/route?zone=` and `GET /route?topic=&zone=`
 * are one handler. Each name comes from the path when the route has it there, else it is a required
 * query parameter (a 400 naming `query.<name>` when missing); `query` lists the optional parameters
 * both forms take. A name given both in the path and in the query is an unknown query parameter.
 */
export function namesAndQuery<N extends QuerySpec, Q extends QuerySpec>(
  event: ParamEvent,
  names: N,
  query: Q,
): NameValues<N> & QueryValues<Q> {
  const fromPath: Record<string, unknown> = {};
  const fromQuery: QuerySpec = {};
  for (const [name, schema] of Object.entries(names)) {
    if (event.pathParameters?.[name] !== undefined) fromPath[name] = pathParam(event, name, schema);
    else fromQuery[name] = schema;
  }
  const values: Record<string, unknown> = queryParams(event, { ...fromQuery, ...query });
  const missing = Object.keys(fromQuery).filter((name) => values[name] === undefined);
  if (missing.length > 0) {
    throw invalidRequest(missing.map((name) => ({ field: `query.${name}`, message: "is required" })));
  }
  return { ...values, ...fromPath } as NameValues<N> & QueryValues<Q>;
}
