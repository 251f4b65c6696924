/**
 * The RocketMQ protocol gateway: the remoting server, the processor table and the route cache in
 * front of one registry, reached only through its typed HTTP client. `npm start` runs it beside the
 * local HTTP API; `namesrv gateway` runs it alone in front of any deployment (runGateway).
 *
 * BrokerHousekeepingService: RocketMQ's NameServer unregisters a broker as soon as the TCP
 * connection it registered on closes. The gateway does the same for brokers registered through it
 * (the latest connection a broker registered on is the one that counts); `unregisterOnClose: false`
 * turns it off, e.g. for several gateways in front of one registry where a broker's connection to
 * one of them may drop while it still registers through another. A gateway that is itself going
 * away (shutdown: SIGTERM, a deploy or scale-in replacing its task) unregisters nobody: its brokers
 * are alive, reconnect (GO_AWAY, or through the load balancer to another gateway) and keep
 * heartbeating.
 *
 * Once a minute (countersIntervalMs; `namesrv gateway` sets it) the gateway logs one JSON line of counters since the last one:
 * requests by code, answers by code, SYSTEM_BUSY, overload rejections, GO_AWAY, connections, route
 * cache hits, brokers unregistered on close (the managed endpoint's metric filters read it).
 */
import type { Socket } from "node:net";
import { isOneway } from "../remoting/codec";
import type { FrameBudgetLimits } from "../remoting/frame-budget";
import type { BrokerIdentity, ConnectionContext, Processor } from "../remoting/processor";
import { RequestCode, ResponseCode, requestCodeName } from "../remoting/protocol";
import {
  type RemotingServer,
  type RemotingServerStats,
  type RemotingTlsOptions,
  startRemotingServer,
} from "../remoting/server";
import type { RemotingAccessControl, RemotingCaller } from "./acl/access";
import { createProcessorTable, replyForError } from "./processors";
import type { RegistryApi } from "./registry-api";
import { withRemotingCaller } from "./remoting-caller";
import { RouteCache } from "./route-cache";
import { SteadyRegistrations } from "./steady-registration";
import { unregisterOnClose as unregisterOnCloseWithRetry } from "./unregister-on-close";

export const DEFAULT_ROUTE_CACHE_INTERVAL_MS = 30_000;
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_COUNTERS_INTERVAL_MS = 60_000;

export interface RemotingGatewayOptions {
  host?: string;
  port: number;
  /** The registry: a NameServerClient (lib/client/name-server-client.ts). */
  client: RegistryApi;
  /** Route cache refresh period; 0 turns the cache off. Default 30 s. */
  routeCacheIntervalMs?: number;
  /**
   * Refresh rounds learn what changed from the registry's change feed (lib/gateway/route-cache.ts);
   * false refetches every cached topic each round. Default true.
   */
  routeChangeFeed?: boolean;
  /** With the change feed: every cached topic is refetched at least this often. Default an hour. */
  routeFullRefreshEveryMs?: number;
  /** The registry client's request timeout: bounds how old a cached route may be (interval + one request). */
  requestTimeoutMs?: number;
  /** BrokerHousekeepingService: unregister a broker when its connection closes. Default true. */
  unregisterOnClose?: boolean;
  /** Pauses between retries of an unregister-on-close the registry could not take (unregister-on-close.ts). */
  unregisterRetryDelaysMs?: readonly number[];
  /**
   * The steady-registration lever: a REGISTER_BROKER identical to the last accepted one goes as a
   * light heartbeat, the full body at least every this many registrations (1: always in full).
   * Default 10 (lib/remoting/steady-registration.ts).
   */
  fullRegistrationEvery?: number;
  /** See RemotingServerOptions. */
  maxInFlight?: number;
  maxQueued?: number;
  idleTimeoutMs?: number;
  /** The budget of unfinished frames over all connections (lib/remoting/frame-budget.ts). */
  frameBudget?: Partial<FrameBudgetLimits>;
  /** Accept TLS (RocketMQ's `tls.server.mode` permissive or enforcing); plaintext only by default. */
  tls?: RemotingTlsOptions;
  log?: (line: string) => void;
  now?: () => number;
  /** How often the counters line is logged; 0 (the default) turns it off. `namesrv gateway`: 60 s. */
  countersIntervalMs?: number;
  /**
   * Accounts and request signatures (lib/remoting/acl): when given, every request is checked before
   * its processor runs and a refused one is answered NO_PERMISSION without reaching the registry.
   * Without it, every request is let through (RocketMQ's NameServer's own behaviour).
   */
  acl?: RemotingAccessControl;
  /**
   * Runs each let-through request's processing with its caller (for the registry's history: who
   * sent it, from where). Default: withRemotingCaller, which a transport built with
   * `contextHeaders: remotingCallerHeaders` turns into a header on the registry calls.
   */
  withCaller?: <T>(caller: RemotingCaller & { remoteAddress: string }, run: () => Promise<T>) => Promise<T>;
  /** Called once per answered request (`npm start`'s request lines): code, response code, duration. */
  onRequest?: (entry: RemotingRequestLogEntry) => void;
}

export interface RemotingRequestLogEntry {
  /** When the request arrived (ms since the epoch). */
  time: number;
  code: number;
  responseCode: number;
  durationMs: number;
  extFields: Readonly<Record<string, string>>;
}

export interface RemotingGateway {
  readonly port: number;
  readonly routes: RouteCache;
  readonly steady: SteadyRegistrations;
  readonly server: RemotingServer;
  /** What the gateway counted since it started. */
  counters(): GatewayCounters;
  /** Graceful shutdown (RemotingServer#shutdown): drain for up to drainMs, unregister nobody. */
  shutdown(drainMs: number): Promise<void>;
  /** The access control in force, if accounts are configured. */
  readonly acl?: RemotingAccessControl;
  close(): Promise<void>;
}

/** Cumulative counters; the log line carries the differences between two of these. */
export interface GatewayCounters {
  server: RemotingServerStats;
  connections: number;
  cacheHits: number;
  cacheDirectFetches: number;
  cacheBatchRequests: number;
  cacheFailedBatches: number;
  /** Refresh rounds answered by the change feed, and rounds that refetched every topic. */
  cacheFeedRounds: number;
  cacheFullRounds: number;
  brokersUnregisteredOnClose: number;
}

function copyCounters(counters: GatewayCounters): GatewayCounters {
  return {
    ...counters,
    server: {
      ...counters.server,
      requestsByCode: new Map(counters.server.requestsByCode),
      responsesByCode: new Map(counters.server.responsesByCode),
    },
  };
}

function countsSince(now: Map<number, number>, before: Map<number, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [code, count] of [...now].sort((a, b) => a[0] - b[0])) {
    const delta = count - (before.get(code) ?? 0);
    if (delta > 0) out[String(code)] = delta;
  }
  return out;
}

/**
 * The once-a-minute log line: one JSON object, counts since `before` (connections: open now).
 * `event` is what the endpoint's metric filters select on; keep the top-level field names.
 */
export function countersLine(before: GatewayCounters, now: GatewayCounters, intervalMs: number): string {
  const responses = countsSince(now.server.responsesByCode, before.server.responsesByCode);
  return JSON.stringify({
    event: "gateway.counters",
    intervalSeconds: Math.round(intervalMs / 1000),
    requests: now.server.requests - before.server.requests,
    systemBusy: responses[String(ResponseCode.SYSTEM_BUSY)] ?? 0,
    overloadRejections: now.server.overloadRejections - before.server.overloadRejections,
    goAway: now.server.goAway - before.server.goAway,
    connections: now.connections,
    connectionsOpened: now.server.connectionsOpened - before.server.connectionsOpened,
    connectionsClosed: now.server.connectionsClosed - before.server.connectionsClosed,
    cacheHits: now.cacheHits - before.cacheHits,
    cacheDirectFetches: now.cacheDirectFetches - before.cacheDirectFetches,
    cacheBatchRequests: now.cacheBatchRequests - before.cacheBatchRequests,
    cacheFailedBatches: now.cacheFailedBatches - before.cacheFailedBatches,
    cacheFeedRounds: now.cacheFeedRounds - before.cacheFeedRounds,
    cacheFullRounds: now.cacheFullRounds - before.cacheFullRounds,
    brokersUnregisteredOnClose: now.brokersUnregisteredOnClose - before.brokersUnregisteredOnClose,
    requestsByCode: countsSince(now.server.requestsByCode, before.server.requestsByCode),
    responsesByCode: responses,
  });
}

function brokerKey(broker: Pick<BrokerIdentity, "clusterName" | "brokerAddr">): string {
  return `${broker.clusterName}\u0000${broker.brokerAddr}`;
}

interface TrackedConnection extends ConnectionContext {
  readonly brokers: Map<string, BrokerIdentity>;
}

/**
 * Puts the access check (when accounts are configured) and the caller context in front of every
 * processor. A refusal is logged once (never a secret: the key, the code, the reason) and answered
 * NO_PERMISSION; for a oneway request (BROKER_HEARTBEAT) there is no answer to send.
 */
function guard(
  table: Map<number, Processor>,
  options: Pick<RemotingGatewayOptions, "acl" | "withCaller">,
  log: (line: string) => void,
): Map<number, Processor> {
  const { acl } = options;
  const withCaller = options.withCaller ?? withRemotingCaller;
  return new Map(
    [...table].map(([code, processor]): [number, Processor] => [
      code,
      async (request, connection) => {
        let caller: RemotingCaller = { role: "anonymous" };
        if (acl !== undefined) {
          const decision = acl.check(request);
          if (!decision.allowed) {
            const name = requestCodeName(code) ?? `code ${code}`;
            log(
              `remoting: refused ${name} from ${connection.remoteAddress}${isOneway(request) ? " (oneway)" : ""}: ${decision.reason}`,
            );
            return { code: ResponseCode.NO_PERMISSION, remark: `[NO_PERMISSION] ${decision.reason}` };
          }
          caller = decision.caller;
        }
        return withCaller({ ...caller, remoteAddress: connection.remoteAddress }, () =>
          processor(request, connection),
        );
      },
    ]),
  );
}

/** The requests by which a broker shows it is alive, each naming its cluster and address. */
const SIGNS_OF_LIFE: ReadonlySet<number> = new Set([
  RequestCode.REGISTER_BROKER,
  RequestCode.BROKER_HEARTBEAT,
  RequestCode.QUERY_DATA_VERSION,
]);

/** Calls `seen` with the broker's (cluster, addr) key for every let-through sign of life. */
function observeBrokers(table: Map<number, Processor>, seen: (key: string) => void): Map<number, Processor> {
  return new Map(
    [...table].map(([code, processor]): [number, Processor] => [
      code,
      SIGNS_OF_LIFE.has(code)
        ? (request, connection) => {
            const { clusterName, brokerAddr } = request.extFields;
            if (clusterName !== undefined && brokerAddr !== undefined) {
              seen(brokerKey({ clusterName, brokerAddr }));
            }
            return processor(request, connection);
          }
        : processor,
    ]),
  );
}

export async function startRemotingGateway(options: RemotingGatewayOptions): Promise<RemotingGateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const intervalMs = options.routeCacheIntervalMs ?? DEFAULT_ROUTE_CACHE_INTERVAL_MS;
  const routes = new RouteCache({
    api: options.client,
    intervalMs,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    ...(options.routeChangeFeed === undefined ? {} : { changeFeed: options.routeChangeFeed }),
    ...(options.routeFullRefreshEveryMs === undefined
      ? {}
      : { fullRefreshEveryMs: options.routeFullRefreshEveryMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const steady = new SteadyRegistrations(options.fullRegistrationEvery);
  /** broker (cluster, addr) → how many times it showed itself (register, heartbeat, data-version query). */
  const signsOfLife = new Map<string, number>();
  const table = guard(
    observeBrokers(createProcessorTable({ api: options.client, routes, steady }), (key) =>
      signsOfLife.set(key, (signsOfLife.get(key) ?? 0) + 1),
    ),
    options,
    log,
  );
  const { onRequest } = options;
  const processors =
    onRequest === undefined
      ? table
      : new Map(
          [...table].map(([code, processor]): [number, Processor] => [
            code,
            async (request, connection) => {
              const time = Date.now();
              const started = performance.now();
              const reply = await processor(request, connection).catch((error: unknown) =>
                replyForError(error),
              );
              onRequest({
                time,
                code,
                responseCode: reply.code,
                durationMs: performance.now() - started,
                extFields: request.extFields,
              });
              return reply;
            },
          ]),
        );
  const unregisterOnClose = options.unregisterOnClose ?? true;
  /** broker (cluster, addr) → the connection it last registered on. */
  const latest = new Map<string, TrackedConnection>();
  let brokersUnregisteredOnClose = 0;

  const connectionContext = (socket: Socket): TrackedConnection => {
    const brokers = new Map<string, BrokerIdentity>();
    const context: TrackedConnection = {
      remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`,
      brokers,
      brokerRegistered(broker) {
        brokers.set(brokerKey(broker), broker);
        latest.set(brokerKey(broker), context);
      },
      brokerUnregistered(broker) {
        brokers.delete(brokerKey(broker));
        if (latest.get(brokerKey(broker)) === context) latest.delete(brokerKey(broker));
      },
    };
    return context;
  };

  const onConnectionClosed = (closed: ConnectionContext) => {
    const connection = closed as TrackedConnection;
    for (const [key, broker] of connection.brokers) {
      if (latest.get(key) !== connection) continue;
      latest.delete(key);
      steady.forget(key);
      if (!unregisterOnClose) continue;
      brokersUnregisteredOnClose++;
      log(
        `remoting: connection of broker ${broker.brokerName} (${broker.brokerAddr}, id ${broker.brokerId}) closed: unregistering it`,
      );
      const signsAtClose = signsOfLife.get(key);
      void unregisterOnCloseWithRetry(broker, {
        unregister: (b) => options.client.unregisterBroker(b),
        cameBack: () => signsOfLife.get(key) !== signsAtClose,
        onUnregistered: (b) => routes.invalidateBroker(b.brokerName),
        log,
        ...(options.unregisterRetryDelaysMs === undefined
          ? {}
          : { delaysMs: options.unregisterRetryDelaysMs }),
      });
    }
  };

  const server = await startRemotingServer({
    port: options.port,
    processors,
    replyForError,
    connectionContext,
    onConnectionClosed,
    log,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
    ...(options.maxQueued === undefined ? {} : { maxQueued: options.maxQueued }),
    ...(options.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.idleTimeoutMs }),
    ...(options.frameBudget === undefined ? {} : { frameBudget: options.frameBudget }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });

  const timer =
    intervalMs > 0
      ? setInterval(() => {
          routes.refresh().catch(() => {});
        }, intervalMs)
      : undefined;
  timer?.unref();

  const counters = (): GatewayCounters => ({
    server: server.stats,
    connections: server.connectionCount,
    cacheHits: routes.stats.hits,
    cacheDirectFetches: routes.stats.directFetches,
    cacheBatchRequests: routes.stats.batchRequests,
    cacheFailedBatches: routes.stats.failedBatches,
    cacheFeedRounds: routes.stats.feedRounds,
    cacheFullRounds: routes.stats.fullRounds,
    brokersUnregisteredOnClose,
  });
  const countersIntervalMs = options.countersIntervalMs ?? 0;
  let lastCounters = copyCounters(counters());
  const logCounters = () => {
    const now = copyCounters(counters());
    log(countersLine(lastCounters, now, countersIntervalMs));
    lastCounters = now;
  };
  const countersTimer = countersIntervalMs > 0 ? setInterval(logCounters, countersIntervalMs) : undefined;
  countersTimer?.unref();
  const stopTimers = () => {
    if (timer !== undefined) clearInterval(timer);
    if (countersTimer !== undefined) clearInterval(countersTimer);
  };

  return {
    port: server.port,
    routes,
    steady,
    server,
    counters: () => copyCounters(counters()),
    shutdown: async (drainMs: number) => {
      await server.shutdown(drainMs);
      stopTimers();
      // The last minute's counts are not lost with the task.
      if (countersIntervalMs > 0) logCounters();
    },
    ...(options.acl === undefined ? {} : { acl: options.acl }),
    close: async () => {
      stopTimers();
      await server.close();
    },
  };
}
