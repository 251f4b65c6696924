/**
 * Node HTTP request → the APIGatewayProxyEventV2 an HTTP API (payload 2.0) hands a Lambda, and the
 * Lambda's structured result → the Node response. The local server and the in-process registry both
 * use this, so locally every handler sees the event shape it gets on AWS:
 *
 * - header names lower-cased, repeated headers joined with ","; `cookie` moved to `cookies`;
 * - `rawQueryString` as sent; `queryStringParameters` decoded, repeated names joined with ",";
 * - the path percent-decoded once before routing, as API Gateway does: `rawPath`,
 *   `requestContext.http.path` and `pathParameters` are decoded, and `%2F` separates segments (see
 *   lib/http/params.ts for the evidence). API Gateway was also seen decoding a second time and
 *   rejecting paths whose once-decoded form holds a bare `%`; this server does not copy that quirk
 *   and decodes exactly once, as API.md specifies;
 * - text bodies (JSON, text/*) as strings, anything else (gzip, binary) base64 with isBase64Encoded.
 */
import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";

export interface IncomingRequest {
  method: string;
  /** The request target as received (`/topics/%25RETRY%25a/route?zone=z`). */
  target: string;
  /** Node's rawHeaders: name, value, name, value, ... */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
  /** `HTTP/1.1` */
  protocol: string;
  timeEpoch?: number;
  requestId?: string;
}

export interface RouteSelection {
  /** `GET /topics/{topic}/route`, or `$default`. */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

export interface SplitTarget {
  /** Path as sent, still percent-encoded. */
  encodedPath: string;
  rawQueryString: string;
}

export function splitTarget(target: string): SplitTarget {
  let pathAndQuery = target;
  if (!target.startsWith("/")) {
    // absolute-form (`http://host/path?x`), which proxies send
    try {
      const url = new URL(target);
      pathAndQuery = `${url.pathname}${url.search}`;
    } catch {
      pathAndQuery = "/";
    }
  }
  const hash = pathAndQuery.indexOf("#");
  if (hash >= 0) pathAndQuery = pathAndQuery.slice(0, hash);
  const question = pathAndQuery.indexOf("?");
  return question < 0
    ? { encodedPath: pathAndQuery, rawQueryString: "" }
    : { encodedPath: pathAndQuery.slice(0, question), rawQueryString: pathAndQuery.slice(question + 1) };
}

function foldHeaders(rawHeaders: string[]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? "").toLowerCase();
    const value = rawHeaders[index + 1] ?? "";
    if (name === "cookie") {
      cookies.push(
        ...value
          .split(";")
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ""),
      );
      continue;
    }
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous},${value}`;
  }
  return { headers, cookies };
}

function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === "") return undefined;
  // A Map, then Object.fromEntries: a parameter named __proto__ stays an own key, as in the JSON event
  // API Gateway sends (a plain-object assignment would drop it, and a typo check would miss it).
  const parameters = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = parameters.get(name);
    parameters.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return parameters.size === 0 ? undefined : Object.fromEntries(parameters);
}

const TEXT_TYPES =
  /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded)|application\/[\w.+-]+\+(json|xml))/i;
const utf8 = new TextDecoder("utf-8", { fatal: true });

function encodeBody(
  body: Buffer,
  headers: Record<string, string>,
): { body?: string; isBase64Encoded: boolean } {
  if (body.length === 0) return { isBase64Encoded: false };
  const encoding = (headers["content-encoding"] ?? "").trim().toLowerCase();
  const textual =
    TEXT_TYPES.test(headers["content-type"] ?? "") && (encoding === "" || encoding === "identity");
  if (textual) {
    try {
      return { body: utf8.decode(body), isBase64Encoded: false };
    } catch {
      // not UTF-8 after all: hand it over untouched
    }
  }
  return { body: body.toString("base64"), isBase64Encoded: true };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** API Gateway's `requestContext.time`: `10/Jul/2026:19:19:05 +0000`. */
export function requestTime(epochMs: number): string {
  const d = new Date(epochMs);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/** Builds the payload 2.0 event for a request whose path has already been decoded and routed. */
export function toApiGatewayEvent(
  request: IncomingRequest,
  decodedPath: string,
  selection: RouteSelection,
): APIGatewayProxyEventV2 {
  const { rawQueryString } = splitTarget(request.target);
  const { headers, cookies } = foldHeaders(request.rawHeaders);
  const timeEpoch = request.timeEpoch ?? Date.now();
  const host = headers.host ?? "localhost";
  const port = /:(\d+)$/.exec(host)?.[1];
  headers["x-forwarded-for"] = request.sourceIp;
  headers["x-forwarded-proto"] = "http";
  if (port !== undefined) headers["x-forwarded-port"] = port;
  const queryStringParameters = queryParameters(rawQueryString);
  const hasPathParameters =
    selection.pathParameters !== undefined && Object.keys(selection.pathParameters).length > 0;
  return {
    version: "2.0",
    routeKey: selection.routeKey,
    rawPath: decodedPath,
    rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(queryStringParameters === undefined ? {} : { queryStringParameters }),
    ...(hasPathParameters ? { pathParameters: selection.pathParameters } : {}),
    requestContext: {
      accountId: "local",
      apiId: "local",
      domainName: host,
      domainPrefix: host.split(/[.:]/)[0] ?? host,
      http: {
        method: request.method.toUpperCase(),
        path: decodedPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: request.requestId ?? randomUUID(),
      routeKey: selection.routeKey,
      stage: "$default",
      time: requestTime(timeEpoch),
      timeEpoch,
    },
    ...encodeBody(request.body, headers),
  };
}

/** Writes a Lambda's HTTP result the way API Gateway would. */
export function writeResult(response: ServerResponse, result: APIGatewayProxyResultV2): void {
  // A result without statusCode is the body itself, with 200 (API Gateway's rule for payload 2.0).
  if (typeof result !== "object" || result === null || !("statusCode" in result)) {
    const body = Buffer.from(typeof result === "string" ? result : JSON.stringify(result ?? null));
    response.writeHead(200, { "content-type": "application/json", "content-length": body.length });
    response.end(body);
    return;
  }
  const statusCode = result.statusCode ?? 200;
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    response.setHeader(name, String(value));
  }
  if (result.cookies !== undefined && result.cookies.length > 0)
    response.setHeader("set-cookie", result.cookies);
  const noBody = statusCode === 204 || statusCode === 304;
  const body =
    noBody || result.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8");
  if (!noBody) response.setHeader("content-length", body.length);
  response.writeHead(statusCode);
  response.end(noBody ? undefined : body);
}
