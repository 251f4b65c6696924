/**
 * The broker side of the registry: RocketMQ's `BrokerController.registerBrokerAll` on a timer. The agent
 * registers with every NameServer in parallel every `registerNameServerPeriodMillis`; it sends the full
 * topic table on first contact, when the dataVersion changed and when a NameServer asks for it (409
 * FULL_REGISTRATION_REQUIRED, answered at once), and light heartbeats otherwise. Each NameServer has its
 * own timer and its own backoff, so one that is down never delays the others. `stop()` unregisters.
 */

import { EventEmitter } from "node:events";
import type { z } from "zod";
import {
  type DataVersion,
  type dataVersionSchema,
  type RegisterBrokerResult,
  registerBrokerSchema,
  type TopicConfigTableInput,
  type UnregisterBrokerRequest,
} from "../domain/model";
import { checkNameServerUrls } from "./addresses";
import { NameServerClient, type RegisterBrokerBody } from "./name-server-client";
import {
  type NameServerClientError,
  NameServerRequestError,
  Transport,
  type TransportOptions,
} from "./transport";

export const DEFAULT_REGISTER_NAME_SERVER_PERIOD_MILLIS = 30_000;
/** RocketMQ's bounds on `registerNameServerPeriod`. */
export const MIN_REGISTER_NAME_SERVER_PERIOD_MILLIS = 10_000;
export const MAX_REGISTER_NAME_SERVER_PERIOD_MILLIS = 60_000;

/** Who the broker is: the fields of every registration but the topic state. */
export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddr: string;
  haServerAddr?: string;
  zoneName?: string;
  enableActingMaster?: boolean;
  heartbeatTimeoutMillis?: number;
}

export type TopicConfigTable = TopicConfigTableInput;

/** The broker's current topics, as its TopicConfigManager holds them. */
export interface BrokerTopicState {
  topicConfigTable: TopicConfigTable;
  /** Changes whenever the table changes; `stateVersion` defaults to 0. */
  dataVersion: z.input<typeof dataVersionSchema>;
  filterServerList?: string[];
}

export interface BackoffOptions {
  /** Delay after the first failure. */
  initialMillis?: number;
  /** Cap of the exponential growth; the register period by default. */
  maxMillis?: number;
}

export interface BrokerAgentOptions {
  broker: BrokerIdentity;
  /**
   * NameServer base URLs of the registry's HTTP API, e.g. `http://127.0.0.1:9877` (`npm start`'s HTTP
   * port; 9876 is the remoting port). Checked when the agent is constructed (NameServerAddressError).
   */
  nameServers: readonly string[];
  /** Called before each registration: the broker's topic table and dataVersion now. */
  topicState: () => BrokerTopicState | Promise<BrokerTopicState>;
  /** RocketMQ's `registerNameServerPeriod`: 10 000 to 60 000 ms, 30 000 by default. */
  registerNameServerPeriodMillis?: number;
  /** A shared transport, or options for one of its own (auth, timeout, gzip threshold). */
  transport?: Transport | TransportOptions;
  backoff?: BackoffOptions;
  /**
   * Uniform in [0, 1): the jitter of every retry delay (tests pass a seeded one).
   * @default Math.random
   */
  random?: () => number;
}

/** Why a registration carried the full topic table. */
export type FullRegistrationReason = "firstContact" | "dataVersionChanged" | "fullRegistrationRequired";

export interface RegistrationEvent {
  nameServer: string;
  /** For a slave whose master is live: the master's address and HA address. */
  masterAddr?: string;
  haServerAddr?: string;
  topicConfigApplied: boolean;
}

export interface BrokerAgentEvents {
  /** A full registration (with the topic table) succeeded. */
  registered: [RegistrationEvent & { reason: FullRegistrationReason }];
  /** A light heartbeat succeeded. */
  heartbeat: [RegistrationEvent];
  /**
   * A request to one NameServer failed. Emitted only when someone listens, so that an agent without an
   * `error` listener never crashes its process (Node throws on unhandled `error` events).
   */
  error: [{ nameServer: string; error: NameServerClientError | Error; operation: "register" | "unregister" }];
  /** The next attempt at this NameServer is delayed. */
  backoff: [{ nameServer: string; delayMillis: number; consecutiveFailures: number }];
  unregistered: [{ nameServer: string }];
}

export type NameServerStatus = "connecting" | "registered" | "backoff" | "stopped";

/** What `start()` did: whether the first registration reached a NameServer, and each one's state. */
export interface BrokerAgentStartResult {
  /** Registered with at least one NameServer. */
  registered: boolean;
  /** Registered with every NameServer. */
  registeredWithAll: boolean;
  nameServers: NameServerState[];
}

export interface NameServerState {
  nameServer: string;
  status: NameServerStatus;
  consecutiveFailures: number;
  /** The dataVersion this NameServer acknowledged last. */
  acknowledgedDataVersion?: DataVersion;
  lastSuccessAt?: number;
  lastError?: string;
  masterAddr?: string;
  haServerAddr?: string;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"): a
 * delay drawn uniformly from [0, min(cap, initial × 2^(failures-1))), so that a fleet whose NameServer
 * came back does not return in lockstep. A 503's Retry-After is a floor: the draw is added to it.
 */
export function computeBackoffMillis(
  consecutiveFailures: number,
  options: Required<BackoffOptions>,
  retryAfterMillis?: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, consecutiveFailures - 1);
  const ceiling = Math.min(options.maxMillis, options.initialMillis * 2 ** Math.min(exponent, 30));
  const jittered = Math.floor(Math.min(Math.max(random(), 0), 1) * ceiling);
  return retryAfterMillis === undefined ? jittered : retryAfterMillis + jittered;
}

/** Checks `registerNameServerPeriodMillis` the way RocketMQ bounds `registerNameServerPeriod`. */
export function checkRegisterPeriod(periodMillis: number): number {
  if (
    !Number.isInteger(periodMillis) ||
    periodMillis < MIN_REGISTER_NAME_SERVER_PERIOD_MILLIS ||
    periodMillis > MAX_REGISTER_NAME_SERVER_PERIOD_MILLIS
  ) {
    throw new RangeError(
      `registerNameServerPeriodMillis must be an integer from ${MIN_REGISTER_NAME_SERVER_PERIOD_MILLIS} to ${MAX_REGISTER_NAME_SERVER_PERIOD_MILLIS}, got ${periodMillis}`,
    );
  }
  return periodMillis;
}

interface PerNameServer {
  client: NameServerClient;
  state: NameServerState;
  /** What this NameServer holds: the dataVersion and filter servers of the last registration it took. */
  acknowledged?: { dataVersion: DataVersion; filterServers: string };
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

export class BrokerAgent extends EventEmitter<BrokerAgentEvents> {
  readonly registerNameServerPeriodMillis: number;
  private readonly broker: BrokerIdentity;
  private readonly topicState: BrokerAgentOptions["topicState"];
  private readonly backoff: Required<BackoffOptions>;
  private readonly random: () => number;
  private readonly nameServers: PerNameServer[];
  private started = false;
  private stopping: Promise<void> | undefined;

  constructor(options: BrokerAgentOptions) {
    super();
    const urls = checkNameServerUrls(options.nameServers);
    this.registerNameServerPeriodMillis = checkRegisterPeriod(
      options.registerNameServerPeriodMillis ?? DEFAULT_REGISTER_NAME_SERVER_PERIOD_MILLIS,
    );
    this.broker = checkIdentity(options.broker);
    const timeout = this.broker.heartbeatTimeoutMillis;
    if (timeout !== undefined && timeout <= this.registerNameServerPeriodMillis) {
      throw new RangeError(
        `heartbeatTimeoutMillis (${timeout}) must be longer than the register period (${this.registerNameServerPeriodMillis}), or the broker expires between heartbeats`,
      );
    }
    this.topicState = options.topicState;
    this.random = options.random ?? Math.random;
    this.backoff = {
      initialMillis: options.backoff?.initialMillis ?? 1000,
      maxMillis: options.backoff?.maxMillis ?? this.registerNameServerPeriodMillis,
    };
    const transport =
      options.transport instanceof Transport ? options.transport : new Transport(options.transport);
    this.nameServers = urls.map((url) => ({
      client: new NameServerClient(url, transport),
      state: { nameServer: url, status: "connecting", consecutiveFailures: 0 },
    }));
  }

  /**
   * Registers with every NameServer now; resolves when each has answered or failed once, with whether
   * the first registration succeeded (`registered`: with at least one NameServer) and each one's state.
   * A NameServer that failed is retried with backoff; the agent keeps running either way.
   */
  async start(): Promise<BrokerAgentStartResult> {
    if (this.stopping !== undefined) throw new Error("the agent was stopped; create a new one");
    if (!this.started) {
      this.started = true;
      await Promise.all(this.nameServers.map((ns) => this.attempt(ns)));
    }
    const nameServers = this.states();
    return {
      registered: nameServers.some((ns) => ns.status === "registered"),
      registeredWithAll: nameServers.every((ns) => ns.status === "registered"),
      nameServers,
    };
  }

  /**
   * Registers with every NameServer now instead of at its next tick (RocketMQ registers at once when a
   * topic is created or changed); a NameServer in backoff is tried too.
   */
  async registerNow(): Promise<void> {
    if (!this.started || this.stopping !== undefined) throw new Error("the agent is not running");
    await Promise.all(
      this.nameServers.map(async (ns) => {
        await ns.running;
        await this.attempt(ns);
      }),
    );
  }

  /** A snapshot of each NameServer's state. */
  states(): NameServerState[] {
    return this.nameServers.map((ns) => ({ ...ns.state }));
  }

  /**
   * Stops the timers, waits for registrations under way and unregisters from every NameServer in
   * parallel (RocketMQ's `unregisterBrokerAll`), unless `unregister` is false. Never rejects.
   */
  stop(options: { unregister?: boolean } = {}): Promise<void> {
    this.stopping ??= this.shutdown(options.unregister ?? true);
    return this.stopping;
  }

  private async shutdown(unregister: boolean): Promise<void> {
    for (const ns of this.nameServers) clearTimeout(ns.timer);
    await Promise.all(this.nameServers.map((ns) => ns.running));
    const request: UnregisterBrokerRequest = {
      clusterName: this.broker.clusterName,
      brokerName: this.broker.brokerName,
      brokerId: this.broker.brokerId,
      brokerAddr: this.broker.brokerAddr,
    };
    await Promise.all(
      this.nameServers.map(async (ns) => {
        ns.state.status = "stopped";
        if (!unregister || !this.started) return;
        try {
          await ns.client.unregisterBroker(request);
          this.emit("unregistered", { nameServer: ns.client.url });
        } catch (error) {
          ns.state.lastError = messageOf(error);
          this.reportError(ns, error, "unregister");
        }
      }),
    );
  }

  /** One registration at one NameServer, then the next one scheduled. */
  private attempt(ns: PerNameServer): Promise<void> {
    clearTimeout(ns.timer);
    const run = this.register(ns).finally(() => {
      if (ns.running === run) ns.running = undefined;
    });
    ns.running = run;
    return run;
  }

  private async register(ns: PerNameServer): Promise<void> {
    if (this.stopping !== undefined) return;
    let delay = this.registerNameServerPeriodMillis;
    try {
      await this.registerOnce(ns);
      ns.state.consecutiveFailures = 0;
      ns.state.status = "registered";
      ns.state.lastSuccessAt = Date.now();
    } catch (error) {
      ns.state.consecutiveFailures += 1;
      ns.state.status = "backoff";
      ns.state.lastError = messageOf(error);
      const retryAfter =
        error instanceof NameServerRequestError && error.status === 503 ? error.retryAfterMillis : undefined;
      delay = computeBackoffMillis(ns.state.consecutiveFailures, this.backoff, retryAfter, this.random);
      this.reportError(ns, error, "register");
      this.emit("backoff", {
        nameServer: ns.client.url,
        delayMillis: delay,
        consecutiveFailures: ns.state.consecutiveFailures,
      });
    }
    if (this.stopping === undefined) {
      ns.timer = setTimeout(() => void this.attempt(ns), delay);
    }
  }

  private async registerOnce(ns: PerNameServer): Promise<void> {
    const topicState = await this.topicState();
    const dataVersion: DataVersion = { stateVersion: 0, ...topicState.dataVersion };
    const filterServers = JSON.stringify(topicState.filterServerList ?? []);
    const acknowledged = ns.acknowledged;
    let reason: FullRegistrationReason | undefined;
    if (acknowledged === undefined) reason = "firstContact";
    else if (
      !sameDataVersion(acknowledged.dataVersion, dataVersion) ||
      acknowledged.filterServers !== filterServers
    ) {
      reason = "dataVersionChanged";
    }

    let result: RegisterBrokerResult;
    try {
      result = await this.send(ns, topicState, dataVersion, reason !== undefined);
    } catch (error) {
      if (reason !== undefined || !isFullRegistrationRequired(error)) throw error;
      // The NameServer lost or never had our table (it restarted, or expired us): resend it at once.
      reason = "fullRegistrationRequired";
      result = await this.send(ns, topicState, dataVersion, true);
    }
    ns.acknowledged = { dataVersion, filterServers };
    ns.state.acknowledgedDataVersion = dataVersion;
    setOrDelete(ns.state, "masterAddr", result.masterAddr);
    setOrDelete(ns.state, "haServerAddr", result.haServerAddr);
    const event: RegistrationEvent = {
      nameServer: ns.client.url,
      ...(result.masterAddr === undefined ? {} : { masterAddr: result.masterAddr }),
      ...(result.haServerAddr === undefined ? {} : { haServerAddr: result.haServerAddr }),
      topicConfigApplied: result.topicConfigApplied,
    };
    if (reason === undefined) this.emit("heartbeat", event);
    else this.emit("registered", { ...event, reason });
  }

  private send(
    ns: PerNameServer,
    topicState: BrokerTopicState,
    dataVersion: DataVersion,
    full: boolean,
  ): Promise<RegisterBrokerResult> {
    const body: RegisterBrokerBody = {
      ...this.broker,
      dataVersion,
      ...(full ? { topicConfigTable: topicState.topicConfigTable } : {}),
      ...(full && topicState.filterServerList !== undefined
        ? { filterServerList: topicState.filterServerList }
        : {}),
    };
    return ns.client.registerBroker(body);
  }

  private reportError(ns: PerNameServer, error: unknown, operation: "register" | "unregister"): void {
    if (this.listenerCount("error") === 0) return;
    this.emit("error", {
      nameServer: ns.client.url,
      error: error instanceof Error ? error : new Error(String(error)),
      operation,
    });
  }
}

function checkIdentity(broker: BrokerIdentity): BrokerIdentity {
  const parsed = registerBrokerSchema.safeParse({ ...broker, dataVersion: { timestamp: 0, counter: 0 } });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new RangeError(`invalid broker identity: ${problems}`);
  }
  return { ...broker };
}

function isFullRegistrationRequired(error: unknown): boolean {
  return error instanceof NameServerRequestError && error.code === "FULL_REGISTRATION_REQUIRED";
}

function sameDataVersion(a: DataVersion, b: DataVersion): boolean {
  return a.stateVersion === b.stateVersion && a.timestamp === b.timestamp && a.counter === b.counter;
}

function setOrDelete(
  state: NameServerState,
  key: "masterAddr" | "haServerAddr",
  value: string | undefined,
): void {
  if (value === undefined) delete state[key];
  else state[key] = value;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
