/**
 * The local HTTP server: every request becomes the payload 2.0 event API Gateway would send, is
 * routed by THE route table to the same handler module as on AWS (unmatched requests go to the
 * `$default` handler), and the handler's result is written back. Token mode stands in for IAM.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import { BEARER_CHALLENGE, checkBearerToken } from "../http/bearer-token";
import { PayloadTooLargeError, UnauthorizedError } from "../http/errors";
import { errorResponse, type HttpResponse } from "../http/responses";
import { decodePath, matchRoute, routeKeyOf } from "../http/route-match";
import { defaultRouteHandler } from "../http/routes";
import { type IncomingRequest, splitTarget, toApiGatewayEvent, writeResult } from "./event";
import { type RequestLogEntry, subjectOfHttp } from "./request-log";

export type LambdaHttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2>;

export interface LocalHttpServerOptions {
  /** Handler modules' `handler` exports by module name (the route table's `handler` field). */
  handlers: Readonly<Record<string, LambdaHttpHandler>>;
  /** Token mode (NAMESRV_TOKEN): protected routes need `Authorization: Bearer <token>`. */
  token?: string;
  /** Bytes a request body may have on the wire (API Gateway HTTP APIs accept 10 MB). */
  maxRequestBytes?: number;
  /** Connection and header timeouts; see LOCAL_HTTP_TIMEOUTS. */
  timeouts?: Partial<LocalHttpTimeouts>;
  /** Called once per request when its response is sent (`npm start` prints a line per request). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** What the request log needs to know of a request, filled in while it is handled. */
interface RequestMeta {
  path?: string;
  pathParameters?: Record<string, string>;
  body?: Buffer;
}

export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export interface LocalHttpTimeouts {
  /** The whole header block must arrive within this (slowloris). */
  headersMs: number;
  /** The whole request, body included, must arrive within this (API Gateway's 30 s). */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** A socket with no traffic at all is closed after this. */
  idleMs: number;
}

export const LOCAL_HTTP_TIMEOUTS: LocalHttpTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  idleMs: 60_000,
};

class BodyTooLarge extends Error {}
/** The client went away (or a timeout cut it off) before its body arrived: nobody to answer. */
class ClientGone extends Error {}

function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    request.on("end", () => (tooLarge ? reject(new BodyTooLarge()) : resolve(Buffer.concat(chunks))));
    request.on("error", () => reject(new ClientGone()));
  });
}

function unauthorized(error: UnauthorizedError): HttpResponse {
  const response = errorResponse(error);
  response.headers["WWW-Authenticate"] = BEARER_CHALLENGE;
  return response;
}

/** An answer given before the body was read: the connection closes, so the unread body goes with it. */
function closing(response: HttpResponse): HttpResponse {
  response.headers.Connection = "close";
  return response;
}

async function handle(
  options: LocalHttpServerOptions,
  request: IncomingMessage,
  meta: RequestMeta,
): Promise<APIGatewayProxyResultV2> {
  const limit = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const method = request.method ?? "GET";
  const target = request.url ?? "/";
  const path = decodePath(splitTarget(target).encodedPath);
  // HEAD /health (load balancers, `curl -I`) is GET /health without the body; Node drops the body.
  const match = matchRoute(method === "HEAD" && path === "/health" ? "GET" : method, path);
  // The token is checked before a byte of the body is read: an unauthenticated client cannot make
  // the server buffer (or gunzip) anything.
  if (match.kind === "route") {
    try {
      checkBearerToken(match.route.access, joinedHeader(request, "authorization"), options.token);
    } catch (error) {
      if (error instanceof UnauthorizedError) return closing(unauthorized(error));
      throw error;
    }
  }
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    return closing(errorResponse(new PayloadTooLargeError(`Request body exceeds ${limit} bytes`)));
  }
  let body: Buffer;
  try {
    body = await readBody(request, limit);
  } catch (error) {
    if (error instanceof BodyTooLarge) {
      return errorResponse(new PayloadTooLargeError(`Request body exceeds ${limit} bytes`));
    }
    throw error;
  }
  const incoming: IncomingRequest = {
    method,
    target,
    rawHeaders: request.rawHeaders,
    body,
    sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
    protocol: `HTTP/${request.httpVersion}`,
  };
  meta.body = body;
  meta.path = path;
  if (match.kind !== "route") {
    const notFound = options.handlers[defaultRouteHandler];
    if (notFound === undefined) throw new Error(`no ${defaultRouteHandler} handler loaded`);
    return notFound(toApiGatewayEvent(incoming, path, { routeKey: "$default" }));
  }
  meta.pathParameters = match.pathParameters;
  const handler = options.handlers[match.route.handler];
  if (handler === undefined) throw new Error(`no handler module loaded for ${match.route.handler}`);
  const event = toApiGatewayEvent(incoming, path, {
    routeKey: routeKeyOf(match.route),
    pathParameters: match.pathParameters,
  });
  return handler(event);
}

/** A header as the handler's event sees it: repeated ones joined with "," (as API Gateway does). */
function joinedHeader(request: IncomingMessage, name: string): string | undefined {
  const values: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]?.toLowerCase() === name) values.push(request.rawHeaders[i + 1] ?? "");
  }
  return values.length === 0 ? undefined : values.join(",");
}

export function createLocalHttpServer(options: LocalHttpServerOptions): Server {
  const timeouts = { ...LOCAL_HTTP_TIMEOUTS, ...options.timeouts };
  const serverOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    // How often Node looks for connections past headersTimeout / requestTimeout (default 30 s).
    connectionsCheckingInterval: Math.max(100, Math.min(1000, timeouts.headersMs / 2)),
  };
  const server = createServer(serverOptions, (request: IncomingMessage, response: ServerResponse) => {
    const meta: RequestMeta = {};
    const { onRequest } = options;
    if (onRequest !== undefined) {
      const time = Date.now();
      const started = performance.now();
      response.once("close", () => {
        const { encodedPath, rawQueryString } = splitTarget(request.url ?? "/");
        onRequest({
          time,
          protocol: "http",
          method: request.method ?? "GET",
          path: meta.path ?? encodedPath,
          status: response.writableFinished ? response.statusCode : "aborted",
          durationMs: performance.now() - started,
          ...subjectOfHttp(meta.pathParameters ?? {}, new URLSearchParams(rawQueryString), meta.body),
        });
      });
    }
    handle(options, request, meta)
      .then(
        (result) => writeResult(response, result),
        (error: unknown) => {
          if (error instanceof ClientGone) return response.destroy();
          return writeResult(
            response,
            errorResponse(error, { routeKey: `${request.method} ${request.url}` }),
          );
        },
      )
      .catch(() => response.destroy());
  });
  // Requests Node refuses before any handler runs (an unknown method, oversized headers) still get
  // API.md's error shape rather than a bare status line.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const tooLarge = error.code === "HPE_HEADER_OVERFLOW";
    const body = JSON.stringify({
      error: {
        code: "INVALID_REQUEST",
        message: tooLarge ? "Request headers are too large" : "Malformed HTTP request",
      },
    });
    socket.end(
      `HTTP/1.1 ${tooLarge ? "431 Request Header Fields Too Large" : "400 Bad Request"}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  });
  server.setTimeout(timeouts.idleMs, (socket) => socket.destroy());
  return server;
}
