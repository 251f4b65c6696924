/**
 * `namesrv gateway --listen HOST:PORT --url <API URL>`: the RocketMQ protocol in front of any
 * deployment of the registry, for a broker or client host (a sidecar). It signs with the default
 * AWS credential chain (SigV4) or a bearer token, through the same typed client as everything else.
 *
 * Lifecycle: `--health-port` serves `GET /health` (lib/gateway/health.ts); on SIGTERM / SIGINT the
 * gateway drains (`--drain-timeout`, RemotingServer#shutdown: GO_AWAY, in-flight finished, nobody
 * unregistered) and exits; its counters are logged once a minute as one JSON line.
 */
import { NameServerClient } from "../client/name-server-client";
import { type Auth, regionFromUrl, Transport } from "../client/transport";
import { DEFAULT_FRAME_BUDGET, describeFrameBudget, type FrameBudgetLimits } from "../remoting/frame-budget";
import { parseAddress } from "../remoting/remoting-client";
import type { RemotingTlsOptions } from "../remoting/server";
import { loadTlsSettings, type RemotingTlsSettings, type TlsSettingNames } from "../remoting/tls-settings";
import { RemotingAccessControl } from "./acl/access";
import { type AclConfig, describeAclConfig } from "./acl/acl-config";
import { loadAclFromEnvironment } from "./acl/acl-source";
import {
  DEFAULT_COUNTERS_INTERVAL_MS,
  DEFAULT_ROUTE_CACHE_INTERVAL_MS,
  type RemotingGateway,
  startRemotingGateway,
} from "./gateway";
import { type HealthServer, startHealthServer } from "./health";
import { registryApiOf } from "./registry-api";
import { remotingCallerHeaders } from "./remoting-caller";

export interface GatewayCommandOptions {
  /** `HOST:PORT` to listen on (`0.0.0.0:9876` for every interface). */
  listen: string;
  /** The registry's HTTP API. */
  url: string;
  auth: Auth;
  timeoutMillis?: number;
  routeCacheIntervalMs?: number;
  /** With the change feed: every cached topic refetched at least this often (default an hour). */
  routeFullRefreshEveryMs?: number;
  unregisterOnClose?: boolean;
  /** Port of `GET /health`; none by default. */
  healthPort?: number;
  /** Interface of `GET /health`; the --listen host by default (a sidecar listening on 127.0.0.1 names 0.0.0.0 for the kubelet). */
  healthHost?: string;
  /** How long a SIGTERM'd gateway drains (GO_AWAY, in flight) before it closes. Default 15 s. */
  drainMs?: number;
  /** The remoting server's budget for unfinished frames over all connections; DEFAULT_FRAME_BUDGET where unset. */
  frameBudget?: Partial<FrameBudgetLimits>;
  /** The counters line's period; 0 off. Default 60 s. */
  countersIntervalMs?: number;
  /**
   * Remoting accounts; when absent they are read from the environment (NAMESRV_ACL_FILE or
   * NAMESRV_ACL_SECRET_ARN, see acl/acl-source.ts), and with neither every request is let through.
   */
  acl?: AclConfig;
  /** TLS on the remoting port (`--tls-mode`, `--tls-cert`, `--tls-key`); plaintext only without. */
  tls?: GatewayTlsSettings;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

/** The files to read, and what each setting was called where it was given (for messages). */
export type GatewayTlsSettings = RemotingTlsSettings & { names?: TlsSettingNames };

const TLS_FLAGS: TlsSettingNames = { mode: "--tls-mode", cert: "--tls-cert", key: "--tls-key" };

export const DEFAULT_DRAIN_MS = 15_000;

export interface RunningGateway {
  readonly gateway: RemotingGateway;
  readonly health?: HealthServer;
  /** Graceful stop: /health answers 503 (draining), the remoting server drains, then both close. */
  stop(): Promise<void>;
}

export async function runGateway(options: GatewayCommandOptions): Promise<RunningGateway> {
  const { host, port } = parseListen(options.listen);
  const acl = options.acl ?? (await loadAclFromEnvironment(options.env ?? process.env));
  let tls: RemotingTlsOptions | undefined;
  if (options.tls !== undefined) {
    const { names, ...settings } = options.tls;
    tls = await loadTlsSettings(settings, names ?? TLS_FLAGS);
  }
  const timeoutMillis = options.timeoutMillis ?? 5000;
  const transport = new Transport({
    auth: defaultAuth(options.auth, options.url),
    timeoutMillis,
    contextHeaders: remotingCallerHeaders,
  });
  const client = new NameServerClient(options.url.replace(/\/+$/, ""), transport);
  const gateway = await startRemotingGateway({
    host,
    port,
    client: registryApiOf(client),
    requestTimeoutMs: timeoutMillis,
    routeCacheIntervalMs: options.routeCacheIntervalMs ?? DEFAULT_ROUTE_CACHE_INTERVAL_MS,
    ...(options.routeFullRefreshEveryMs === undefined
      ? {}
      : { routeFullRefreshEveryMs: options.routeFullRefreshEveryMs }),
    ...(options.unregisterOnClose === undefined ? {} : { unregisterOnClose: options.unregisterOnClose }),
    countersIntervalMs: options.countersIntervalMs ?? DEFAULT_COUNTERS_INTERVAL_MS,
    ...(options.frameBudget === undefined ? {} : { frameBudget: options.frameBudget }),
    ...(acl === undefined ? {} : { acl: new RemotingAccessControl(acl) }),
    ...(tls === undefined ? {} : { tls }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  let health: HealthServer | undefined;
  if (options.healthPort !== undefined) {
    try {
      health = await startHealthServer({
        host: options.healthHost ?? host,
        port: options.healthPort,
        probe: () => client.health(),
        draining: () => gateway.server.shuttingDown,
        details: () => ({ connections: gateway.server.connectionCount, inFlight: gateway.server.inFlight }),
      });
    } catch (error) {
      await gateway.close();
      throw new Error(`--health-port ${options.healthPort}: ${(error as Error).message}`);
    }
  }
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  return {
    gateway,
    ...(health === undefined ? {} : { health }),
    stop: async () => {
      await gateway.shutdown(drainMs);
      await health?.close();
    },
  };
}

/**
 * In front of API Gateway (an execute-api URL) the gateway signs with the machine's AWS credentials
 * (the default chain: environment, profile, ECS task role, EC2 instance role) unless told otherwise.
 */
export function defaultAuth(auth: Auth, url: string): Auth {
  if (auth.kind !== "none") return auth;
  return regionFromUrl(url) === undefined ? auth : { kind: "sigv4" };
}

/** `HOST:PORT`, or `:PORT` / `PORT` for 127.0.0.1; port 0 picks a free one. */
export function parseListen(listen: string): { host: string; port: number } {
  const trimmed = listen.trim();
  if (/^:?\d{1,5}$/.test(trimmed)) {
    const port = Number(trimmed.replace(":", ""));
    if (port > 65535) throw new Error(`--listen: port out of range in "${listen}"`);
    return { host: "127.0.0.1", port };
  }
  if (/:0$/.test(trimmed)) return { host: parseAddress(trimmed.replace(/:0$/, ":1")).host, port: 0 };
  return parseAddress(trimmed);
}

/** The CLI's `gateway` command: start, say where, serve until the signal, stop. Returns the exit code. */
export async function runGatewayCommand(
  options: GatewayCommandOptions & { signal?: AbortSignal; stdout: (text: string) => void },
): Promise<number> {
  const running = await runGateway(options);
  const { gateway, health } = running;
  const acl = gateway.acl;
  const { host } = parseListen(options.listen);
  options.stdout(
    `RocketMQ remoting gateway listening on ${host}:${gateway.port}, registry ${options.url}` +
      ` (route cache ${options.routeCacheIntervalMs === 0 ? "off" : `every ${options.routeCacheIntervalMs ?? DEFAULT_ROUTE_CACHE_INTERVAL_MS} ms`}` +
      `${options.unregisterOnClose === false ? "; brokers kept when their connection closes" : ""}` +
      `${options.tls === undefined ? "" : options.tls.mode === "enforcing" ? "; TLS only" : "; TLS and plaintext (permissive)"}` +
      `${health === undefined ? "" : `; GET /health on ${options.healthHost ?? host}:${health.port}`}` +
      `${options.frameBudget === undefined ? "" : `; ${describeFrameBudget({ ...DEFAULT_FRAME_BUDGET, ...options.frameBudget })}`}` +
      `${acl === undefined ? "" : `; signed requests only: ${describeAclConfig(acl.config)}`})\n`,
  );
  await new Promise<void>((resolve) => {
    if (options.signal === undefined) return;
    if (options.signal.aborted) resolve();
    else options.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const drainMs = options.drainMs ?? DEFAULT_DRAIN_MS;
  options.stdout(
    `draining for up to ${drainMs} ms (GO_AWAY to RocketMQ 5.x clients; no broker is unregistered)\n`,
  );
  await running.stop();
  options.stdout("gateway stopped\n");
  return 0;
}
