/**
 * `httpHandler`: what makes each functions/*.ts a few lines. The handler body parses and validates
 * with the request helpers, makes one call on the NameServer and returns a Reply; the wrapper turns
 * the Reply (or any thrown error) into the HTTP response, adds the ETag and answers 304 where asked,
 * and flushes the invocation's metrics.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { z } from "zod";
import { runAsCaller } from "../caller-context";
import { InvalidRequestError } from "../domain/errors";
import type { HistoryCaller } from "../domain/history";
import { flushMetrics } from "../observability";
import { header, parseJsonBody } from "./body";
import { acceptsGzip, gzipBase64 } from "./compression";
import { etagOf, ifNoneMatchMatches } from "./etag";
import {
  type NameValues,
  namesAndQuery,
  pathParam,
  type QuerySpec,
  type QueryValues,
  queryParams,
} from "./params";
import { errorResponse, type HttpResponse, JSON_CONTENT_TYPE } from "./responses";
import { parseWith } from "./validation";

export interface HttpRequest {
  readonly event: APIGatewayProxyEventV2;
  /** The JSON body, parsed (gzip, size, media type checked) and validated with `schema`. */
  body<S extends z.ZodType>(schema: S): z.output<S>;
  /** A path parameter validated with `schema` (already decoded by API Gateway, see params.ts). */
  path<S extends z.ZodType>(name: string, schema: S): z.output<S>;
  /** The route's query parameters; any other parameter is a 400. */
  query<S extends QuerySpec>(spec: S): QueryValues<S>;
  /**
   * Names from the path (path form) or required query parameters (query form), plus the optional
   * query parameters `query`: one handler serves both forms (see params.ts `namesAndQuery`).
   */
  names<N extends QuerySpec, Q extends QuerySpec = Record<never, z.ZodType>>(
    names: N,
    query?: Q,
  ): NameValues<N> & QueryValues<Q>;
  header(name: string): string | undefined;
}

export interface Reply {
  statusCode: number;
  body: unknown;
  /** Adds a strong ETag and answers `304` when If-None-Match matches it (GET only). */
  etag?: boolean;
  headers?: Record<string, string>;
  /** gzip the body when the request's Accept-Encoding allows it. */
  compress?: boolean;
}

export function ok(body: unknown, options: { etag?: boolean; compress?: boolean } = {}): Reply {
  return { statusCode: 200, body, ...options };
}

export type HttpLambdaHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

function requestOf(event: APIGatewayProxyEventV2): HttpRequest {
  return {
    event,
    body: (schema) => parseWith(schema, parseJsonBody(event)),
    path: (name, schema) => pathParam(event, name, schema),
    query: (spec) => queryParams(event, spec),
    names: (names, query) => namesAndQuery(event, names, query ?? ({} as never)),
    header: (name) => header(event, name),
  };
}

function toResponse(event: APIGatewayProxyEventV2, reply: Reply): HttpResponse {
  const body = JSON.stringify(reply.body);
  const headers: Record<string, string> = { "Content-Type": JSON_CONTENT_TYPE, ...reply.headers };
  if (reply.etag) {
    const etag = etagOf(body);
    headers.ETag = etag;
    headers["Cache-Control"] = "no-cache";
    if (ifNoneMatchMatches(header(event, "if-none-match"), etag)) {
      return { statusCode: 304, headers: { ETag: etag, "Cache-Control": "no-cache" } };
    }
  }
  if (reply.compress) {
    headers.Vary = "Accept-Encoding";
    if (acceptsGzip(header(event, "accept-encoding"))) {
      headers["Content-Encoding"] = "gzip";
      return checkedSize({
        statusCode: reply.statusCode,
        headers,
        body: gzipBase64(body),
        isBase64Encoded: true,
      });
    }
  }
  return checkedSize({ statusCode: reply.statusCode, headers, body });
}

/** Lambda refuses a response over 6 MB (a 502 from API Gateway): say so as the caller's 400 instead. */
const MAX_RESPONSE_CHARS = 5.5 * 1024 * 1024;
function checkedSize(response: HttpResponse): HttpResponse {
  if ((response.body?.length ?? 0) <= MAX_RESPONSE_CHARS) return response;
  const message = `The answer would be ${Math.ceil((response.body?.length ?? 0) / 1024)} KiB, over what a Lambda may return; ask for less at once (fewer topics, or with Accept-Encoding: gzip)`;
  // Only POST /routes can answer that much (up to 1,000 routes): its `topics` is what to shorten.
  throw new InvalidRequestError(message, [{ field: "topics", message: "too many routes for one answer" }]);
}

/** The header a remoting gateway names the RocketMQ request's signer and address in (lib/gateway/remoting-caller.ts). */
const REMOTING_CALLER_HEADER = "x-namesrv-remoting-caller";

/**
 * Who sent the request, for the history: the IAM principal API Gateway verified, else the local
 * token's holder (the local server checked the token before the handler runs), else anonymous; and
 * what a remoting gateway says it forwards (`accessKey=<key>; remote=<host:port>`), kept beside the
 * principal that vouches for it, never instead of it.
 */
export function callerOf(event: APIGatewayProxyEventV2): HistoryCaller {
  const context = event.requestContext as
    | (APIGatewayProxyEventV2["requestContext"] & { authorizer?: { iam?: { userArn?: string } } })
    | undefined;
  const principal = context?.authorizer?.iam?.userArn;
  const authorization = header(event, "authorization");
  const caller: HistoryCaller = {
    actor:
      principal !== undefined
        ? { kind: "iam", principal }
        : authorization !== undefined && /^Bearer\s/i.test(authorization)
          ? { kind: "token" }
          : { kind: "anonymous" },
  };
  const sourceIp = context?.http?.sourceIp;
  if (sourceIp !== undefined && sourceIp !== "") caller.sourceIp = sourceIp;
  const remoting = header(event, REMOTING_CALLER_HEADER);
  if (remoting !== undefined) {
    const fields = new Map(
      remoting.split(";").map((part) => {
        const at = part.indexOf("=");
        return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
      }),
    );
    const remoteAddress = fields.get("remote");
    const accessKey = fields.get("accessKey");
    if (remoteAddress !== undefined && remoteAddress.length <= 300) {
      caller.remoting = {
        remoteAddress,
        ...(accessKey !== undefined && accessKey !== "" && accessKey.length <= 256 ? { accessKey } : {}),
      };
    }
  }
  return caller;
}

export function httpHandler(handle: (request: HttpRequest) => Promise<Reply>): HttpLambdaHandler {
  return async (event) => {
    try {
      return toResponse(event, await runAsCaller(callerOf(event), () => handle(requestOf(event))));
    } catch (error) {
      return errorResponse(error, { routeKey: event.routeKey, requestId: event.requestContext?.requestId });
    } finally {
      flushMetrics();
    }
  };
}
