/**
 * Factory for API Gateway HTTP API (payload 2.0) events, shaped like the ones API Gateway sends:
 * lower-case headers, decoded path and path parameters. Overrides win.
 */
import { gzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";

export interface HttpEventInit {
  method?: string;
  /** Decoded path, as API Gateway hands it over. */
  path?: string;
  routeKey?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  pathParameters?: Record<string, string>;
  /** Object bodies are JSON-encoded with Content-Type application/json. */
  json?: unknown;
  body?: string;
  isBase64Encoded?: boolean;
}

export function httpEvent(init: HttpEventInit = {}): APIGatewayProxyEventV2 {
  const method = init.method ?? "GET";
  const path = init.path ?? "/";
  const headers: Record<string, string> = { host: "127.0.0.1", ...init.headers };
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    headers["content-type"] ??= "application/json";
  }
  const rawQueryString = new URLSearchParams(init.query ?? {}).toString();
  return {
    version: "2.0",
    routeKey: init.routeKey ?? `${method} ${path}`,
    rawPath: path,
    rawQueryString,
    headers,
    ...(init.query === undefined ? {} : { queryStringParameters: init.query }),
    ...(init.pathParameters === undefined ? {} : { pathParameters: init.pathParameters }),
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "127.0.0.1",
      domainPrefix: "127",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: init.routeKey ?? `${method} ${path}`,
      stage: "$default",
      time: "10/Jul/2026:19:19:05 +0000",
      timeEpoch: 1_783_711_145_766,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: init.isBase64Encoded ?? false,
  };
}

/** A gzip-compressed JSON body, base64-encoded as API Gateway hands binary bodies over. */
export function gzipJsonEvent(
  init: Omit<HttpEventInit, "json" | "body">,
  value: unknown,
): APIGatewayProxyEventV2 {
  return httpEvent({
    ...init,
    headers: { "content-type": "application/json", "content-encoding": "gzip", ...init.headers },
    body: gzipSync(Buffer.from(JSON.stringify(value))).toString("base64"),
    isBase64Encoded: true,
  });
}

/**
 * The event API Gateway's HTTP API (payload 2.0) builds for a request target as a client sends it
 * (`/route?topic=%25RETRY%25g`): the path percent-decoded once (`rawPath`, `requestContext.http.path`,
 * `pathParameters`), `rawQueryString` exactly as sent (still encoded), `queryStringParameters` decoded
 * exactly once, repeated names joined with commas. See lib/http/params.ts for the captures this follows.
 */
export function apiGatewayEvent(init: {
  method: string;
  /** As sent on the wire: path and query percent-encoded. */
  target: string;
  /** The route key API Gateway matched, e.g. `GET /route`. */
  routeKey: string;
  /** Decoded, as API Gateway hands them over. */
  pathParameters?: Record<string, string>;
  headers?: Record<string, string>;
  json?: unknown;
}): APIGatewayProxyEventV2 {
  const question = init.target.indexOf("?");
  const encodedPath = question < 0 ? init.target : init.target.slice(0, question);
  const rawQueryString = question < 0 ? "" : init.target.slice(question + 1);
  const query: Record<string, string> = {};
  for (const pair of rawQueryString === "" ? [] : rawQueryString.split("&")) {
    const equals = pair.indexOf("=");
    const name = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decodeURIComponent(pair.slice(equals + 1));
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  const event = httpEvent({
    method: init.method,
    path: decodeURIComponent(encodedPath),
    routeKey: init.routeKey,
    ...(init.headers === undefined ? {} : { headers: init.headers }),
    ...(init.pathParameters === undefined ? {} : { pathParameters: init.pathParameters }),
    ...(rawQueryString === "" ? {} : { query }),
    ...(init.json === undefined ? {} : { json: init.json }),
  });
  return { ...event, rawQueryString };
}
