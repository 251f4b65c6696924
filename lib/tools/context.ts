/**
 * What every `namesrv` command shares: the global options (`-n`, `--url`, auth, `--json`), the
 * addresses they take, the context a command runs with, reads that fail over and writes that go to
 * every NameServer, exit codes and usage errors.
 */
import type { Command } from "commander";
import { AllNameServersFailedError } from "../client/route-client";
import {
  type Auth,
  DEFAULT_TIMEOUT_MILLIS,
  type NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
  type Transport,
} from "../client/transport";
import { LOCAL_DEFAULTS } from "../local/config";
import { type AdminEndpoint, type Endpoint, HttpAdminEndpoint } from "./admin-endpoint";
import { describeError } from "./format";
import { connectRemoting } from "./remoting-endpoint";

export const DEFAULT_NAMESRV_URL = `http://127.0.0.1:${LOCAL_DEFAULTS.port}`;

export const EXIT_OK = 0;
export const EXIT_REQUEST_FAILED = 1;
export const EXIT_USAGE = 2;

/** RocketMQ's KV namespace of order topic configs (`NamesrvUtil.NAMESPACE_ORDER_TOPIC_CONFIG`). */
export const ORDER_TOPIC_CONFIG = "ORDER_TOPIC_CONFIG";

/** A command line that cannot be run as given; exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface GlobalOptions {
  endpoints: Endpoint[];
  json: boolean;
  auth: Auth;
  timeoutMillis: number;
}

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Aborted on Ctrl-C / SIGTERM: ends `demo-broker` (which then unregisters), `watch` and `dashboard`. */
  signal?: AbortSignal;
  /**
   * How `deleteTopic` reaches a broker (DELETE_TOPIC_IN_BROKER over remoting); for tests.
   * @default deleteTopicInBroker (remoting-endpoint.ts)
   */
  deleteTopicInBroker?: (brokerAddr: string, topic: string, timeoutMillis: number) => Promise<void>;
  /** For tests: how an endpoint is reached (default: HTTP, or remoting for `host:port`). */
  connect?: (endpoint: Endpoint, transport: Transport, timeoutMillis: number) => AdminEndpoint;
}

export interface Context {
  global: GlobalOptions;
  io: CliIo;
  transport: Transport;
  endpoints: AdminEndpoint[];
}

// ---------------------------------------------------------------------------------------------------
// Addresses and global options

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s/:[\]]+):(\d{1,5})$/;

/** An http(s) URL, without trailing slashes; `host:port` is taken as `http://host:port`. */
export function normalizeUrl(raw: string): string {
  const trimmed = raw.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`'${raw}' is not a URL (expected e.g. ${DEFAULT_NAMESRV_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`'${raw}' is not an http(s) URL`);
  }
  return url.toString().replace(/\/+$/, "");
}

/**
 * One address of a `;`-separated list. `bare` says what a `host:port` without a scheme means:
 * RocketMQ's protocol for `-n` / NAMESRV_ADDR (mqadmin's meaning), HTTP for `--url` / NAMESRV_URL.
 */
export function parseAddress(raw: string, bare: Endpoint["kind"]): Endpoint {
  const text = raw.trim();
  if (/^https?:\/\//i.test(text) || bare === "http") return { kind: "http", url: normalizeUrl(text) };
  const match = HOST_PORT.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65535) {
    throw new UsageError(
      `'${raw}' is neither host:port (RocketMQ protocol, e.g. 127.0.0.1:9876) nor an http(s):// URL`,
    );
  }
  return { kind: "remoting", address: text };
}

export function splitList(values: readonly string[]): string[] {
  return values.flatMap((v) => v.split(";")).filter((v) => v.trim() !== "");
}

export interface GlobalFlags {
  namesrvAddr?: string[];
  url?: string[];
  json?: boolean;
  token?: string;
  profile?: string;
  region?: string;
  sigv4?: boolean;
  timeout?: string;
}

export function endpointKey(e: Endpoint): string {
  return e.kind === "http" ? e.url : e.address;
}

export function resolveGlobalOptions(flags: GlobalFlags, env: CliIo["env"]): GlobalOptions {
  const fromFlags = [
    ...splitList(flags.namesrvAddr ?? []).map((a) => parseAddress(a, "remoting")),
    ...splitList(flags.url ?? []).map((a) => parseAddress(a, "http")),
  ];
  const fromUrlEnv = splitList([env.NAMESRV_URL ?? ""]).map((a) => parseAddress(a, "http"));
  const fromAddrEnv = splitList([env.NAMESRV_ADDR ?? ""]).map((a) => parseAddress(a, "remoting"));
  const chosen =
    fromFlags.length > 0
      ? fromFlags
      : fromUrlEnv.length > 0
        ? fromUrlEnv
        : fromAddrEnv.length > 0
          ? fromAddrEnv
          : [parseAddress(DEFAULT_NAMESRV_URL, "http")];
  const seen = new Set<string>();
  const endpoints = chosen.filter((e) => {
    const key = endpointKey(e);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });

  const { token, profile, region } = flags;
  const sigv4 = flags.sigv4 === true || profile !== undefined || region !== undefined;
  if (sigv4 && token !== undefined) {
    throw new UsageError("--token and SigV4 (--profile/--region/--sigv4) exclude each other: pick one");
  }
  let auth: Auth = { kind: "none" };
  if (sigv4) {
    const signingRegion = region ?? env.AWS_REGION;
    auth = {
      kind: "sigv4",
      ...(signingRegion === undefined || signingRegion === "" ? {} : { region: signingRegion }),
      ...(profile === undefined ? {} : { profile }),
    };
  } else {
    const bearer = token ?? env.NAMESRV_TOKEN;
    if (bearer !== undefined && bearer !== "") auth = { kind: "bearer", token: bearer };
  }
  const timeoutMillis =
    flags.timeout === undefined
      ? DEFAULT_TIMEOUT_MILLIS
      : integerOption("timeout", flags.timeout, 1, 600_000);
  return { endpoints, json: flags.json === true, auth, timeoutMillis };
}

export function integerOption(name: string, value: unknown, min: number, max: number): number {
  const text = String(value);
  const number = Number(text);
  if (text.trim() === "" || !Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return number;
}

export function numberOption(name: string, value: unknown, min: number, max: number): number {
  const text = String(value);
  const number = Number(text);
  if (text.trim() === "" || !Number.isFinite(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${text}'`);
  }
  return number;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A value given as an option (mqadmin's `-t T`) or as the positional argument (`topicRoute T`). */
export function either(name: string, flag: string | undefined, positional: string | undefined): string {
  if (flag !== undefined && positional !== undefined && flag !== positional) {
    throw new UsageError(`${name} given twice ('${flag}' and '${positional}'): give it once`);
  }
  const value = flag ?? positional;
  if (value === undefined || value === "") throw new UsageError(`${name} is required`);
  return value;
}

export function required(name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`${name} is required`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Reads and writes over every NameServer

export function defaultConnect(
  endpoint: Endpoint,
  transport: Transport,
  timeoutMillis: number,
): AdminEndpoint {
  return endpoint.kind === "http"
    ? new HttpAdminEndpoint(endpoint.url, transport)
    : connectRemoting(endpoint.address, timeoutMillis);
}

/**
 * `--json`: the answer with every object's keys in sorted order, so that the same answer prints the
 * same bytes whichever protocol brought it (HTTP's JSON and RocketMQ's fastjson order keys differently).
 */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(canonicalJson(value), null, 2)}\n`);
}

/** A copy of a JSON value with object keys sorted (arrays keep their order). */
export function canonicalJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonicalJson((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** A read: the NameServers in order until one answers (unreachable, timeout and 5xx fail over). */
export async function read<T>(context: Context, call: (endpoint: AdminEndpoint) => Promise<T>): Promise<T> {
  const errors: NameServerClientError[] = [];
  for (const endpoint of context.endpoints) {
    try {
      return await call(endpoint);
    } catch (error) {
      const failover =
        error instanceof NameServerUnreachableError ||
        (error instanceof NameServerRequestError && error.status >= 500);
      if (!failover) throw error;
      errors.push(error);
    }
  }
  throw new AllNameServersFailedError(errors);
}

/** What a write did on one NameServer: a line for people and fields for --json. */
export interface WriteReport {
  text: string;
  json?: Record<string, unknown>;
}

/** What a write did on each NameServer. */
export type WriteOutcome =
  | { nameServer: string; ok: true; report: WriteReport }
  | { nameServer: string; ok: false; error: unknown };

/** A write on every NameServer, as mqadmin does (each one is a registry of its own), not yet printed. */
export async function collectWrites(
  context: Context,
  call: (endpoint: AdminEndpoint) => Promise<WriteReport>,
): Promise<WriteOutcome[]> {
  return Promise.all(
    context.endpoints.map(async (endpoint): Promise<WriteOutcome> => {
      try {
        return { nameServer: endpoint.address, ok: true, report: await call(endpoint) };
      } catch (error) {
        return { nameServer: endpoint.address, ok: false, error };
      }
    }),
  );
}

/** The JSON of write outcomes (`--json`). */
export function writeOutcomesJson(outcomes: readonly WriteOutcome[], timeoutMillis: number): unknown[] {
  return outcomes.map((o) =>
    o.ok
      ? { nameServer: o.nameServer, ok: true, result: o.report.text, ...o.report.json }
      : { nameServer: o.nameServer, ok: false, error: jsonError(o.error, timeoutMillis) },
  );
}

/** Prints write outcomes as lines (failures on stderr); the exit code. */
export function printWriteLines(context: Context, outcomes: readonly WriteOutcome[]): number {
  const { io, global } = context;
  for (const outcome of outcomes) {
    if (outcome.ok) {
      if (!global.json) io.stdout(`${outcome.nameServer}: ${outcome.report.text}\n`);
    } else {
      io.stderr(`namesrv: ${describeError(outcome.error, global.timeoutMillis)}\n`);
    }
  }
  return outcomes.every((o) => o.ok) ? EXIT_OK : EXIT_REQUEST_FAILED;
}

/** A write: every NameServer, as mqadmin does (each one is a registry of its own). */
export async function writeAll(
  context: Context,
  call: (endpoint: AdminEndpoint) => Promise<WriteReport>,
): Promise<number> {
  const outcomes = await collectWrites(context, call);
  if (context.global.json) printJson(context.io, writeOutcomesJson(outcomes, context.global.timeoutMillis));
  return printWriteLines(context, outcomes);
}

export function jsonError(error: unknown, timeoutMillis: number): { code: string; message: string } {
  const code =
    error instanceof NameServerRequestError
      ? error.code
      : error instanceof NameServerUnreachableError
        ? error.reason === "timeout"
          ? "TIMEOUT"
          : "UNREACHABLE"
        : "ERROR";
  return { code, message: describeError(error, timeoutMillis) };
}

export function isCode(error: unknown, code: string): boolean {
  return error instanceof NameServerRequestError && error.code === code;
}

export function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** Waits `millis`; true when the signal aborted first (Ctrl-C). */
export function abortedWithin(signal: AbortSignal | undefined, millis: number): Promise<boolean> {
  if (signal?.aborted === true) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(false);
    }, millis);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function timestamp(): string {
  return new Date().toISOString().slice(11, 19);
}

export function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}

/** What a command group registers its commands with: the command factory and the runner. */
export interface CommandKit {
  /** A subcommand of `namesrv` with the shared output and error settings. */
  cmd: (name: string, summary: string) => Command;
  /** Runs an action with the resolved context; its result is the exit code. */
  run: (action: (context: Context) => Promise<number>) => Promise<void>;
}

export function httpUrls(context: Context, command: string): string[] {
  const remoting = context.global.endpoints.filter((e) => e.kind === "remoting");
  if (remoting.length > 0) {
    throw new UsageError(
      `${command} speaks the HTTP API only: give http(s):// addresses (not ${remoting
        .map((e) => endpointKey(e))
        .join(", ")})`,
    );
  }
  return context.global.endpoints.map(endpointKey);
}
