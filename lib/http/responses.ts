/**
 * HTTP responses as API Gateway (payload 2.0) wants them from a Lambda: a structured result with a
 * JSON body. Everything the API answers goes through `jsonResponse` or `errorResponse`.
 */
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { type ErrorDetail, NameServerError } from "../domain/errors";
import { logger } from "../observability";
import { headersOf, statusOf } from "./errors";

export interface HttpResponse extends APIGatewayProxyStructuredResultV2 {
  statusCode: number;
  headers: Record<string, string>;
}

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    statusCode,
    headers: { "Content-Type": JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

/** API.md's error shape: `{"error": {"code", "message", "details"?}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/** What the logs say about the request that failed (never sent to the client). */
export interface RequestInfo {
  routeKey?: string;
  requestId?: string;
}

const INTERNAL_ERROR_MESSAGE = "The registry failed to handle the request; it has been logged";

/**
 * The one place that turns an error into an HTTP response. A NameServerError gives its code, message
 * and details; its status and headers come from `errors.ts` (4xx/503 are meant for the caller). Anything else is a bug: it is
 * logged with its stack and the client gets a generic 500 that reveals nothing.
 */
export function errorResponse(error: unknown, request: RequestInfo = {}): HttpResponse {
  if (error instanceof NameServerError) {
    const status = statusOf(error);
    if (status >= 500) {
      logger.warn("Request failed: the table is unavailable", { ...request, code: error.code, error });
    }
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details !== undefined && error.details.length > 0) body.error.details = error.details;
    return jsonResponse(status, body, headersOf(error));
  }
  logger.error("Unexpected error while handling a request", { ...request, error: toLoggable(error) });
  const body: ErrorBody = { error: { code: "INTERNAL_ERROR", message: INTERNAL_ERROR_MESSAGE } };
  return jsonResponse(500, body);
}

function toLoggable(error: unknown): Error | { value: string } {
  return error instanceof Error ? error : { value: String(error) };
}
