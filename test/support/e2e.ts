/**
 * End-to-end helpers: a registry served over real HTTP by startLocalRegistry on the run's DynamoDB
 * Local (one uniquely named table per test file), and a small JSON client for it.
 */
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { inject } from "vitest";
import { type LocalRegistry, type LocalRegistryOptions, startLocalRegistry } from "../../lib/local/registry";

export function dynamodbEndpoint(): string {
  const endpoint = inject("dynamodbEndpoint");
  if (!endpoint)
    throw new Error("end-to-end tests need DynamoDB Local: run them through vitest (global setup)");
  return endpoint;
}

export function uniqueTableName(prefix: string): string {
  return `e2e-${prefix}-${randomUUID().slice(0, 8)}`;
}

/** One in-process registry per test file (the handlers read their configuration once per process). */
export function startE2eRegistry(prefix: string, options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  return startLocalRegistry({
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: uniqueTableName(prefix),
    sweepIntervalMs: 60 * 60 * 1000,
    logLevel: "CRITICAL",
    ...options,
  });
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: test convenience, asserted field by field
  body: any;
}

export interface RequestOptions {
  json?: unknown;
  /** Send `json` gzip-compressed with Content-Encoding: gzip. */
  gzip?: boolean;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
}

export function client(baseUrl: string, defaultHeaders: Record<string, string> = {}) {
  async function request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...defaultHeaders, ...options.headers };
    let body: string | Uint8Array | undefined = options.body;
    if (options.json !== undefined) {
      headers["content-type"] ??= "application/json";
      const text = JSON.stringify(options.json);
      if (options.gzip) {
        headers["content-encoding"] = "gzip";
        body = gzipSync(Buffer.from(text));
      } else {
        body = text;
      }
    }
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: body as NonNullable<RequestInit["body"]> }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }
  return {
    request,
    get: (path: string, options?: RequestOptions) => request("GET", path, options),
    post: (path: string, json: unknown, options?: RequestOptions) =>
      request("POST", path, { ...options, json }),
    put: (path: string, json: unknown, options?: RequestOptions) =>
      request("PUT", path, { ...options, json }),
    delete: (path: string, options?: RequestOptions) => request("DELETE", path, options),
  };
}
export type Client = ReturnType<typeof client>;

export interface RegistrationInit {
  clusterName?: string;
  brokerName?: string;
  brokerId?: number;
  brokerAddr?: string;
  haServerAddr?: string;
  zoneName?: string;
  enableActingMaster?: boolean;
  heartbeatTimeoutMillis?: number;
  dataVersion?: { stateVersion?: number; timestamp: number; counter: number };
  topicConfigTable?: Record<string, Record<string, unknown>>;
  filterServerList?: string[];
  topicQueueMappingInfoMap?: Record<string, Record<string, unknown>>;
}

/** A full registration with one topic, overrides win; `topicConfigTable: undefined` makes a light heartbeat. */
export function registration(init: RegistrationInit = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    clusterName: "DefaultCluster",
    brokerName: "broker-a",
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 1 },
    topicConfigTable: {
      TopicTest: {
        topicName: "TopicTest",
        readQueueNums: 4,
        writeQueueNums: 4,
        perm: 6,
        topicSysFlag: 0,
        order: false,
      },
    },
  };
  const merged: Record<string, unknown> = { ...base, ...init };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return merged;
}

/** A topic config as a broker sends it. */
export function topicConfig(
  topicName: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    topicName,
    readQueueNums: 4,
    writeQueueNums: 4,
    perm: 6,
    topicSysFlag: 0,
    order: false,
    ...overrides,
  };
}

export function topicPath(topic: string): string {
  return `/topics/${encodeURIComponent(topic)}`;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
