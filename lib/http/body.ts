/**
 * Request bodies: JSON only, optionally gzip-compressed, optionally base64-encoded by API Gateway,
 * never larger than the limit once inflated.
 *
 * A gzip bomb (a few KB that inflate to gigabytes) is refused while inflating: zlib stops at
 * `maxOutputLength`, so at most `limit` bytes are ever held in memory.
 */
import { gunzipSync } from "node:zlib";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { InvalidRequestError } from "../domain/errors";
import { PayloadTooLargeError, UnsupportedMediaTypeError } from "./errors";

export const DEFAULT_MAX_BODY_BYTES = 6 * 1024 * 1024;

/** Reads MAX_BODY_BYTES (a positive integer of bytes); fails at cold start when it is not one. */
export function maxBodyBytesFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.MAX_BODY_BYTES;
  if (raw === undefined || raw === "") return DEFAULT_MAX_BODY_BYTES;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || !Number.isSafeInteger(Number(raw))) {
    throw new Error(`MAX_BODY_BYTES must be a positive integer number of bytes, got "${raw}"`);
  }
  return Number(raw);
}

/** The body limit, read once per execution environment. */
export const maxBodyBytes = maxBodyBytesFromEnv(process.env);

/** Header lookup that does not depend on the case API Gateway (or a test) used. */
export function header(event: Pick<APIGatewayProxyEventV2, "headers">, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

type BodyEvent = Pick<APIGatewayProxyEventV2, "headers" | "body" | "isBase64Encoded">;

function tooLarge(limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Request body exceeds the limit of ${limit} bytes (after gunzip)`);
}

/** Checks Content-Type: `application/json`, parameters allowed, charset (if any) UTF-8. */
function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined) {
    throw new UnsupportedMediaTypeError("Content-Type must be application/json");
  }
  const [mediaType = "", ...parameters] = contentType.split(";").map((part) => part.trim());
  if (mediaType.toLowerCase() !== "application/json") {
    throw new UnsupportedMediaTypeError(`Content-Type must be application/json, got "${mediaType}"`);
  }
  for (const parameter of parameters) {
    const [name = "", value = ""] = parameter.split("=").map((part) => part.trim());
    if (name.toLowerCase() === "charset" && !/^"?utf-8"?$/i.test(value)) {
      throw new UnsupportedMediaTypeError(`JSON bodies must be UTF-8, got charset "${value}"`);
    }
  }
}

/** `identity` or `gzip` (`x-gzip`); anything else is a body the registry cannot read. */
function isGzip(contentEncoding: string | undefined): boolean {
  const encoding = (contentEncoding ?? "").trim().toLowerCase();
  if (encoding === "" || encoding === "identity") return false;
  if (encoding === "gzip" || encoding === "x-gzip") return true;
  throw new UnsupportedMediaTypeError(`Content-Encoding must be gzip or identity, got "${contentEncoding}"`);
}

function gunzip(compressed: Buffer, limit: number): Buffer {
  try {
    return gunzipSync(compressed, { maxOutputLength: limit });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw tooLarge(limit);
    }
    throw new InvalidRequestError("Request body is not valid gzip data");
  }
}

/**
 * The raw bytes of the body: base64-decoded when API Gateway encoded it, inflated when gzip.
 * Returns undefined when there is no body.
 */
export function readBodyBytes(event: BodyEvent, limit: number = maxBodyBytes): Buffer | undefined {
  if (event.body === undefined || event.body === null || event.body === "") return undefined;
  const gzip = isGzip(header(event, "content-encoding"));
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, "base64") : Buffer.from(event.body, "utf8");
  if (bytes.length > limit) throw tooLarge(limit);
  return gzip ? gunzip(bytes, limit) : bytes;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads and parses the JSON body; throws the 400/413/415 of API.md. */
export function parseJsonBody(event: BodyEvent, limit: number = maxBodyBytes): unknown {
  const hasBody = event.body !== undefined && event.body !== null && event.body !== "";
  if (!hasBody) throw new InvalidRequestError("A JSON request body is required");
  checkContentType(header(event, "content-type"));
  const bytes = readBodyBytes(event, limit);
  if (bytes === undefined || bytes.length === 0)
    throw new InvalidRequestError("A JSON request body is required");
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new InvalidRequestError("Request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof SyntaxError ? `: ${error.message}` : "";
    throw new InvalidRequestError(`Request body is not valid JSON${reason}`);
  }
}
