/**
 * A whole registry on this machine, for `npm start`, end-to-end tests and benchmarks:
 *
 * - `startLocalRegistry` runs it in this process: DynamoDB Local (unless an endpoint is given), the
 *   table, the handler modules of functions/ behind the local HTTP server, the sweeper on a timer.
 *   The handlers' wiring (lib/app/container.ts) reads TABLE_NAME / DYNAMODB_ENDPOINT once, at module
 *   scope, exactly as on Lambda: so one process holds one in-process registry (one table).
 * - `spawnLocalRegistry` runs lib/local/main.ts as a child process, for tests that need several
 *   independent NameServers at once (a client's failover).
 */
import { type ChildProcess, spawn } from "node:child_process";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LogLevel } from "@aws-lambda-powertools/logger/types";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { defaultRouteHandler, routes, sweeperHandler } from "../http/routes";
import { logger } from "../observability";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local";
import { superviseDynamoDbLocal } from "./dynamodb-supervisor";
import { createLocalHttpServer, type LambdaHttpHandler } from "./http-server";
import type { RequestLogEntry } from "./request-log";
import { type SweeperTimer, startSweeperTimer } from "./sweeper-timer";
import { ensureTable } from "./table";

export interface LocalRegistryOptions {
  /** Port to listen on; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** Use this DynamoDB; when absent, DynamoDB Local is started (and stopped with the registry). */
  dynamodbEndpoint?: string;
  tableName?: string;
  /** Data directory of the DynamoDB Local this starts; `:memory:` (the default here) keeps nothing. */
  dataDir?: string;
  /** Sweeper period; 30 s by default. */
  sweepIntervalMs?: number;
  /** Token mode: protected routes need `Authorization: Bearer <token>`. */
  token?: string;
  /** Extra environment for the handlers' module-scope configuration (set before they load). */
  env?: Record<string, string>;
  /** Log level of the shared logger (tests keep it at WARN). */
  logLevel?: LogLevel;
  /**
   * Called when the registry cannot go on: the DynamoDB Local it started exited and could not be
   * restarted (in memory there is nothing to restart from; with a data directory it is restarted on
   * the same port up to MAX_DYNAMODB_RESTARTS times a minute). The registry has stopped by then.
   * `npm start` exits non-zero. By default the error is logged.
   */
  onFatal?: (error: Error) => void;
  /** Called once per HTTP request, when it is answered (`npm start`'s request lines). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Progress while starting (DynamoDB Local can take seconds), one message at a time. */
  onProgress?: (message: string) => void;
  /** Called when a run of the sweeper timer has finished, with its report or its error. */
  onSweep?: (outcome: SweepOutcome) => void;
}

/** How one run of the sweeper timer ended: the sweeper's report (SweepReport), or why it failed. */
export type SweepOutcome = { ok: true; report: unknown } | { ok: false; error: unknown };

/** Restarts of DynamoDB Local within a minute before the registry gives up. */
export const MAX_DYNAMODB_RESTARTS = 3;

export interface LocalRegistry {
  url: string;
  dynamodbEndpoint: string;
  tableName: string;
  /** Where the DynamoDB Local this started keeps its data (absent when an endpoint was given). */
  dataDir?: string;
  /** The process id of the DynamoDB Local this runs now (absent when an endpoint was given). */
  dynamodbLocalPid(): number | undefined;
  stop(): Promise<void>;
}

export const DEFAULT_SWEEP_INTERVAL_MS = 30_000;
const FUNCTIONS_DIR = fileURLToPath(new URL("../../functions/", import.meta.url));

type SweepHandler = () => Promise<unknown>;
interface LoadedHandlers {
  http: Record<string, LambdaHttpHandler>;
  sweep: SweepHandler;
}

let loaded: { tableName: string; dynamodbEndpoint: string; handlers: Promise<LoadedHandlers> } | undefined;

async function importHandler<T>(name: string): Promise<T> {
  const module = (await import(pathToFileURL(resolve(FUNCTIONS_DIR, `${name}.ts`)).href)) as { handler?: T };
  if (typeof module.handler !== "function") throw new Error(`functions/${name}.ts does not export a handler`);
  return module.handler;
}

/** Sets the handlers' configuration, then imports every handler module of the route table. */
function loadHandlers(
  tableName: string,
  dynamodbEndpoint: string,
  env: Record<string, string>,
): Promise<LoadedHandlers> {
  if (loaded !== undefined) {
    if (loaded.tableName !== tableName || loaded.dynamodbEndpoint !== dynamodbEndpoint) {
      throw new Error(
        `This process already serves table ${loaded.tableName} on ${loaded.dynamodbEndpoint}: the handlers read their ` +
          "configuration once, at module scope. Use spawnLocalRegistry for a second, independent registry.",
      );
    }
    return loaded.handlers;
  }
  Object.assign(process.env, env, { TABLE_NAME: tableName, DYNAMODB_ENDPOINT: dynamodbEndpoint });
  const names = [...new Set([...routes.map((route) => route.handler), defaultRouteHandler])];
  const handlers = (async () => {
    const http: Record<string, LambdaHttpHandler> = {};
    for (const name of names) http[name] = await importHandler<LambdaHttpHandler>(name);
    return { http, sweep: await importHandler<SweepHandler>(sweeperHandler) };
  })();
  loaded = { tableName, dynamodbEndpoint, handlers };
  handlers.catch(() => {
    loaded = undefined;
  });
  return handlers;
}

async function ensureTableAt(endpoint: string, tableName: string): Promise<void> {
  const admin = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await ensureTable(admin, tableName);
  } finally {
    admin.destroy();
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolveListen, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.removeListener("error", onError);
      resolveListen();
    });
  });
}

const SHUTDOWN_GRACE_MS = 5_000;

/** Stops accepting, lets requests in flight finish (for a few seconds at most), then closes. */
function closeGracefully(server: Server): Promise<void> {
  return new Promise((resolveClose) => {
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolveClose();
    });
    server.closeIdleConnections();
  });
}

function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

export async function startLocalRegistry(options: LocalRegistryOptions = {}): Promise<LocalRegistry> {
  if (options.logLevel !== undefined) logger.setLogLevel(options.logLevel);
  const tableName = options.tableName ?? "namesrv";
  let dynamoDbLocal: DynamoDbLocal | undefined;
  let dynamodbEndpoint = options.dynamodbEndpoint;
  const dataDir = options.dataDir ?? ":memory:";
  if (dynamodbEndpoint === undefined) {
    // A JVM on a busy machine can take long to answer: a slow start is not a failed one.
    dynamoDbLocal = await startDynamoDbLocal({
      dataDir,
      startTimeoutMs: 120_000,
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    dynamodbEndpoint = dynamoDbLocal.endpoint;
  }
  const endpoint = dynamodbEndpoint;
  try {
    await ensureTableAt(endpoint, tableName);
    const handlers = await loadHandlers(tableName, endpoint, {
      SWEEP_INTERVAL_MS: String(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS),
      ...options.env,
    });
    const server = createLocalHttpServer({
      handlers: handlers.http,
      ...(options.token ? { token: options.token } : {}),
      ...(options.onRequest === undefined ? {} : { onRequest: options.onRequest }),
    });
    await listen(server, options.port ?? 0, options.host ?? "127.0.0.1");
    const { onSweep } = options;
    const sweep: SweepHandler =
      onSweep === undefined
        ? handlers.sweep
        : () =>
            handlers.sweep().then(
              (report) => {
                onSweep({ ok: true, report });
                return report;
              },
              (error: unknown) => {
                onSweep({ ok: false, error });
                throw error;
              },
            );
    const sweeper: SweeperTimer = startSweeperTimer(
      sweep,
      options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS,
      // functions/sweeper.ts has logged it; the next run will try again
      () => undefined,
    );
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        await Promise.all([closeGracefully(server), sweeper.stop()]);
        await dynamoDbLocal?.stop();
      })();
      return stopping;
    };
    if (dynamoDbLocal !== undefined) {
      // If DynamoDB Local dies under us, every request would answer 503 forever: restart it from its
      // data directory on the same port (the handlers hold the endpoint), or stop and say so.
      const fatal = (error: Error) => {
        void stop().then(() => {
          if (options.onFatal !== undefined) options.onFatal(error);
          else logger.error("The local registry stopped", { error });
        });
      };
      const port = dynamoDbLocal.port;
      if (dataDir === ":memory:") {
        void dynamoDbLocal.exited.then(() => {
          if (stopping !== undefined) return;
          fatal(
            new Error(
              `DynamoDB Local exited (${dynamoDbLocal?.exitReason()}); it kept its data in memory, so nothing is left to serve`,
            ),
          );
        });
      } else {
        superviseDynamoDbLocal(dynamoDbLocal, {
          maxRestartsPerMinute: MAX_DYNAMODB_RESTARTS,
          stopping: () => stopping !== undefined,
          restart: async () => {
            const next = await startDynamoDbLocal({ dataDir, port, startTimeoutMs: 120_000 });
            try {
              await ensureTableAt(next.endpoint, tableName);
            } catch (error) {
              await next.stop();
              throw error;
            }
            return next;
          },
          onRestarting: (reason, attempt) =>
            logger.warn(`DynamoDB Local ${reason}; restarting it from its data directory`, {
              attempt,
              dataDir,
            }),
          onRestarted: (next) => {
            dynamoDbLocal = next;
          },
          onFatal: fatal,
        });
      }
    }
    return {
      url: urlOf(server),
      dynamodbLocalPid: () => dynamoDbLocal?.pid,
      dynamodbEndpoint: endpoint,
      tableName,
      ...(dynamoDbLocal !== undefined
        ? { dataDir: dataDir === ":memory:" ? dataDir : resolve(dataDir) }
        : {}),
      stop,
    };
  } catch (error) {
    await dynamoDbLocal?.stop();
    throw error;
  }
}

export interface SpawnLocalRegistryOptions {
  tableName?: string;
  /** DynamoDB to use; when absent, the child starts its own DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Data directory of the child's own DynamoDB Local; `:memory:` by default. */
  dataDir?: string;
  sweepIntervalMs?: number;
  token?: string;
  host?: string;
  port?: number;
  /** RocketMQ remoting port of the child (REMOTING_PORT); 0 (the default here) turns it off. */
  remotingPort?: number;
  /** More environment for the child (self-preservation settings, log level, ...). */
  env?: Record<string, string>;
  /** How long to wait for the printed URL. */
  startTimeoutMs?: number;
}

export interface SpawnedRegistry {
  url: string;
  /** `host:port` of its RocketMQ remoting gateway (a broker's namesrvAddr), when one was asked for. */
  remotingAddr?: string;
  /** The child's process id. */
  pid: number;
  /** Everything the child printed so far. */
  output(): string;
  /** Resolves with the child's exit code when it exits, on its own or after stop(). */
  exited: Promise<number | null>;
  /** SIGTERM, then wait for the child to exit (its whole process group is SIGKILLed after 30 s); resolves to its exit code. */
  stop(): Promise<number | null>;
}

const STOP_TIMEOUT_MS = 30_000;
export const LISTENING_LINE = /NameServer listening on (http:\/\/\S+)/;
export const REMOTING_LINE = /RocketMQ remoting \(namesrvAddr\) on ([^\s;]+)/;
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

export async function spawnLocalRegistry(options: SpawnLocalRegistryOptions = {}): Promise<SpawnedRegistry> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(options.port ?? 0),
    REMOTING_PORT: String(options.remotingPort ?? 0),
    HOST: options.host ?? "127.0.0.1",
    TABLE_NAME: options.tableName ?? "namesrv",
    NAMESRV_DATA_DIR: options.dataDir ?? ":memory:",
    SWEEP_INTERVAL_MS: String(options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS),
    ...options.env,
  };
  delete env.DYNAMODB_ENDPOINT;
  delete env.NAMESRV_TOKEN;
  if (options.dynamodbEndpoint !== undefined) env.DYNAMODB_ENDPOINT = options.dynamodbEndpoint;
  if (options.token !== undefined) env.NAMESRV_TOKEN = options.token;

  // Its own process group (detached): if it ever has to be killed hard, its DynamoDB Local (a child in
  // the same group) goes with it instead of being orphaned.
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", MAIN], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.once("exit", killGroup);
  let output = "";
  const exited = new Promise<number | null>((resolveExit) =>
    child.once("exit", (code) => {
      process.removeListener("exit", killGroup);
      resolveExit(code);
    }),
  );
  const startTimeoutMs = options.startTimeoutMs ?? 150_000;
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      killGroup();
      reject(new Error(`The local registry did not start within ${startTimeoutMs} ms:\n${output}`));
    }, startTimeoutMs);
    // Until the banner: each chunk appended and the output searched for it. After it, appended only:
    // `npm start` prints a line per request, and searching a growing output for every chunk would
    // cost the parent time quadratic in the requests served (bench:remoting's driver is the parent).
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = LISTENING_LINE.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        for (const stream of [child.stdout, child.stderr]) {
          stream?.off("data", onData);
          stream?.on("data", append);
        }
        resolveUrl(match[1]);
      }
    };
    const append = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The local registry exited with code ${code} before listening:\n${output}`));
    });
  });
  let stopping: Promise<number | null> | undefined;
  const remotingAddr = REMOTING_LINE.exec(output)?.[1];
  return {
    url,
    ...(remotingAddr === undefined ? {} : { remotingAddr }),
    pid: child.pid ?? -1,
    output: () => output,
    exited,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGTERM");
          // A clean stop takes a few seconds (the JVM's own shutdown); a busy machine can take longer.
          const timer = setTimeout(killGroup, STOP_TIMEOUT_MS);
          const code = await exited;
          clearTimeout(timer);
          return code;
        }
        return child.exitCode;
      })();
      return stopping;
    },
  };
}
