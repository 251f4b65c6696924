/**
 * The `namesrv` CLI (bin/namesrv.ts): mqadmin-like commands over the registry's HTTP API, plus a demo
 * broker and a route watcher. Parsing is node:util parseArgs; every command prints a readable table by
 * default and JSON with `--json`. Exit codes: 0 done, 1 a request failed, 2 usage error.
 */
import { readFile } from "node:fs/promises";
import { type ParseArgsConfig, parseArgs } from "node:util";
import { registerBrokerSchema, type UnitTopicKind } from "../domain/model";
import { runGatewayCommand } from "../remoting/run-gateway";
import { BrokerAgent, checkRegisterPeriod, type TopicConfigTable } from "./broker-agent";
import {
  describeError,
  describeRouteChange,
  renderBrokerMembers,
  renderClusterList,
  renderRoute,
  renderTable,
} from "./cli-format";
import { NameServerClient } from "./name-server-client";
import { AllNameServersFailedError, RouteClient } from "./route-client";
import {
  type Auth,
  DEFAULT_TIMEOUT_MILLIS,
  type NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
  Transport,
} from "./transport";

export const DEFAULT_NAMESRV_URL = "http://127.0.0.1:9877";

export const EXIT_OK = 0;
export const EXIT_REQUEST_FAILED = 1;
export const EXIT_USAGE = 2;

/** A command line that cannot be run as given; exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;
type OptionValues = Record<string, string | boolean | string[] | boolean[] | undefined>;

const GLOBAL_OPTIONS = {
  url: { type: "string", multiple: true },
  json: { type: "boolean" },
  token: { type: "string" },
  profile: { type: "string" },
  region: { type: "string" },
  sigv4: { type: "boolean" },
  timeout: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies OptionsConfig;

const GLOBAL_HELP = `Options for every command:
  --url <url>          a NameServer; repeat for several (default: NAMESRV_URL, ';'-separated,
                       or ${DEFAULT_NAMESRV_URL}). Reads fail over in order; writes go to all.
  --json               print JSON instead of tables
  --token <token>      bearer token of a local registry started with NAMESRV_TOKEN (default: NAMESRV_TOKEN)
  --profile <name>     sign with SigV4 using this AWS profile
  --region <region>    sign with SigV4 for this region (default: from an execute-api URL, or AWS_REGION)
  --sigv4              sign with SigV4 using the default AWS credential chain
  --timeout <ms>       per-request timeout (default ${DEFAULT_TIMEOUT_MILLIS})
  -h, --help           help for the command`;

export interface GlobalOptions {
  urls: string[];
  json: boolean;
  auth: Auth;
  timeoutMillis: number;
}

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Aborted on Ctrl-C / SIGTERM: ends `demo-broker` (which then unregisters) and `watch`. */
  signal?: AbortSignal;
}

interface Context {
  global: GlobalOptions;
  values: OptionValues;
  positionals: string[];
  io: CliIo;
  transport: Transport;
}

interface CommandSpec {
  name: string;
  usage: string;
  summary: string;
  details?: string;
  options: OptionsConfig;
  positionals: { min: number; max: number };
  run(context: Context): Promise<number>;
}

// ---------------------------------------------------------------------------------------------------
// Parsing

export interface ParsedCommandLine {
  command: CommandSpec;
  values: OptionValues;
  positionals: string[];
  global: GlobalOptions;
}

export type ParseResult =
  | { kind: "run"; parsed: ParsedCommandLine }
  | { kind: "help"; text: string }
  | { kind: "usage"; error: UsageError };

const GLOBAL_VALUE_OPTIONS = new Set(["--url", "--token", "--profile", "--region", "--timeout"]);

/** Splits the command name from the rest: global options may come before it. */
function findCommand(argv: readonly string[]): { name?: string; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") break;
    if (arg.startsWith("-")) {
      if (GLOBAL_VALUE_OPTIONS.has(arg)) i++;
      continue;
    }
    return { name: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { rest: [...argv] };
}

export function parseCommandLine(argv: readonly string[], env: CliIo["env"]): ParseResult {
  const { name, rest } = findCommand(argv);
  if (name === undefined) {
    if (rest.includes("--help") || rest.includes("-h")) return { kind: "help", text: generalHelp() };
    return {
      kind: "usage",
      error: new UsageError("a command is needed. Run `namesrv --help` for the list."),
    };
  }
  if (name === "help") {
    const topic = rest.find((a) => !a.startsWith("-"));
    const spec = topic === undefined ? undefined : COMMANDS.get(topic);
    return { kind: "help", text: spec === undefined ? generalHelp() : commandHelp(spec) };
  }
  const command = COMMANDS.get(name);
  if (command === undefined) {
    return {
      kind: "usage",
      error: new UsageError(`unknown command '${name}'. Run \`namesrv --help\` for the list.`),
    };
  }
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...GLOBAL_OPTIONS, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help === true) return { kind: "help", text: commandHelp(command) };
    if (positionals.length < command.positionals.min || positionals.length > command.positionals.max) {
      throw new UsageError(`expected: namesrv ${command.usage}`, command.name);
    }
    const global = resolveGlobalOptions(values, env);
    return { kind: "run", parsed: { command, values, positionals, global } };
  } catch (error) {
    return { kind: "usage", error: new UsageError(parseErrorMessage(error), command.name) };
  }
}

/** node:util's parse errors, shortened to what the user needs. */
function parseErrorMessage(error: unknown): string {
  if (error instanceof UsageError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown !== null) return `unknown option '${unknown[1]}'`;
  const missing = /^Option '([^']+)' argument missing/.exec(message);
  if (missing !== null) return `option '${missing[1]?.split(",").pop()?.trim()}' needs a value`;
  return message.split(". ")[0] ?? message;
}

/** `host:port` as RocketMQ's namesrvAddr writes it is taken as `http://host:port`. */
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

export function resolveGlobalOptions(values: OptionValues, env: CliIo["env"]): GlobalOptions {
  const fromFlags = Array.isArray(values.url) ? values.url.map(String) : [];
  const fromEnv = (env.NAMESRV_URL ?? "").split(";").filter((u) => u.trim() !== "");
  const raw = fromFlags.length > 0 ? fromFlags : fromEnv.length > 0 ? fromEnv : [DEFAULT_NAMESRV_URL];
  const urls = [...new Set(raw.map(normalizeUrl))];

  const token = typeof values.token === "string" ? values.token : undefined;
  const profile = typeof values.profile === "string" ? values.profile : undefined;
  const region = typeof values.region === "string" ? values.region : undefined;
  const sigv4 = values.sigv4 === true || profile !== undefined || region !== undefined;
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
    values.timeout === undefined
      ? DEFAULT_TIMEOUT_MILLIS
      : integerOption("timeout", values.timeout, 1, 600_000);
  return { urls, json: values.json === true, auth, timeoutMillis };
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

function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

function generalHelp(): string {
  const width = Math.max(...[...COMMANDS.values()].map((c) => c.usage.length));
  const lines = [...COMMANDS.values()].map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `Usage: namesrv <command> [options]

Administer and watch a serverless RocketMQ NameServer (API.md), like mqadmin.

Commands:
${lines.join("\n")}

${GLOBAL_HELP}

Exit codes: 0 done, 1 a request failed, 2 usage error.
Run \`namesrv <command> --help\` for a command's options.`;
}

function commandHelp(spec: CommandSpec): string {
  const optionHelp = spec.details === undefined ? "" : `\n${spec.details}\n`;
  return `Usage: namesrv ${spec.usage} [options]

${spec.summary}
${optionHelp}
${GLOBAL_HELP}`;
}

// ---------------------------------------------------------------------------------------------------
// Running

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const result = parseCommandLine(argv, io.env);
  if (result.kind === "help") {
    io.stdout(`${result.text}\n`);
    return EXIT_OK;
  }
  if (result.kind === "usage") {
    const hint =
      result.error.command === undefined ? "" : ` (see \`namesrv ${result.error.command} --help\`)`;
    const prefix = result.error.command === undefined ? "namesrv" : `namesrv ${result.error.command}`;
    io.stderr(`${prefix}: ${result.error.message}${hint}\n`);
    return EXIT_USAGE;
  }
  const { command, values, positionals, global } = result.parsed;
  const transport = new Transport({ auth: global.auth, timeoutMillis: global.timeoutMillis });
  try {
    return await command.run({ global, values, positionals, io, transport });
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`namesrv ${command.name}: ${error.message} (see \`namesrv ${command.name} --help\`)\n`);
      return EXIT_USAGE;
    }
    io.stderr(`namesrv ${command.name}: ${describeError(error, global.timeoutMillis)}\n`);
    return EXIT_REQUEST_FAILED;
  }
}

function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

function clientsOf(context: Context): NameServerClient[] {
  return context.global.urls.map((url) => new NameServerClient(url, context.transport));
}

/** A read: the NameServers in order until one answers (unreachable, timeout and 5xx fail over). */
async function read<T>(context: Context, call: (client: NameServerClient) => Promise<T>): Promise<T> {
  const errors: NameServerClientError[] = [];
  for (const client of clientsOf(context)) {
    try {
      return await call(client);
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

type WriteOutcome<T> =
  | { nameServer: string; ok: true; result: T }
  | { nameServer: string; ok: false; error: unknown };

/** A write: every NameServer, as mqadmin does (each one is a registry of its own). */
async function writeAll<T>(
  context: Context,
  call: (client: NameServerClient) => Promise<T>,
  describe: (result: T) => string,
  toJson: (result: T) => Record<string, unknown> = () => ({}),
): Promise<number> {
  const outcomes: WriteOutcome<T>[] = await Promise.all(
    clientsOf(context).map(async (client) => {
      try {
        return { nameServer: client.url, ok: true as const, result: await call(client) };
      } catch (error) {
        return { nameServer: client.url, ok: false as const, error };
      }
    }),
  );
  const { io, global } = context;
  if (global.json) {
    printJson(
      io,
      outcomes.map((o) =>
        o.ok
          ? { nameServer: o.nameServer, ok: true, ...toJson(o.result) }
          : { nameServer: o.nameServer, ok: false, error: jsonError(o.error, global.timeoutMillis) },
      ),
    );
  }
  for (const outcome of outcomes) {
    if (outcome.ok) {
      if (!global.json) io.stdout(`${outcome.nameServer}: ${describe(outcome.result)}\n`);
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

function arg(context: Context, index: number): string {
  const value = context.positionals[index];
  if (value === undefined) throw new UsageError("missing argument");
  return value;
}

function waitForAbort(signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise(() => {});
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

function timestamp(): string {
  return new Date().toISOString().slice(11, 19);
}

// ---------------------------------------------------------------------------------------------------
// Commands

/** wipeWritePerm / addWritePerm: one command, but for the bit it sets. */
function writePermCommand(name: "wipeWritePerm" | "addWritePerm", writable: boolean): CommandSpec {
  return {
    name,
    usage: `${name} <broker>`,
    summary: `${writable ? "Set" : "Clear"} the WRITE perm of a broker group on every topic, on every NameServer.`,
    options: {},
    positionals: { min: 1, max: 1 },
    run(context) {
      const broker = arg(context, 0);
      return writeAll(
        context,
        (c) => c.setWritePerm(broker, writable),
        (r) => `${writable ? "added" : "wiped"} write perm of ${broker}: ${r.affectedTopicCount} topic(s)`,
        (r) => ({ affectedTopicCount: r.affectedTopicCount }),
      );
    },
  };
}

const commandList: CommandSpec[] = [
  {
    name: "gateway",
    usage: "gateway --listen HOST:PORT",
    summary:
      "Serve RocketMQ's remoting protocol (brokers, clients, mqadmin) in front of the registry at --url.",
    details: [
      "  --listen <host:port>       where RocketMQ components connect (namesrvAddr), e.g. 127.0.0.1:9876",
      "  --cache-interval <ms>      route cache refresh period, one POST /routes per period (default 30000; 0 = off)",
      "  --keep-brokers-on-close    do not unregister a broker when its connection closes",
    ].join("\n"),
    options: {
      listen: { type: "string" },
      "cache-interval": { type: "string" },
      "keep-brokers-on-close": { type: "boolean" },
    },
    positionals: { min: 0, max: 0 },
    async run(context) {
      const listen = stringOption(context.values, "listen");
      if (listen === undefined) throw new UsageError("--listen HOST:PORT is required", "gateway");
      const interval = context.values["cache-interval"];
      return runGatewayCommand({
        listen,
        url: context.global.urls[0] ?? DEFAULT_NAMESRV_URL,
        auth: context.global.auth,
        timeoutMillis: context.global.timeoutMillis,
        routeCacheIntervalMs:
          interval === undefined ? undefined : integerOption("cache-interval", interval, 0, 3_600_000),
        unregisterOnClose: context.values["keep-brokers-on-close"] !== true,
        stdout: context.io.stdout,
        ...(context.io.signal === undefined ? {} : { signal: context.io.signal }),
      });
    },
  },
  {
    name: "clusterList",
    usage: "clusterList",
    summary: "List the clusters and their live brokers (GET /clusters).",
    options: {},
    positionals: { min: 0, max: 0 },
    async run(context) {
      const info = await read(context, (c) => c.getBrokerClusterInfo());
      if (context.global.json) printJson(context.io, info);
      else context.io.stdout(`${renderClusterList(info)}\n`);
      return EXIT_OK;
    },
  },
  {
    name: "topicList",
    usage: "topicList [--cluster C | --system | --unit unit|unit-sub|unit-sub-ununit]",
    summary: "List all topics, or those with queues on a cluster's brokers.",
    details: `  --cluster <name>     only the topics of this cluster
  --system             the system topic list (cluster and broker names)
  --unit <kind>        topics with the unit / unit-sub flag (unit, unit-sub, unit-sub-ununit)`,
    options: { cluster: { type: "string" }, system: { type: "boolean" }, unit: { type: "string" } },
    positionals: { min: 0, max: 0 },
    async run(context) {
      const cluster = stringOption(context.values, "cluster");
      const unit = stringOption(context.values, "unit");
      if (unit !== undefined && !["unit", "unit-sub", "unit-sub-ununit"].includes(unit)) {
        throw new UsageError("--unit must be unit, unit-sub or unit-sub-ununit");
      }
      const topicList = await read(context, async (c) => {
        if (context.values.system === true) return (await c.getSystemTopicList()).topicList;
        if (unit !== undefined) return c.getUnitTopicList(unit as UnitTopicKind);
        return cluster === undefined ? c.getAllTopicList() : c.getTopicsByCluster(cluster);
      });
      if (context.global.json) printJson(context.io, { topicList });
      else context.io.stdout(topicList.length === 0 ? "(no topics)\n" : `${topicList.join("\n")}\n`);
      return EXIT_OK;
    },
  },
  {
    name: "topicRoute",
    usage: "topicRoute <topic> [--zone Z]",
    summary: "Show a topic's route: queue data and brokers (GET /route?topic=).",
    details: "  --zone <zone>        only brokers of this zone",
    options: { zone: { type: "string" } },
    positionals: { min: 1, max: 1 },
    async run(context) {
      const topic = arg(context, 0);
      const zone = stringOption(context.values, "zone");
      const answer = await read(context, (c) =>
        c.getRouteInfoByTopic(topic, zone === undefined ? {} : { zone }),
      );
      if (answer.notModified) throw new Error("unexpected 304 without If-None-Match");
      if (context.global.json) printJson(context.io, answer.route);
      else context.io.stdout(`${renderRoute(topic, answer.route)}\n`);
      return EXIT_OK;
    },
  },
  {
    name: "brokerMembers",
    usage: "brokerMembers <cluster> <broker>",
    summary: "Show the live members of a broker group (GET /brokers/{cluster}/{broker}).",
    options: {},
    positionals: { min: 2, max: 2 },
    async run(context) {
      const group = await read(context, (c) => c.getBrokerMemberGroup(arg(context, 0), arg(context, 1)));
      if (context.global.json) printJson(context.io, group);
      else context.io.stdout(`${renderBrokerMembers(group)}\n`);
      return EXIT_OK;
    },
  },
  writePermCommand("wipeWritePerm", false),
  writePermCommand("addWritePerm", true),
  {
    name: "getNamesrvConfig",
    usage: "getNamesrvConfig",
    summary: "Show the NameServer's settings (GET /config).",
    options: {},
    positionals: { min: 0, max: 0 },
    async run(context) {
      const config = await read(context, (c) => c.getConfig());
      if (context.global.json) printJson(context.io, { config });
      else {
        const lines = Object.entries(config).map(([name, value]) => `${name.padEnd(36)}= ${value}`);
        context.io.stdout(`${lines.join("\n")}\n`);
      }
      return EXIT_OK;
    },
  },
  {
    name: "updateNamesrvConfig",
    usage: "updateNamesrvConfig -k <name> -v <value>",
    summary: "Change one NameServer setting (PUT /config), on every NameServer.",
    details:
      "  -k, --key <name>     the setting (see getNamesrvConfig)\n  -v, --value <value>  its new value",
    options: { key: { type: "string", short: "k" }, value: { type: "string", short: "v" } },
    positionals: { min: 0, max: 0 },
    run(context) {
      const key = stringOption(context.values, "key");
      const value = stringOption(context.values, "value");
      if (key === undefined || value === undefined)
        throw new UsageError("-k <name> and -v <value> are required");
      return writeAll(
        context,
        (c) => c.updateConfig({ [key]: value }),
        () => `set ${key}=${value}`,
      );
    },
  },
  {
    name: "deleteTopic",
    usage: "deleteTopic <topic> [--cluster C]",
    summary: "Delete a topic's route (or only a cluster's queue data) on every NameServer.",
    details: "  --cluster <name>     only remove the queue data of this cluster's brokers",
    options: { cluster: { type: "string" } },
    positionals: { min: 1, max: 1 },
    run(context) {
      const topic = arg(context, 0);
      const cluster = stringOption(context.values, "cluster");
      return writeAll(
        context,
        (c) => c.deleteTopic(topic, cluster),
        () => `deleted topic ${topic}${cluster === undefined ? "" : ` from cluster ${cluster}`}`,
      );
    },
  },
  {
    name: "kv",
    usage: "kv get|put|delete|list <ns> [key] [value]",
    summary: "Read and write KV config (e.g. ORDER_TOPIC_CONFIG); writes go to every NameServer.",
    details: `  kv get <ns> <key>          print a value
  kv put <ns> <key> <value>  set a value
  kv delete <ns> <key>       delete a key
  kv list <ns>               list a namespace`,
    options: {},
    positionals: { min: 2, max: 4 },
    run: runKv,
  },
  {
    name: "register",
    usage: "register <file.json>",
    summary: "Send one registration (POST /brokers/heartbeat) read from a JSON file ('-' for stdin).",
    options: {},
    positionals: { min: 1, max: 1 },
    run: runRegister,
  },
  {
    name: "demo-broker",
    usage: "demo-broker [--name B] [--id N] [--addr A] ...",
    summary: "Run a simulated broker: registers its topics and heartbeats until Ctrl-C, then unregisters.",
    details: `  --cluster <name>        cluster (default DefaultCluster)
  --name <broker>         broker group name (default broker-a)
  --id <n>                broker id: 0 master, 1.. slave (default 0)
  --addr <host:port>      broker address (default 127.0.0.1:10911, +10 per id)
  --ha-addr <host:port>   HA address (default: the address's port + 1)
  --zone <zone>           zone name
  --acting-master         enableActingMaster
  --topics <n>            number of topics (default 2)
  --topic-prefix <p>      topic names: <p>-0, <p>-1, ... (default TopicTest)
  --queues <n>            read and write queues per topic (default 4)
  --period <seconds>      heartbeat period, 10 to 60 (default 10)
  --heartbeat-timeout <s> heartbeatTimeoutMillis in seconds (default 120)`,
    options: {
      cluster: { type: "string" },
      name: { type: "string" },
      id: { type: "string" },
      addr: { type: "string" },
      "ha-addr": { type: "string" },
      zone: { type: "string" },
      "acting-master": { type: "boolean" },
      topics: { type: "string" },
      "topic-prefix": { type: "string" },
      queues: { type: "string" },
      period: { type: "string" },
      "heartbeat-timeout": { type: "string" },
    },
    positionals: { min: 0, max: 0 },
    run: runDemoBroker,
  },
  {
    name: "dashboard",
    usage: "dashboard [--listen host:port]",
    summary: "Serve the status page (brokers and heartbeats, topics, KV, self-preservation) until Ctrl-C.",
    details: `  --listen <host:port>    where to serve the page (default 127.0.0.1:8088)
The page shows the first --url. An execute-api URL is signed with SigV4 (AWS credential chain).`,
    options: { listen: { type: "string" } },
    positionals: { min: 0, max: 0 },
    run: runDashboard,
  },
  {
    name: "watch",
    usage: "watch <topic> [--interval S]",
    summary: "Poll a topic's route and print every change, until Ctrl-C.",
    details: `  --interval <seconds>    polling period (default 5)
  --zone <zone>           only brokers of this zone`,
    options: { interval: { type: "string" }, zone: { type: "string" } },
    positionals: { min: 1, max: 1 },
    run: runWatch,
  },
];

const COMMANDS = new Map(commandList.map((c) => [c.name, c]));

/** The command names, for completion and tests. */
export const commandNames: readonly string[] = commandList.map((c) => c.name);

async function runDashboard(context: Context): Promise<number> {
  const { io, global } = context;
  const { DEFAULT_DASHBOARD_LISTEN, parseListen, startDashboard } = await import("../dashboard/server");
  const listen = stringOption(context.values, "listen") ?? DEFAULT_DASHBOARD_LISTEN;
  try {
    parseListen(listen);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), "dashboard");
  }
  const apiUrl = global.urls[0] ?? DEFAULT_NAMESRV_URL;
  const dashboard = await startDashboard({
    apiUrl,
    listen,
    timeoutMillis: global.timeoutMillis,
    ...(global.auth.kind === "none" ? {} : { auth: global.auth }),
  });
  io.stdout(`Status page of ${apiUrl} at ${dashboard.url} (Ctrl-C stops)\n`);
  await waitForAbort(io.signal);
  await dashboard.close();
  io.stdout("Status page stopped\n");
  return EXIT_OK;
}

async function runKv(context: Context): Promise<number> {
  const [action, namespace, key, value] = context.positionals;
  const expect = (count: number, usage: string) => {
    if (context.positionals.length !== count) throw new UsageError(`expected kv ${usage}`);
  };
  const { io, global } = context;
  switch (action) {
    case "get": {
      expect(3, "get <ns> <key>");
      const found = await read(context, (c) => c.getKvConfig(namespace ?? "", key ?? ""));
      if (global.json) printJson(io, { value: found });
      else io.stdout(`${found}\n`);
      return EXIT_OK;
    }
    case "list": {
      expect(2, "list <ns>");
      const table = await read(context, (c) => c.getKvList(namespace ?? ""));
      if (global.json) printJson(io, { table });
      else {
        const rows = Object.keys(table)
          .sort()
          .map((k) => [k, table[k] ?? ""]);
        io.stdout(`${renderTable(["KEY", "VALUE"], rows)}\n`);
      }
      return EXIT_OK;
    }
    case "put":
      expect(4, "put <ns> <key> <value>");
      return writeAll(
        context,
        (c) => c.putKvConfig(namespace ?? "", key ?? "", value ?? ""),
        () => `put ${namespace} ${key}`,
      );
    case "delete":
      expect(3, "delete <ns> <key>");
      return writeAll(
        context,
        (c) => c.deleteKvConfig(namespace ?? "", key ?? ""),
        () => `deleted ${namespace} ${key}`,
      );
    default:
      throw new UsageError(`unknown kv action '${action}': expected get, put, delete or list`);
  }
}

async function runRegister(context: Context): Promise<number> {
  const file = arg(context, 0);
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
  return writeAll(
    context,
    (c) => c.registerBroker(request),
    (r) => {
      const who = `${request.brokerName} (id ${request.brokerId}, ${request.brokerAddr})`;
      const kind = request.topicConfigTable === undefined ? "heartbeat for" : "registered";
      const master =
        r.masterAddr === undefined ? "" : `; master ${r.masterAddr} (HA ${r.haServerAddr ?? "-"})`;
      return `${kind} ${who}; topicConfigApplied=${r.topicConfigApplied}${master}`;
    },
    (r) => ({ ...r }),
  );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

async function runDemoBroker(context: Context): Promise<number> {
  const { values, io, global } = context;
  const brokerId = values.id === undefined ? 0 : integerOption("id", values.id, 0, 1_000_000);
  const brokerAddr = stringOption(values, "addr") ?? `127.0.0.1:${10911 + 10 * Math.min(brokerId, 5000)}`;
  const port = Number(brokerAddr.slice(brokerAddr.lastIndexOf(":") + 1));
  const haServerAddr =
    stringOption(values, "ha-addr") ??
    (Number.isInteger(port) && port < 65535
      ? `${brokerAddr.slice(0, brokerAddr.lastIndexOf(":"))}:${port + 1}`
      : undefined);
  const topicCount = values.topics === undefined ? 2 : integerOption("topics", values.topics, 0, 10_000);
  const queues = values.queues === undefined ? 4 : integerOption("queues", values.queues, 1, 1024);
  const prefix = stringOption(values, "topic-prefix") ?? "TopicTest";
  const periodSeconds = values.period === undefined ? 10 : integerOption("period", values.period, 10, 60);
  const timeoutSeconds =
    values["heartbeat-timeout"] === undefined
      ? 120
      : integerOption("heartbeat-timeout", values["heartbeat-timeout"], periodSeconds + 1, 3600);
  const zoneName = stringOption(values, "zone");

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
        clusterName: stringOption(values, "cluster") ?? "DefaultCluster",
        brokerName: stringOption(values, "name") ?? "broker-a",
        brokerId,
        brokerAddr,
        ...(haServerAddr === undefined ? {} : { haServerAddr }),
        ...(zoneName === undefined ? {} : { zoneName }),
        enableActingMaster: values["acting-master"] === true,
        heartbeatTimeoutMillis: timeoutSeconds * 1000,
      },
      nameServers: global.urls,
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
  agent.on("unregistered", (e) => print("unregistered", { ...e }, `${e.nameServer}: unregistered`));

  const name = stringOption(values, "name") ?? "broker-a";
  if (!global.json) {
    io.stdout(
      `demo broker ${name} id ${brokerId} (pid ${process.pid}) at ${brokerAddr}: ${topicCount} topic(s) (${prefix}-0..), ` +
        `heartbeat every ${periodSeconds} s to ${global.urls.join(", ")}. Ctrl-C unregisters and exits.\n`,
    );
  }
  await agent.start();
  await waitForAbort(io.signal);
  if (!global.json)
    io.stdout(`${timestamp()} stopping: unregistering from ${global.urls.length} NameServer(s)\n`);
  await agent.stop();
  const failed = agent.states().filter((s) => s.consecutiveFailures > 0).length;
  return failed === global.urls.length ? EXIT_REQUEST_FAILED : EXIT_OK;
}

async function runWatch(context: Context): Promise<number> {
  const { values, io, global } = context;
  const topic = arg(context, 0);
  const intervalSeconds =
    values.interval === undefined ? 5 : numberOption("interval", values.interval, 0.1, 3600);
  const zone = stringOption(values, "zone");
  const client = new RouteClient({
    nameServers: global.urls,
    transport: context.transport,
    pollNameServerIntervalMillis: Math.round(intervalSeconds * 1000),
    ...(zone === undefined ? {} : { zone }),
  });
  const print = (event: string, fields: Record<string, unknown>, text: string) => {
    if (global.json)
      io.stdout(`${JSON.stringify({ time: new Date().toISOString(), event, topic, ...fields })}\n`);
    else io.stdout(`${timestamp()} ${text}\n`);
  };
  client.on("routeChanged", (e) =>
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
    ),
  );
  client.on("routeRemoved", (e) =>
    print("routeRemoved", { nameServer: e.nameServer }, `${topic}: no route any more (TOPIC_NOT_EXIST)`),
  );
  client.on("routeStale", (e) =>
    print(
      "routeStale",
      { message: describeError(e.error, global.timeoutMillis) },
      `${topic}: ${describeError(e.error, global.timeoutMillis)}; keeping the last route`,
    ),
  );

  let lastProblem: string | undefined;
  const poll = async () => {
    try {
      await client.updateTopicRouteInfoFromNameServer(topic);
      lastProblem = undefined;
    } catch (error) {
      // No cached route yet: say so once per kind of problem, and keep polling.
      const notExist = error instanceof NameServerRequestError && error.code === "TOPIC_NOT_EXIST";
      const problem = notExist
        ? "no route yet (TOPIC_NOT_EXIST)"
        : describeError(error, global.timeoutMillis);
      if (problem !== lastProblem) {
        print(notExist ? "noRoute" : "error", { message: problem }, `${topic}: ${problem}`);
        lastProblem = problem;
      }
    }
  };
  if (!global.json)
    io.stdout(`watching ${topic} every ${intervalSeconds} s on ${global.urls.join(", ")}; Ctrl-C to stop\n`);
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
  return EXIT_OK;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n");
}
