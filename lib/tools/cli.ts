/**
 * The `namesrv` CLI (bin/namesrv.ts), built with commander: mqadmin's NameServer commands with
 * mqadmin's names and short flags (`topicRoute -t T -n 127.0.0.1:9876`), plus a demo broker, a route
 * watcher and the dashboard. `-n` / `NAMESRV_ADDR` take what mqadmin takes: `;`-separated `host:port`
 * addresses, spoken to in RocketMQ's remoting protocol (so the same command works against RocketMQ's
 * own NameServer); an `http(s)://` address there, `--url` and `NAMESRV_URL` mean the registry's HTTP
 * API. Every command prints a readable table by default and JSON with `--json`.
 * Exit codes: 0 done (also after a clean Ctrl-C), 1 a request failed, 2 usage error.
 */
import { readFile } from "node:fs/promises";
import { Command, CommanderError, Option } from "commander";
import { BrokerAgent, checkRegisterPeriod, type TopicConfigTable } from "../client/broker-agent";
import { NameServerClient } from "../client/name-server-client";
import { AllNameServersFailedError, RouteClient } from "../client/route-client";
import {
  type Auth,
  DEFAULT_TIMEOUT_MILLIS,
  type NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
  Transport,
} from "../client/transport";
import { registerBrokerSchema, type TopicRouteData } from "../domain/model";
import { LOCAL_DEFAULTS } from "../local/config";
import {
  type AdminEndpoint,
  clustersOfRoute,
  type Endpoint,
  HttpAdminEndpoint,
  queueBrokersOfCluster,
  type UnitTopicKind,
} from "./admin-endpoint";
import {
  describeError,
  describeRouteChange,
  renderBrokerMembers,
  renderClusterList,
  renderRoute,
  renderTable,
} from "./format";
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
  /** For tests: how an endpoint is reached (default: HTTP, or remoting for `host:port`). */
  connect?: (endpoint: Endpoint, transport: Transport, timeoutMillis: number) => AdminEndpoint;
}

interface Context {
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

function splitList(values: readonly string[]): string[] {
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

function endpointKey(e: Endpoint): string {
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

/** `--health-port 9880` (the --listen host) or `--health-port 0.0.0.0:9880`. */
function healthListen(value: string | undefined): { healthPort?: number; healthHost?: string } {
  if (value === undefined || value.trim() === "") return {};
  const match = /^(?:(.+):)?([^:]+)$/.exec(value.trim());
  const host = match?.[1];
  const port = integerOption("health-port", match?.[2] ?? value, 0, 65_535);
  return host === undefined ? { healthPort: port } : { healthPort: port, healthHost: host };
}

function integerOption(name: string, value: unknown, min: number, max: number): number {
  const text = String(value);
  const number = Number(text);
  if (text.trim() === "" || !Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return number;
}

function numberOption(name: string, value: unknown, min: number, max: number): number {
  const text = String(value);
  const number = Number(text);
  if (text.trim() === "" || !Number.isFinite(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be a number from ${min} to ${max}, got '${text}'`);
  }
  return number;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A value given as an option (mqadmin's `-t T`) or as the positional argument (`topicRoute T`). */
function either(name: string, flag: string | undefined, positional: string | undefined): string {
  if (flag !== undefined && positional !== undefined && flag !== positional) {
    throw new UsageError(`${name} given twice ('${flag}' and '${positional}'): give it once`);
  }
  const value = flag ?? positional;
  if (value === undefined || value === "") throw new UsageError(`${name} is required`);
  return value;
}

function required(name: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new UsageError(`${name} is required`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// Reads and writes over every NameServer

function defaultConnect(endpoint: Endpoint, transport: Transport, timeoutMillis: number): AdminEndpoint {
  return endpoint.kind === "http"
    ? new HttpAdminEndpoint(endpoint.url, transport)
    : connectRemoting(endpoint.address, timeoutMillis);
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** A read: the NameServers in order until one answers (unreachable, timeout and 5xx fail over). */
async function read<T>(context: Context, call: (endpoint: AdminEndpoint) => Promise<T>): Promise<T> {
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
interface WriteReport {
  text: string;
  json?: Record<string, unknown>;
}

/** A write: every NameServer, as mqadmin does (each one is a registry of its own). */
async function writeAll(
  context: Context,
  call: (endpoint: AdminEndpoint) => Promise<WriteReport>,
): Promise<number> {
  const outcomes = await Promise.all(
    context.endpoints.map(async (endpoint) => {
      try {
        return { nameServer: endpoint.address, ok: true as const, report: await call(endpoint) };
      } catch (error) {
        return { nameServer: endpoint.address, ok: false as const, error };
      }
    }),
  );
  const { io, global } = context;
  if (global.json) {
    printJson(
      io,
      outcomes.map((o) =>
        o.ok
          ? { nameServer: o.nameServer, ok: true, result: o.report.text, ...o.report.json }
          : { nameServer: o.nameServer, ok: false, error: jsonError(o.error, global.timeoutMillis) },
      ),
    );
  }
  for (const outcome of outcomes) {
    if (outcome.ok) {
      if (!global.json) io.stdout(`${outcome.nameServer}: ${outcome.report.text}\n`);
    } else {
      io.stderr(`namesrv: ${describeError(outcome.error, global.timeoutMillis)}\n`);
    }
  }
  return outcomes.every((o) => o.ok) ? EXIT_OK : EXIT_REQUEST_FAILED;
}

function jsonError(error: unknown, timeoutMillis: number): { code: string; message: string } {
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

function isCode(error: unknown, code: string): boolean {
  return error instanceof NameServerRequestError && error.code === code;
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function timestamp(): string {
  return new Date().toISOString().slice(11, 19);
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}

// ---------------------------------------------------------------------------------------------------
// Commands

async function deleteTopicOn(endpoint: AdminEndpoint, topic: string, cluster?: string): Promise<WriteReport> {
  let route: TopicRouteData | undefined;
  try {
    route = await endpoint.route(topic);
  } catch (error) {
    if (!isCode(error, "TOPIC_NOT_EXIST")) throw error;
  }
  // Sent even without a live route: it clears what brokers that died may have left.
  await endpoint.deleteTopic(topic, cluster);
  if (route === undefined) {
    return { text: `topic ${topic} has no route: nothing deleted`, json: { deleted: false } };
  }
  if (cluster === undefined) {
    const brokers = route.queueDatas.map((q) => q.brokerName).sort();
    return {
      text: `deleted topic ${topic} (queue data of ${brokers.length} broker group(s): ${brokers.join(", ") || "-"})`,
      json: { deleted: true, brokers },
    };
  }
  const brokers = queueBrokersOfCluster(route, cluster);
  if (brokers.length === 0) {
    return {
      text: `topic ${topic} has no queue data on cluster ${cluster}: nothing deleted`,
      json: { deleted: false },
    };
  }
  const left = route.queueDatas.length - brokers.length;
  return {
    text: `deleted the queue data of topic ${topic} on cluster ${cluster} (${brokers.join(", ")}); ${
      left === 0 ? "the topic is gone" : `${left} broker group(s) of other clusters keep it`
    }`,
    json: { deleted: true, brokers },
  };
}

async function deleteKvOn(endpoint: AdminEndpoint, namespace: string, key: string): Promise<WriteReport> {
  try {
    await endpoint.getKv(namespace, key);
  } catch (error) {
    if (isCode(error, "QUERY_NOT_FOUND")) {
      return { text: `no key ${key} in namespace ${namespace}: nothing deleted`, json: { deleted: false } };
    }
    throw error;
  }
  await endpoint.deleteKv(namespace, key);
  return { text: `deleted ${namespace} ${key}`, json: { deleted: true } };
}

async function putKvOn(
  endpoint: AdminEndpoint,
  namespace: string,
  key: string,
  value: string,
): Promise<WriteReport> {
  let before: string | undefined;
  try {
    before = await endpoint.getKv(namespace, key);
  } catch (error) {
    if (!isCode(error, "QUERY_NOT_FOUND")) throw error;
  }
  await endpoint.putKv(namespace, key, value);
  const what =
    before === undefined
      ? `created ${namespace} ${key} = ${value}`
      : before === value
        ? `${namespace} ${key} = ${value} (unchanged)`
        : `updated ${namespace} ${key} = ${value} (was ${before})`;
  return { text: what, json: { previous: before ?? null } };
}

function renderProperties(config: Record<string, string>): string {
  return Object.keys(config)
    .sort()
    .map((k) => `${k} = ${config[k]}`)
    .join("\n");
}

/** The program: a fresh commander instance per run (commander keeps parse state in it). */
function buildProgram(io: CliIo, run: (action: (context: Context) => Promise<number>) => Promise<void>) {
  const program = new Command("namesrv");
  program
    .description(
      "Administer and watch a RocketMQ NameServer like mqadmin: this registry over its HTTP API, or any NameServer (RocketMQ's own too) over RocketMQ's protocol.",
    )
    .addOption(
      new Option(
        "-n, --namesrvAddr <addresses>",
        "NameServer addresses, ';'-separated, as mqadmin takes them: host:port speaks RocketMQ's protocol, " +
          "http(s)://… the HTTP API (default: NAMESRV_ADDR)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--url <url>",
        `HTTP API URL of a NameServer; repeat for several (default: NAMESRV_URL, ';'-separated, or ${DEFAULT_NAMESRV_URL})`,
      ).argParser(collect),
    )
    .option("--json", "print JSON instead of tables")
    .option(
      "--token <token>",
      "bearer token of a local registry started with NAMESRV_TOKEN (default: NAMESRV_TOKEN)",
    )
    .option("--profile <name>", "sign HTTP requests with SigV4 using this AWS profile")
    .option(
      "--region <region>",
      "sign with SigV4 for this region (default: from an execute-api URL, or AWS_REGION)",
    )
    .option("--sigv4", "sign with SigV4 using the default AWS credential chain")
    .option("--timeout <ms>", `per-request timeout (default ${DEFAULT_TIMEOUT_MILLIS})`)
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run `namesrv --help` for the commands, `namesrv <command> --help` for one)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text.replace(/^error: /, "namesrv: ")),
    })
    .addHelpText(
      "after",
      "\nReads ask the NameServers in order until one answers; writes go to all of them.\n" +
        "Exit codes: 0 done, 1 a request failed, 2 usage error.",
    );

  const cmd = (name: string, summary: string) =>
    program
      .command(name)
      .description(summary)
      .showSuggestionAfterError(true)
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.stdout(text),
        writeErr: (text) => io.stderr(text),
        outputError: (text, write) => write(text.replace(/^error: /, `namesrv ${name}: `)),
      });

  cmd("clusterList", "List the clusters and their live brokers (GET_BROKER_CLUSTER_INFO).")
    .option("-c, --clusterName <cluster>", "only this cluster")
    .action((opts: { clusterName?: string }) =>
      run(async (context) => {
        const info = await read(context, (e) => e.clusterInfo());
        if (opts.clusterName !== undefined) {
          const names = info.clusterAddrTable[opts.clusterName] ?? [];
          info.clusterAddrTable = { [opts.clusterName]: names };
          info.brokerAddrTable = Object.fromEntries(
            Object.entries(info.brokerAddrTable).filter(([name]) => names.includes(name)),
          );
        }
        if (context.global.json) printJson(context.io, info);
        else context.io.stdout(`${renderClusterList(info)}\n`);
        return EXIT_OK;
      }),
    );

  cmd(
    "topicList",
    "List all topics, or a cluster's (GET_ALL_TOPIC_LIST_FROM_NAMESERVER, GET_TOPICS_BY_CLUSTER).",
  )
    .option(
      "-c, --clusterName [cluster]",
      "with a cluster: only its topics; alone: print each topic's clusters",
    )
    .option("--system", "the system topic list: cluster and broker names (GET_SYSTEM_TOPIC_LIST_FROM_NS)")
    .addOption(
      new Option("--unit <kind>", "topics with a unit flag (GET_UNIT_TOPIC_LIST and kin)").choices([
        "unit",
        "unit-sub",
        "unit-sub-ununit",
      ]),
    )
    .action((opts: { clusterName?: string | true; system?: boolean; unit?: UnitTopicKind }) =>
      run(async (context) => {
        const { io, global } = context;
        if (opts.system === true) {
          const list = await read(context, (e) => e.systemTopicList());
          if (global.json) printJson(io, list);
          else
            io.stdout(
              `${list.topicList.join("\n")}${list.brokerAddr === undefined ? "" : `\n(brokerAddr ${list.brokerAddr})`}\n`,
            );
          return EXIT_OK;
        }
        if (opts.unit !== undefined) {
          const kind = opts.unit;
          const topicList = await read(context, (e) => e.unitTopicList(kind));
          if (global.json) printJson(io, { topicList });
          else io.stdout(topicList.length === 0 ? "(no topics)\n" : `${topicList.join("\n")}\n`);
          return EXIT_OK;
        }
        if (opts.clusterName === true) {
          // mqadmin's `topicList -c`: each topic with the clusters its route reaches.
          const topics = await read(context, (e) => e.topicList());
          const rows: string[][] = [];
          for (const topic of topics) {
            let clusters: string[] = [];
            try {
              clusters = clustersOfRoute(await read(context, (e) => e.route(topic)));
            } catch (error) {
              if (!isCode(error, "TOPIC_NOT_EXIST")) throw error;
            }
            rows.push([clusters.join(",") || "", topic]);
          }
          if (global.json)
            printJson(
              io,
              rows.map(([clusters, topic]) => ({ topic, clusters: clusters?.split(",").filter(Boolean) })),
            );
          else
            io.stdout(rows.length === 0 ? "(no topics)\n" : `${renderTable(["CLUSTER", "TOPIC"], rows)}\n`);
          return EXIT_OK;
        }
        const cluster = opts.clusterName;
        const topicList = await read(context, (e) =>
          cluster === undefined ? e.topicList() : e.topicsByCluster(cluster),
        );
        if (global.json) printJson(io, { topicList });
        else io.stdout(topicList.length === 0 ? "(no topics)\n" : `${topicList.join("\n")}\n`);
        return EXIT_OK;
      }),
    );

  cmd("topicRoute", "Show a topic's route: queue data and brokers (GET_ROUTEINFO_BY_TOPIC).")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option("--zone <zone>", "only brokers of this zone")
    .action((positional: string | undefined, opts: { topic?: string; zone?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        const route = await read(context, (e) => e.route(topic, opts.zone));
        if (context.global.json) printJson(context.io, route);
        else context.io.stdout(`${renderRoute(topic, route)}\n`);
        return EXIT_OK;
      }),
    );

  cmd("topicClusterList", "List the clusters a topic's route reaches (mqadmin topicClusterList).")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .action((positional: string | undefined, opts: { topic?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        const clusters = clustersOfRoute(await read(context, (e) => e.route(topic)));
        if (context.global.json) printJson(context.io, { clusterList: clusters });
        else context.io.stdout(`${clusters.join("\n")}\n`);
        return EXIT_OK;
      }),
    );

  cmd("brokerMembers", "Show the live members of a broker group (GET_BROKER_MEMBER_GROUP).")
    .argument("[cluster]", "the cluster (or -c)")
    .argument("[broker]", "the broker group (or -b)")
    .option("-c, --clusterName <cluster>", "the cluster")
    .option("-b, --brokerName <broker>", "the broker group")
    .action(
      (c: string | undefined, b: string | undefined, opts: { clusterName?: string; brokerName?: string }) =>
        run(async (context) => {
          const cluster = either("cluster (-c)", opts.clusterName, c);
          const broker = either("broker (-b)", opts.brokerName, b);
          const group = await read(context, (e) => e.brokerMemberGroup(cluster, broker));
          if (context.global.json) printJson(context.io, group);
          else context.io.stdout(`${renderBrokerMembers(group)}\n`);
          return EXIT_OK;
        }),
    );

  for (const [name, writable] of [
    ["wipeWritePerm", false],
    ["addWritePerm", true],
  ] as const) {
    cmd(
      name,
      `${writable ? "Set" : "Clear"} the WRITE perm of a broker group on every topic, on every NameServer (${
        writable ? "ADD" : "WIPE"
      }_WRITE_PERM_OF_BROKER).`,
    )
      .argument("[broker]", "the broker group (or -b)")
      .option("-b, --brokerName <broker>", "the broker group")
      .action((positional: string | undefined, opts: { brokerName?: string }) =>
        run(async (context) => {
          const broker = either("broker (-b)", opts.brokerName, positional);
          return writeAll(context, async (e) => {
            const count = await e.setWritePerm(broker, writable);
            return {
              text:
                count === 0
                  ? `${writable ? "added" : "wiped"} write perm of ${broker}: no topic changed (none of its topics ${
                      writable ? "lacked" : "had"
                    } WRITE, or it has no topics here)`
                  : `${writable ? "added" : "wiped"} write perm of ${broker}: ${count} topic(s) changed`,
              json: { affectedTopicCount: count },
            };
          });
        }),
      );
  }

  cmd(
    "deleteTopic",
    "Delete a topic's route, or only a cluster's queue data, on every NameServer (DELETE_TOPIC_IN_NAMESRV).",
  )
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option("-c, --clusterName <cluster>", "only remove the queue data of this cluster's brokers")
    .action((positional: string | undefined, opts: { topic?: string; clusterName?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        return writeAll(context, (e) => deleteTopicOn(e, topic, opts.clusterName));
      }),
    );

  cmd("updateKvConfig", "Create or update a KV config item on every NameServer (PUT_KV_CONFIG).")
    .option("-s, --namespace <namespace>", "the namespace, e.g. ORDER_TOPIC_CONFIG")
    .option("-k, --key <key>", "the key")
    .option("-v, --value <value>", "the value")
    .action((opts: { namespace?: string; key?: string; value?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        const key = required("key (-k)", opts.key);
        const value = required("value (-v)", opts.value);
        return writeAll(context, (e) => putKvOn(e, namespace, key, value));
      }),
    );

  cmd("deleteKvConfig", "Delete a KV config item on every NameServer (DELETE_KV_CONFIG).")
    .option("-s, --namespace <namespace>", "the namespace")
    .option("-k, --key <key>", "the key")
    .action((opts: { namespace?: string; key?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        const key = required("key (-k)", opts.key);
        return writeAll(context, (e) => deleteKvOn(e, namespace, key));
      }),
    );

  cmd("getKVConfig", "Print a KV config item (GET_KV_CONFIG).")
    .option("-s, --namespace <namespace>", "the namespace")
    .option("-k, --key <key>", "the key")
    .action((opts: { namespace?: string; key?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        const key = required("key (-k)", opts.key);
        const value = await read(context, (e) => e.getKv(namespace, key));
        if (context.global.json) printJson(context.io, { value });
        else context.io.stdout(`${value}\n`);
        return EXIT_OK;
      }),
    );

  cmd("getKVListByNamespace", "List a KV namespace (GET_KVLIST_BY_NAMESPACE).")
    .option("-s, --namespace <namespace>", "the namespace")
    .action((opts: { namespace?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        return printKvList(context, namespace);
      }),
    );

  cmd("updateOrderConf", "Get, put or delete a topic's order config (KV namespace ORDER_TOPIC_CONFIG).")
    .option("-t, --topic <topic>", "the topic")
    .addOption(new Option("-m, --method <method>", "what to do").choices(["get", "put", "delete"]))
    .option("-v, --orderConf <conf>", "for put: brokerName:queueNum;… e.g. broker-a:4;broker-b:4")
    .action((opts: { topic?: string; method?: string; orderConf?: string }) =>
      run(async (context) => {
        const topic = required("topic (-t)", opts.topic);
        const method = required("method (-m get|put|delete)", opts.method);
        if (method === "get") {
          const value = await read(context, (e) => e.getKv(ORDER_TOPIC_CONFIG, topic));
          if (context.global.json) printJson(context.io, { topic, orderConf: value });
          else context.io.stdout(`${value}\n`);
          return EXIT_OK;
        }
        if (method === "delete") return writeAll(context, (e) => deleteKvOn(e, ORDER_TOPIC_CONFIG, topic));
        const conf = required("order config (-v)", opts.orderConf);
        if (!/^[^:;\s]+:\d+(;[^:;\s]+:\d+)*;?$/.test(conf)) {
          throw new UsageError(`order config (-v) must be brokerName:queueNum;…, got '${conf}'`);
        }
        return writeAll(context, (e) => putKvOn(e, ORDER_TOPIC_CONFIG, topic, conf));
      }),
    );

  cmd("getNamesrvConfig", "Print each NameServer's configuration (GET_NAMESRV_CONFIG).").action(() =>
    run(async (context) => {
      const { io, global } = context;
      const answers = await Promise.all(
        context.endpoints.map(async (e) => {
          try {
            return { nameServer: e.address, ok: true as const, config: await e.getConfig() };
          } catch (error) {
            return { nameServer: e.address, ok: false as const, error };
          }
        }),
      );
      if (global.json) {
        printJson(
          io,
          answers.map((a) =>
            a.ok
              ? a
              : { nameServer: a.nameServer, ok: false, error: jsonError(a.error, global.timeoutMillis) },
          ),
        );
      }
      for (const a of answers) {
        if (!a.ok) io.stderr(`namesrv: ${describeError(a.error, global.timeoutMillis)}\n`);
        else if (!global.json)
          io.stdout(`============${a.nameServer}============\n${renderProperties(a.config)}\n`);
      }
      return answers.every((a) => a.ok) ? EXIT_OK : EXIT_REQUEST_FAILED;
    }),
  );

  cmd("updateNamesrvConfig", "Change a NameServer setting on every NameServer (UPDATE_NAMESRV_CONFIG).")
    .option("-k, --key <key>", "the setting's name")
    .option("-v, --value <value>", "its new value")
    .action((opts: { key?: string; value?: string }) =>
      run(async (context) => {
        const key = required("key (-k)", opts.key);
        const value = required("value (-v)", opts.value);
        return writeAll(context, async (e) => {
          const before = (await e.getConfig())[key];
          await e.updateConfig({ [key]: value });
          return {
            text:
              before === value
                ? `${key} = ${value} (unchanged)`
                : `${key} = ${value} (was ${before ?? "unset"})`,
            json: { key, value, previous: before ?? null },
          };
        });
      }),
    );

  cmd("kv", "Shorthand for the KV commands: kv get|put|delete|list <namespace> [key] [value].")
    .argument("<action>", "get, put, delete or list")
    .argument("<namespace>", "the namespace")
    .argument("[key]", "the key")
    .argument("[value]", "the value (put)")
    .action((action: string, namespace: string, key: string | undefined, value: string | undefined) =>
      run(async (context) => {
        const count = [key, value].filter((v) => v !== undefined).length;
        const expect = (n: number, usage: string) => {
          if (count !== n) throw new UsageError(`expected kv ${usage}`);
        };
        switch (action) {
          case "get": {
            expect(1, "get <namespace> <key>");
            const found = await read(context, (e) => e.getKv(namespace, key ?? ""));
            if (context.global.json) printJson(context.io, { value: found });
            else context.io.stdout(`${found}\n`);
            return EXIT_OK;
          }
          case "list":
            expect(0, "list <namespace>");
            return printKvList(context, namespace);
          case "put":
            expect(2, "put <namespace> <key> <value>");
            return writeAll(context, (e) => putKvOn(e, namespace, key ?? "", value ?? ""));
          case "delete":
            expect(1, "delete <namespace> <key>");
            return writeAll(context, (e) => deleteKvOn(e, namespace, key ?? ""));
          default:
            throw new UsageError(`unknown kv action '${action}': expected get, put, delete or list`);
        }
      }),
    );

  cmd("register", "Send one registration (POST /brokers/heartbeat) read from a JSON file ('-' for stdin).")
    .argument("<file>", "the registration, as API.md's POST /brokers/heartbeat body")
    .action((file: string) => run((context) => runRegister(context, file)));

  cmd(
    "demo-broker",
    "Run a simulated broker: registers its topics and heartbeats until Ctrl-C, then unregisters.",
  )
    .option("-c, --cluster <name>", "cluster", "DefaultCluster")
    .option("-b, --name <broker>", "broker group name", "broker-a")
    .option("-i, --id <n>", "broker id: 0 master, 1.. slave", "0")
    .option("-a, --addr <host:port>", "broker address (default 127.0.0.1:10911, +10 per id)")
    .option("--ha-addr <host:port>", "HA address (default: the address's port + 1)")
    .option("--zone <zone>", "zone name")
    .option("--acting-master", "enableActingMaster")
    .option("--topics <n>", "number of topics", "2")
    .option("--topic-prefix <p>", "topic names: <p>-0, <p>-1, ...", "TopicTest")
    .option("--queues <n>", "read and write queues per topic", "4")
    .option("--period <seconds>", "heartbeat period, 10 to 60", "10")
    .option("--heartbeat-timeout <seconds>", "heartbeatTimeoutMillis in seconds", "120")
    .action((opts: DemoBrokerOptions) => run((context) => runDemoBroker(context, opts)));

  cmd("watch", "Poll a topic's route and print every change, until Ctrl-C.")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option("-i, --interval <seconds>", "polling period", "5")
    .option("--zone <zone>", "only brokers of this zone")
    .action((positional: string | undefined, opts: { topic?: string; interval: string; zone?: string }) =>
      run((context) => runWatch(context, either("topic (-t)", opts.topic, positional), opts)),
    );

  cmd(
    "gateway",
    "Serve RocketMQ's remoting protocol (brokers, clients, mqadmin) in front of the registry at --url.",
  )
    .option(
      "--listen <host:port>",
      "where RocketMQ components connect (namesrvAddr), e.g. 127.0.0.1:9876 (default: NAMESRV_GATEWAY_LISTEN)",
    )
    .option(
      "--cache-interval <ms>",
      "route cache refresh period, one POST /routes per period, 0 = off (default: NAMESRV_GATEWAY_CACHE_INTERVAL_MS or 30000)",
    )
    .option("--keep-brokers-on-close", "do not unregister a broker when its connection closes")
    .option(
      "--health-port <[host:]port>",
      "serve GET /health (200 while the registry answers) on this port of the --listen host, or on host:port (default: NAMESRV_GATEWAY_HEALTH_PORT)",
    )
    .option(
      "--drain-timeout <ms>",
      "on SIGTERM: GO_AWAY to 5.x clients and finish in-flight requests for up to this long (default: NAMESRV_GATEWAY_DRAIN_MS or 15000)",
    )
    .action(
      (opts: {
        listen?: string;
        cacheInterval?: string;
        keepBrokersOnClose?: boolean;
        healthPort?: string;
        drainTimeout?: string;
      }) =>
        run(async (context) => {
          const [url] = httpUrls(context, "gateway");
          const env = context.io.env;
          const listen = opts.listen ?? env.NAMESRV_GATEWAY_LISTEN;
          if (listen === undefined || listen.trim() === "") {
            throw new UsageError("gateway: --listen <host:port> (or NAMESRV_GATEWAY_LISTEN) is required");
          }
          const cacheInterval = opts.cacheInterval ?? env.NAMESRV_GATEWAY_CACHE_INTERVAL_MS ?? "30000";
          const healthPort = opts.healthPort ?? env.NAMESRV_GATEWAY_HEALTH_PORT;
          const drainTimeout = opts.drainTimeout ?? env.NAMESRV_GATEWAY_DRAIN_MS;
          const { runGatewayCommand } = await import("../gateway/run-gateway");
          return runGatewayCommand({
            listen,
            url: url ?? DEFAULT_NAMESRV_URL,
            auth: context.global.auth,
            timeoutMillis: context.global.timeoutMillis,
            routeCacheIntervalMs: integerOption("cache-interval", cacheInterval, 0, 3_600_000),
            unregisterOnClose: opts.keepBrokersOnClose !== true,
            ...healthListen(healthPort),
            ...(drainTimeout === undefined || drainTimeout === ""
              ? {}
              : { drainMs: integerOption("drain-timeout", drainTimeout, 0, 600_000) }),
            stdout: context.io.stdout,
            ...(context.io.signal === undefined ? {} : { signal: context.io.signal }),
          });
        }),
    );

  cmd(
    "dashboard",
    "Serve the status page (brokers and heartbeats, topics, KV, self-preservation) of the first --url, until Ctrl-C.",
  )
    .option("--listen <host:port>", "where to serve the page", "127.0.0.1:8088")
    .addHelpText("after", "\nAn execute-api URL is signed with SigV4 (AWS credential chain).")
    .action((opts: { listen: string }) => run((context) => runDashboard(context, opts.listen)));

  return program;
}

async function printKvList(context: Context, namespace: string): Promise<number> {
  const table = await read(context, (e) => e.kvList(namespace));
  if (context.global.json) printJson(context.io, { table });
  else {
    const rows = Object.keys(table)
      .sort()
      .map((k) => [k, table[k] ?? ""]);
    context.io.stdout(`${renderTable(["KEY", "VALUE"], rows)}\n`);
  }
  return EXIT_OK;
}

/** The command names, for completion and tests. */
export function commandNames(): string[] {
  return buildProgram({ env: {}, stdout: () => {}, stderr: () => {} }, async () => {}).commands.map((c) =>
    c.name(),
  );
}

// ---------------------------------------------------------------------------------------------------
// Running

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT_OK;
  let usedCommand: string | undefined;
  const program = buildProgram(io, async (action) => {
    const command = program.args[0] ?? "namesrv";
    usedCommand = command;
    let global: GlobalOptions;
    try {
      global = resolveGlobalOptions(program.opts<GlobalFlags>(), io.env);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.stderr(`namesrv ${command}: ${error.message} (see \`namesrv ${command} --help\`)\n`);
      exitCode = EXIT_USAGE;
      return;
    }
    const transport = new Transport({ auth: global.auth, timeoutMillis: global.timeoutMillis });
    const connect = io.connect ?? defaultConnect;
    const endpoints: AdminEndpoint[] = [];
    try {
      for (const e of global.endpoints) endpoints.push(connect(e, transport, global.timeoutMillis));
      exitCode = await action({ global, io, transport, endpoints });
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr(`namesrv ${command}: ${error.message} (see \`namesrv ${command} --help\`)\n`);
        exitCode = EXIT_USAGE;
      } else {
        io.stderr(`namesrv ${command}: ${describeError(error, global.timeoutMillis)}\n`);
        exitCode = EXIT_REQUEST_FAILED;
      }
    } finally {
      for (const e of endpoints) e.close();
    }
  });
  if (argv.length === 0) {
    io.stderr("namesrv: a command is needed. Run `namesrv --help` for the list.\n");
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_OK;
      if (error.code === "commander.help") return EXIT_OK;
      return EXIT_USAGE;
    }
    throw error;
  }
  void usedCommand;
  return exitCode;
}

// ---------------------------------------------------------------------------------------------------
// register, demo-broker, watch, dashboard (HTTP API only)

function httpUrls(context: Context, command: string): string[] {
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

async function runRegister(context: Context, file: string): Promise<number> {
  const urls = httpUrls(context, "register");
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  // Checked here for a clear message before anything is sent; the registry checks again.
  const parsed = registerBrokerSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    throw new UsageError(`${file} is not a valid registration: ${problems}`);
  }
  const request = parsed.data;
  const clients = new Map(urls.map((url) => [url, new NameServerClient(url, context.transport)]));
  return writeAll(context, async (e) => {
    const client = clients.get(e.address);
    if (client === undefined) throw new Error(`no client for ${e.address}`);
    const r = await client.registerBroker(request);
    const who = `${request.brokerName} (id ${request.brokerId}, ${request.brokerAddr})`;
    const kind = request.topicConfigTable === undefined ? "heartbeat for" : "registered";
    const master = r.masterAddr === undefined ? "" : `; master ${r.masterAddr} (HA ${r.haServerAddr ?? "-"})`;
    return { text: `${kind} ${who}; topicConfigApplied=${r.topicConfigApplied}${master}`, json: { ...r } };
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

interface DemoBrokerOptions {
  cluster: string;
  name: string;
  id: string;
  addr?: string;
  haAddr?: string;
  zone?: string;
  actingMaster?: boolean;
  topics: string;
  topicPrefix: string;
  queues: string;
  period: string;
  heartbeatTimeout: string;
}

async function runDemoBroker(context: Context, options: DemoBrokerOptions): Promise<number> {
  const { io, global } = context;
  const urls = httpUrls(context, "demo-broker");
  const brokerId = integerOption("id", options.id, 0, 1_000_000);
  const brokerAddr = options.addr ?? `127.0.0.1:${10911 + 10 * Math.min(brokerId, 5000)}`;
  const port = Number(brokerAddr.slice(brokerAddr.lastIndexOf(":") + 1));
  const haServerAddr =
    options.haAddr ??
    (Number.isInteger(port) && port < 65535
      ? `${brokerAddr.slice(0, brokerAddr.lastIndexOf(":"))}:${port + 1}`
      : undefined);
  const topicCount = integerOption("topics", options.topics, 0, 10_000);
  const queues = integerOption("queues", options.queues, 1, 1024);
  const prefix = options.topicPrefix;
  const periodSeconds = integerOption("period", options.period, 10, 60);
  const timeoutSeconds = integerOption(
    "heartbeat-timeout",
    options.heartbeatTimeout,
    periodSeconds + 1,
    3600,
  );

  const topicConfigTable: TopicConfigTable = {};
  for (let i = 0; i < topicCount; i++) {
    const topicName = `${prefix}-${i}`;
    topicConfigTable[topicName] = { topicName, readQueueNums: queues, writeQueueNums: queues, perm: 6 };
  }
  const dataVersion = { stateVersion: 0, timestamp: Date.now(), counter: 1 };

  let agent: BrokerAgent;
  try {
    agent = new BrokerAgent({
      broker: {
        clusterName: options.cluster,
        brokerName: options.name,
        brokerId,
        brokerAddr,
        ...(haServerAddr === undefined ? {} : { haServerAddr }),
        ...(options.zone === undefined ? {} : { zoneName: options.zone }),
        enableActingMaster: options.actingMaster === true,
        heartbeatTimeoutMillis: timeoutSeconds * 1000,
      },
      nameServers: urls,
      topicState: () => ({ topicConfigTable, dataVersion }),
      registerNameServerPeriodMillis: checkRegisterPeriod(periodSeconds * 1000),
      transport: context.transport,
    });
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }

  const print = (event: string, fields: Record<string, unknown>, line: string) => {
    if (global.json) io.stdout(`${JSON.stringify({ time: new Date().toISOString(), event, ...fields })}\n`);
    else io.stdout(`${timestamp()} ${line}\n`);
  };
  const masterNote = (e: { masterAddr?: string; haServerAddr?: string }) =>
    e.masterAddr === undefined ? "" : ` (master ${e.masterAddr}, HA ${e.haServerAddr ?? "-"})`;
  agent.on("registered", (e) =>
    print(
      "registered",
      { ...e },
      `${e.nameServer}: registered with ${topicCount} topic(s) [${e.reason}]${
        e.topicConfigApplied ? "" : ", topics left to the master"
      }${masterNote(e)}`,
    ),
  );
  agent.on("heartbeat", (e) => print("heartbeat", { ...e }, `${e.nameServer}: heartbeat ok${masterNote(e)}`));
  agent.on("error", (e) =>
    print(
      "error",
      {
        nameServer: e.nameServer,
        operation: e.operation,
        message: describeError(e.error, global.timeoutMillis),
      },
      `${e.operation} failed: ${describeError(e.error, global.timeoutMillis)}`,
    ),
  );
  agent.on("backoff", (e) =>
    print("backoff", { ...e }, `${e.nameServer}: retrying in ${(e.delayMillis / 1000).toFixed(1)} s`),
  );
  let unregistered = 0;
  agent.on("unregistered", (e) => {
    unregistered += 1;
    print("unregistered", { ...e }, `${e.nameServer}: unregistered`);
  });

  if (!global.json) {
    io.stdout(
      `demo broker ${options.name} id ${brokerId} (pid ${process.pid}) at ${brokerAddr}: ${topicCount} topic(s) (${prefix}-0..), ` +
        `heartbeat every ${periodSeconds} s to ${urls.join(", ")}. Ctrl-C unregisters and exits.\n`,
    );
  }
  await agent.start();
  await waitForAbort(io.signal);
  print("stopping", { nameServers: urls }, `stopping: unregistering from ${urls.length} NameServer(s)`);
  await agent.stop();
  const stopped =
    unregistered === urls.length
      ? `stopped: unregistered from every NameServer`
      : `stopped: unregistered from ${unregistered} of ${urls.length} NameServer(s); the others drop it after ${timeoutSeconds} s`;
  print("stopped", { unregistered, nameServers: urls.length }, stopped);
  return unregistered === 0 && urls.length > 0 ? EXIT_REQUEST_FAILED : EXIT_OK;
}

async function runWatch(
  context: Context,
  topic: string,
  options: { interval: string; zone?: string },
): Promise<number> {
  const { io, global } = context;
  const urls = httpUrls(context, "watch");
  const intervalSeconds = numberOption("interval", options.interval, 0.1, 3600);
  const zone = options.zone;
  const client = new RouteClient({
    nameServers: urls,
    transport: context.transport,
    pollNameServerIntervalMillis: Math.round(intervalSeconds * 1000),
    ...(zone === undefined ? {} : { zone }),
  });
  const print = (event: string, fields: Record<string, unknown>, text: string) => {
    if (global.json)
      io.stdout(`${JSON.stringify({ time: new Date().toISOString(), event, topic, ...fields })}\n`);
    else io.stdout(`${timestamp()} ${text}\n`);
  };
  // What was last said about the topic, so that each state is reported once.
  let lastSaid: string | undefined;
  client.on("routeChanged", (e) => {
    lastSaid = "route";
    print(
      "routeChanged",
      { nameServer: e.nameServer, route: e.route },
      [
        `${topic}: route ${e.previous === undefined ? "found" : "changed"} (from ${e.nameServer})`,
        ...(e.previous === undefined
          ? []
          : describeRouteChange(e.previous, e.route).map((line) => `  ${line}`)),
        indent(renderRoute(topic, e.route)),
      ].join("\n"),
    );
  });
  client.on("routeRemoved", (e) => {
    lastSaid = "TOPIC_NOT_EXIST";
    print("routeRemoved", { nameServer: e.nameServer }, `${topic}: no route any more (TOPIC_NOT_EXIST)`);
  });
  client.on("routeStale", (e) => {
    const message = describeError(e.error, global.timeoutMillis);
    if (lastSaid === message) return;
    lastSaid = message;
    print("routeStale", { message }, `${topic}: ${message}; keeping the last route`);
  });

  const poll = async () => {
    try {
      await client.updateTopicRouteInfoFromNameServer(topic);
    } catch (error) {
      // No cached route: say so once per kind of problem, and keep polling.
      const notExist = isCode(error, "TOPIC_NOT_EXIST");
      const said = notExist ? "TOPIC_NOT_EXIST" : describeError(error, global.timeoutMillis);
      if (said !== lastSaid) {
        const text = notExist ? "no route yet (TOPIC_NOT_EXIST)" : said;
        print(notExist ? "noRoute" : "error", { message: text }, `${topic}: ${text}`);
        lastSaid = said;
      }
    }
  };
  if (!global.json)
    io.stdout(`watching ${topic} every ${intervalSeconds} s on ${urls.join(", ")}; Ctrl-C to stop\n`);
  await poll();
  let polling: Promise<void> | undefined;
  const timer = setInterval(() => {
    polling ??= poll().finally(() => {
      polling = undefined;
    });
  }, client.pollNameServerIntervalMillis);
  await waitForAbort(io.signal);
  clearInterval(timer);
  await polling;
  print("stopped", {}, `stopped watching ${topic}`);
  return EXIT_OK;
}

async function runDashboard(context: Context, listen: string): Promise<number> {
  const { io, global } = context;
  const [apiUrl = DEFAULT_NAMESRV_URL] = httpUrls(context, "dashboard");
  const { parseListen, startDashboard } = await import("../dashboard/server");
  try {
    parseListen(listen);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const dashboard = await startDashboard({
    apiUrl,
    listen,
    timeoutMillis: global.timeoutMillis,
    env: io.env,
    ...(global.auth.kind === "none" ? {} : { auth: global.auth }),
  });
  io.stdout(`Status page of ${apiUrl} at ${dashboard.url} (Ctrl-C stops)\n`);
  await waitForAbort(io.signal);
  await dashboard.close();
  io.stdout("Status page stopped\n");
  return EXIT_OK;
}
