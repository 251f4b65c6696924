/**
 * The one HTTP layer of everything in lib/client: the broker agent, the route client and the CLI.
 * fetch-based, one timeout per request, gzip for large bodies, and three ways to authenticate:
 * SigV4 (API Gateway with IAM auth, credentials from the standard AWS chain), a bearer token (a local
 * registry started with NAMESRV_TOKEN), or nothing.
 */
import { gzipSync } from "node:zlib";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4, type SignatureV4Init } from "@smithy/signature-v4";

/** Credentials as the signer takes them: fixed keys or a provider (the AWS chain, memoized). */
export type SigV4Credentials = SignatureV4Init["credentials"];

export type Auth =
  | { kind: "none" }
  | { kind: "bearer"; token: string }
  | {
      kind: "sigv4";
      /** Region of the API; taken from an `execute-api` URL when omitted. */
      region?: string;
      /** Named profile of the shared config files (only used when `credentials` is omitted). */
      profile?: string;
      /** Explicit credentials; the standard AWS credential chain when omitted. */
      credentials?: SigV4Credentials;
      /** Signing name; `execute-api` for API Gateway. */
      service?: string;
    };

export interface TransportOptions {
  auth?: Auth;
  /** Per-request timeout. */
  timeoutMillis?: number;
  /** Bodies larger than this (bytes of JSON) are sent gzip-compressed. */
  gzipThresholdBytes?: number;
  /** For tests: a fetch other than the global one. */
  fetch?: typeof fetch;
  /**
   * Headers added to every request at the time it is sent (signed with it under SigV4): the remoting
   * gateway names the RocketMQ request it forwards, for the registry's history.
   */
  contextHeaders?: () => Record<string, string> | undefined;
}

export const DEFAULT_TIMEOUT_MILLIS = 5000;
export const DEFAULT_GZIP_THRESHOLD_BYTES = 32 * 1024;

export interface TransportRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below the base URL, segments already percent-encoded (see `pathOf`). */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMillis?: number;
}

export interface TransportResponse {
  /** 2xx or 304: anything else is thrown as a NameServerRequestError. */
  status: number;
  headers: Headers;
  /** Parsed JSON body; undefined when there is none (304). */
  body: unknown;
  url: string;
}

/** Base of every error a NameServer call raises; `url` is the NameServer's base URL. */
export abstract class NameServerClientError extends Error {
  constructor(
    readonly url: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The NameServer could not be reached, or did not answer within the timeout. */
export class NameServerUnreachableError extends NameServerClientError {
  constructor(
    url: string,
    readonly reason: "timeout" | "network",
    options?: ErrorOptions,
  ) {
    super(
      url,
      reason === "timeout" ? `no answer from ${url} within the timeout` : `cannot reach ${url}`,
      options,
    );
  }
}

/** The NameServer answered with an error (API.md's `{"error": {code, message, details}}`). */
export class NameServerRequestError extends NameServerClientError {
  constructor(
    url: string,
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ReadonlyArray<{ field: string; message: string }> = [],
    /** From `Retry-After` (503), in milliseconds. */
    readonly retryAfterMillis?: number,
  ) {
    super(url, message);
  }
}

/** Credentials could not be resolved for SigV4 (no profile, no environment variables, ...). */
export class CredentialsError extends NameServerClientError {}

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/;

const FUNCTION_URL_HOST = /\.lambda-url\.([a-z0-9-]+)\.on\.aws$/;

/**
 * The region of an API Gateway URL (`https://id.execute-api.eu-west-1.amazonaws.com/prod`) or of a
 * Lambda function URL (`https://id.lambda-url.eu-west-1.on.aws`, the stack's `functionUrl`).
 */
export function regionFromUrl(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return EXECUTE_API_HOST.exec(host)?.[1] ?? FUNCTION_URL_HOST.exec(host)?.[1];
  } catch {
    return undefined;
  }
}

/** SigV4's service name for a URL: `lambda` for a function URL, else API Gateway's `execute-api`. */
export function signingServiceOf(url: string): string {
  try {
    return FUNCTION_URL_HOST.test(new URL(url).hostname) ? "lambda" : "execute-api";
  } catch {
    return "execute-api";
  }
}

/** Joins percent-encoded path segments: `pathOf("topics", "%RETRY%g", "route")`. */
export function pathOf(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join("/")}`;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array | string;
}

export interface SigV4SigningOptions {
  credentials: SigV4Credentials;
  region: string;
  service: string;
  /** Fixed signing date (test vectors); now when omitted. */
  signingDate?: Date;
  /** Adds `x-amz-content-sha256` (AWS's default); the published test vectors are computed without it. */
  applyChecksum?: boolean;
}

/**
 * Signs a request with SigV4 and returns the headers to send (the given ones plus `authorization`,
 * `x-amz-date` and, for session credentials, `x-amz-security-token`). The `host` header is signed but
 * not returned: fetch sets it from the URL, to the same value.
 */
export async function signRequest(
  request: SignableRequest,
  options: SigV4SigningOptions,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service,
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? true,
  });
  const query: Record<string, string> = {};
  for (const [key, value] of request.url.searchParams) query[key] = value;
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      ...(request.url.port === "" ? {} : { port: Number(request.url.port) }),
      path: request.url.pathname,
      query,
      headers: { ...request.headers, host: request.url.host },
      body: request.body,
    },
    options.signingDate === undefined ? {} : { signingDate: options.signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== "host") headers[name] = value;
  }
  return headers;
}

export class Transport {
  private readonly auth: Auth;
  private readonly timeoutMillis: number;
  private readonly gzipThresholdBytes: number;
  private readonly fetchImpl: typeof fetch;
  private readonly contextHeaders: (() => Record<string, string> | undefined) | undefined;
  private credentials: SigV4Credentials | undefined;

  constructor(options: TransportOptions = {}) {
    this.auth = options.auth ?? { kind: "none" };
    this.timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;
    this.gzipThresholdBytes = options.gzipThresholdBytes ?? DEFAULT_GZIP_THRESHOLD_BYTES;
    this.fetchImpl = options.fetch ?? fetch;
    this.contextHeaders = options.contextHeaders;
  }

  async request(baseUrl: string, request: TransportRequest): Promise<TransportResponse> {
    const url = buildUrl(baseUrl, request.path, request.query);
    const headers: Record<string, string> = {
      accept: "application/json",
      ...this.contextHeaders?.(),
      ...request.headers,
    };
    let body: Uint8Array | string | undefined;
    if (request.body !== undefined) {
      const json = JSON.stringify(request.body);
      headers["content-type"] = "application/json";
      if (Buffer.byteLength(json) > this.gzipThresholdBytes) {
        body = new Uint8Array(gzipSync(json));
        headers["content-encoding"] = "gzip";
      } else {
        body = json;
      }
    }
    const finalHeaders = await this.authenticate(baseUrl, { method: request.method, url, headers, body });

    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        method: request.method,
        headers: finalHeaders,
        body,
        signal: AbortSignal.timeout(request.timeoutMillis ?? this.timeoutMillis),
      });
    } catch (error) {
      const timedOut = error instanceof DOMException && error.name === "TimeoutError";
      throw new NameServerUnreachableError(baseUrl, timedOut ? "timeout" : "network", { cause: error });
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new NameServerUnreachableError(baseUrl, "network", { cause: error });
    }
    const parsed = parseJson(text);
    if (response.ok || response.status === 304) {
      return { status: response.status, headers: response.headers, body: parsed, url: baseUrl };
    }
    throw toRequestError(baseUrl, response, parsed, text);
  }

  private async authenticate(baseUrl: string, request: SignableRequest): Promise<Record<string, string>> {
    const auth = this.auth;
    switch (auth.kind) {
      case "none":
        return request.headers;
      case "bearer":
        return { ...request.headers, authorization: `Bearer ${auth.token}` };
      case "sigv4": {
        const region = auth.region ?? regionFromUrl(baseUrl);
        if (region === undefined) {
          throw new CredentialsError(
            baseUrl,
            `cannot tell the AWS region of ${baseUrl}: pass a region (--region) for SigV4 signing`,
          );
        }
        try {
          this.credentials ??= auth.credentials ?? (await defaultCredentials(auth.profile));
          return await signRequest(request, {
            credentials: this.credentials,
            region,
            service: auth.service ?? signingServiceOf(baseUrl),
          });
        } catch (error) {
          const detail = error instanceof Error ? error.message : String(error);
          throw new CredentialsError(
            baseUrl,
            `cannot sign the request with AWS credentials (${detail}): check --profile, AWS_PROFILE or the AWS_* variables`,
            { cause: error },
          );
        }
      }
    }
  }
}

/**
 * The standard AWS credential chain (environment, shared files and SSO, container and instance roles),
 * loaded on first use so that callers without SigV4 never load the AWS SDK.
 */
async function defaultCredentials(profile: string | undefined): Promise<SigV4Credentials> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  return fromNodeProviderChain(profile === undefined ? {} : { profile });
}

function buildUrl(baseUrl: string, path: string, query: TransportRequest["query"]): URL {
  const base = new URL(baseUrl);
  const url = new URL(`${base.pathname.replace(/\/+$/, "")}${path}`, base);
  // encodeURIComponent rather than URLSearchParams: a space goes as %20, never `+`, which API Gateway
  // and the local server could read differently; `%RETRY%` goes as `%25RETRY%25`, decoded once.
  const pairs = Object.entries(query ?? {}).filter(
    (entry): entry is [string, string] => entry[1] !== undefined,
  );
  if (pairs.length > 0)
    url.search = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  return url;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toRequestError(
  baseUrl: string,
  response: Response,
  parsed: unknown,
  text: string,
): NameServerRequestError {
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${response.status}`;
  const message =
    typeof error?.message === "string"
      ? error.message
      : // API Gateway's own errors (e.g. a missing signature) are `{"message": "..."}`.
        isRecord(parsed) && typeof parsed.message === "string"
        ? parsed.message
        : text.slice(0, 200) || response.statusText || `HTTP ${response.status}`;
  const details = Array.isArray(error?.details)
    ? error.details.filter(
        (d): d is { field: string; message: string } =>
          isRecord(d) && typeof d.field === "string" && typeof d.message === "string",
      )
    : [];
  return new NameServerRequestError(
    baseUrl,
    response.status,
    code,
    message,
    details,
    parseRetryAfter(response.headers.get("retry-after")),
  );
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
