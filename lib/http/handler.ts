/**
 * `httpHandler`: what makes each functions/*.ts a few lines. The handler body parses and validates
 * with the request helpers, makes one call on the NameServer and returns a Reply; the wrapper turns
 * the Reply (or any thrown error) into the HTTP response, adds the ETag and answers 304 where asked,
 * and flushes the invocation's metrics.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { z } from "zod";
import { flushMetrics } from "../observability";
import { header, parseJsonBody } from "./body";
import { etagOf, ifNoneMatchMatches } from "./etag";
import { pathParam, type QuerySpec, type QueryValues, queryParams } from "./params";
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
  header(name: string): string | undefined;
}

export interface Reply {
  statusCode: number;
  body: unknown;
  /** Adds a strong ETag and answers `304` when If-None-Match matches it (GET only). */
  etag?: boolean;
  headers?: Record<string, string>;
}

export function ok(body: unknown, options: { etag?: boolean } = {}): Reply {
  return { statusCode: 200, body, ...options };
}

export type HttpLambdaHandler = (event: APIGatewayProxyEventV2) => Promise<HttpResponse>;

function requestOf(event: APIGatewayProxyEventV2): HttpRequest {
  return {
    event,
    body: (schema) => parseWith(schema, parseJsonBody(event)),
    path: (name, schema) => pathParam(event, name, schema),
    query: (spec) => queryParams(event, spec),
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
  return { statusCode: reply.statusCode, headers, body };
}

export function httpHandler(handle: (request: HttpRequest) => Promise<Reply>): HttpLambdaHandler {
  return async (event) => {
    try {
      return toResponse(event, await handle(requestOf(event)));
    } catch (error) {
      return errorResponse(error, { routeKey: event.routeKey, requestId: event.requestContext?.requestId });
    } finally {
      flushMetrics();
    }
  };
}
