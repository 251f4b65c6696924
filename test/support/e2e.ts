/**
 * End-to-end helpers: a registry served over real HTTP by startLocalRegistry on the run's DynamoDB
 * Local (one uniquely named table per test file), and a small JSON client for it.
 */
import { randomUUID } from "node:crypto";
import { gzipSync } from "node:zlib";
import { expect, inject } from "vitest";
import type { SweepReport } from "../../lib/app/name-server";
import {
  type LocalRegistry,
  type LocalRegistryOptions,
  type SweepOutcome,
  startLocalRegistry,
} from "../../lib/local/registry";

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

/**
 * The sweeps of a registry started with `{ onSweep: sweeps.onSweep }`, so that a test can wait for
 * sweeps to have happened instead of sleeping for "long enough": a check that nothing was expired
 * then fails whenever the sweeper would have expired something, however slow the machine.
 */
export class Sweeps {
  readonly outcomes: SweepOutcome[] = [];
  readonly onSweep = (outcome: SweepOutcome): void => {
    this.outcomes.push(outcome);
  };

  /**
   * Waits until `count` whole sweeps have run from start to end after this call, and returns the
   * outcome of every sweep that finished meanwhile. Sweeps never overlap and the next one is
   * scheduled when the last has finished, so the (count + 1)-th sweep to finish from now on started
   * after now, and so did the ones after it.
   */
  async wholeSweepsFromNow(count = 1, timeoutMs = 30_000): Promise<SweepOutcome[]> {
    const from = this.outcomes.length;
    await expect
      .poll(() => this.outcomes.length - from, {
        timeout: timeoutMs,
        interval: 20,
        message: `${count} whole sweep(s)`,
      })
      .toBeGreaterThanOrEqual(count + 1);
    return this.outcomes.slice(from);
  }
}

/** The report of a sweep that succeeded (fails the test on a failed one). */
export function reportOf(outcome: SweepOutcome | undefined): SweepReport {
  if (outcome?.ok !== true) throw new Error(`not a successful sweep: ${String(outcome?.error)}`);
  return outcome.report as SweepReport;
}
