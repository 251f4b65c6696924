/**
 * Topic routes for producers and consumers, the way RocketMQ's MQClientInstance keeps them: asked from
 * any of several NameServers (the one that answered last first, then the others in order), cached per
 * topic, refreshed every `pollNameServerIntervalMillis` with If-None-Match. When every NameServer fails
 * the last good route is kept on purpose (brokers usually outlive a registry outage); a NameServer's
 * TOPIC_NOT_EXIST removes it. Producers get publish queues and latency-aware queue selection.
 */

import { EventEmitter } from "node:events";
import type { TopicRouteData } from "../domain/model";
import { checkNameServerUrls } from "./addresses";
import { type Clock, type FaultStrategyOptions, MQFaultStrategy, systemClock } from "./fault-strategy";
import {
  NameServerClient,
  type RouteAnswer,
  type RoutesAnswer,
  UnexpectedResponseError,
} from "./name-server-client";
import {
  type MessageQueue,
  masterAddressOf,
  type TopicPublishInfo,
  topicRouteDataToPublishInfo,
} from "./publish-info";
import {
  NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
  Transport,
  type TransportOptions,
} from "./transport";

export const DEFAULT_POLL_NAME_SERVER_INTERVAL_MILLIS = 30_000;
/** POST /routes takes at most this many topics per call (API.md). */
const MAX_TOPICS_PER_BATCH = 1000;

export interface RouteClientOptions {
  /**
   * NameServer base URLs of the registry's HTTP API, e.g. `http://127.0.0.1:9877` (`npm start`'s HTTP
   * port; 9876 is the remoting port). Checked when the client is constructed (NameServerAddressError).
   */
  nameServers: readonly string[];
  /** A shared transport, or options for one of its own (auth, timeout). */
  transport?: Transport | TransportOptions;
  /** RocketMQ's `pollNameServerInterval`: how often cached routes are refreshed by `start()`. */
  pollNameServerIntervalMillis?: number;
  /** Only brokers of this zone (`?zone=`). */
  zone?: string;
  /** Clock of the fault tolerance (a fake one in tests). */
  clock?: Clock;
  faultStrategy?: Omit<FaultStrategyOptions, "clock">;
  /** Where each topic's round-robin starts; random by default, as RocketMQ's ThreadLocalIndex. */
  random?: () => number;
}

export interface RouteChange {
  topic: string;
  route: TopicRouteData;
  /** Absent the first time the topic is seen. */
  previous?: TopicRouteData;
  nameServer: string;
}

export interface RouteClientEvents {
  /** A topic's route was fetched for the first time or changed. */
  routeChanged: [RouteChange];
  /** A NameServer answered TOPIC_NOT_EXIST: the cached route is gone. */
  routeRemoved: [{ topic: string; previous: TopicRouteData; nameServer: string }];
  /** No NameServer answered: the last good route is kept. */
  routeStale: [{ topic: string; route: TopicRouteData; error: AllNameServersFailedError }];
}

/** Every NameServer failed (unreachable, timed out or 5xx); `errors` has one entry per NameServer. */
export class AllNameServersFailedError extends NameServerClientError {
  constructor(readonly errors: readonly NameServerClientError[]) {
    super(
      errors.map((e) => e.url).join(";"),
      `no NameServer answered: ${errors.map((e) => `${e.url}: ${e.message}`).join("; ")}`,
    );
  }
}

/** The route has no queue a producer may send to (no writable queue data of a group with a master). */
export class NoWritableQueueError extends Error {
  constructor(readonly topic: string) {
    super(`topic ${topic} has no writable queue on a broker group with a live master`);
    this.name = "NoWritableQueueError";
  }
}

export type RouteUpdate = "changed" | "unchanged" | "removed" | "stale";

interface CachedRoute {
  route: TopicRouteData;
  etag?: string;
  publishInfo: TopicPublishInfo;
}

export class RouteClient extends EventEmitter<RouteClientEvents> {
  readonly faultStrategy: MQFaultStrategy;
  readonly pollNameServerIntervalMillis: number;
  private readonly clients: NameServerClient[];
  private readonly zone: string | undefined;
  private readonly random: () => number;
  private readonly routes = new Map<string, CachedRoute>();
  private readonly inFlight = new Map<string, Promise<RouteUpdate>>();
  private lastAnswered: NameServerClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The NameServers answered POST /routes with 404 / 405: an older registry, asked topic by topic. */
  private batchUnsupported = false;

  constructor(options: RouteClientOptions) {
    super();
    const urls = checkNameServerUrls(options.nameServers);
    const interval = options.pollNameServerIntervalMillis ?? DEFAULT_POLL_NAME_SERVER_INTERVAL_MILLIS;
    if (!Number.isFinite(interval) || interval < 100) {
      throw new RangeError(`pollNameServerIntervalMillis must be at least 100, got ${interval}`);
    }
    this.pollNameServerIntervalMillis = interval;
    const transport =
      options.transport instanceof Transport ? options.transport : new Transport(options.transport);
    this.clients = urls.map((url) => new NameServerClient(url, transport));
    this.zone = options.zone;
    this.random = options.random ?? Math.random;
    this.faultStrategy = new MQFaultStrategy({
      ...options.faultStrategy,
      clock: options.clock ?? systemClock,
    });
  }

  /** The NameServer that answered last (tried first next time). */
  get lastNameServer(): string | undefined {
    return this.lastAnswered?.url;
  }

  /** Starts refreshing every cached route every `pollNameServerIntervalMillis`. */
  start(): this {
    if (this.timer === undefined) {
      this.timer = setInterval(() => void this.refreshAll(), this.pollNameServerIntervalMillis);
    }
    return this;
  }

  /** Stops the refresh timer and waits for a refresh under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** Topics with a cached route. */
  topics(): string[] {
    return [...this.routes.keys()];
  }

  /** The cached route, without asking a NameServer. */
  cachedRoute(topic: string): TopicRouteData | undefined {
    return this.routes.get(topic)?.route;
  }

  /**
   * The topic's route: the cached one, or asked from the NameServers the first time. Throws the
   * NameServer's TOPIC_NOT_EXIST (a NameServerRequestError) or AllNameServersFailedError.
   */
  async getRoute(topic: string): Promise<TopicRouteData> {
    return (await this.cached(topic)).route;
  }

  async getPublishInfo(topic: string): Promise<TopicPublishInfo> {
    return (await this.cached(topic)).publishInfo;
  }

  /**
   * The queue for the next send (RocketMQ's `selectOneMessageQueue`): round-robin, avoiding brokers that
   * recently failed or were slow, and `lastBrokerName` (the broker a retry moves away from).
   */
  async selectOneMessageQueue(topic: string, lastBrokerName?: string): Promise<MessageQueue> {
    const info = await this.getPublishInfo(topic);
    const queue = this.faultStrategy.selectOneMessageQueue(info, lastBrokerName);
    if (queue === undefined) throw new NoWritableQueueError(topic);
    return queue;
  }

  /** Reports how a send went: see MQFaultStrategy.updateFaultItem. */
  updateFaultItem(brokerName: string, currentLatency: number, isolation: boolean): void {
    this.faultStrategy.updateFaultItem(brokerName, currentLatency, isolation);
  }

  /** The master address of a broker group in the topic's cached route. */
  findBrokerAddressInPublish(topic: string, brokerName: string): string | undefined {
    const cached = this.routes.get(topic);
    return cached === undefined ? undefined : masterAddressOf(cached.route, brokerName);
  }

  /**
   * Refreshes every cached route now (what the timer does): one POST /routes per 1,000 topics with the
   * ETags held, so a poll costs one request, not one per topic. Against a registry without POST /routes
   * (404 / 405), one request per topic, as RocketMQ's clients do.
   */
  async refreshAll(): Promise<void> {
    if (this.polling !== undefined) return this.polling;
    this.polling = (async () => {
      const topics = this.topics();
      for (let start = 0; start < topics.length && !this.batchUnsupported; start += MAX_TOPICS_PER_BATCH) {
        try {
          await this.refreshBatch(topics.slice(start, start + MAX_TOPICS_PER_BATCH));
        } catch {
          // Reported through the events; a refresh never throws out of the timer.
        }
      }
      if (!this.batchUnsupported) return;
      for (const topic of topics) {
        try {
          await this.updateTopicRouteInfoFromNameServer(topic);
        } catch {
          // As above.
        }
      }
    })().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async refreshBatch(topics: string[]): Promise<void> {
    const known: Record<string, string> = {};
    for (const topic of topics) {
      const etag = this.routes.get(topic)?.etag;
      if (etag !== undefined) known[topic] = etag;
    }
    let answer: RoutesAnswer;
    let nameServer: string;
    try {
      ({ answer, nameServer } = await this.askNameServers((client) =>
        client.getRoutes(topics, { ...(this.zone === undefined ? {} : { zone: this.zone }), known }),
      ));
    } catch (error) {
      if (
        error instanceof NameServerRequestError &&
        (error.status === 405 || (error.status === 404 && error.code === "NOT_FOUND"))
      ) {
        this.batchUnsupported = true;
        return;
      }
      if (error instanceof AllNameServersFailedError) {
        for (const topic of topics) {
          const cached = this.routes.get(topic);
          if (cached !== undefined) this.emit("routeStale", { topic, route: cached.route, error });
        }
      }
      throw error;
    }
    for (const [topic, route] of Object.entries(answer.routes)) {
      this.apply(topic, route, answer.etags[topic], nameServer);
    }
    for (const topic of answer.missing) {
      const cached = this.routes.get(topic);
      if (cached === undefined) continue;
      this.routes.delete(topic);
      this.emit("routeRemoved", { topic, previous: cached.route, nameServer });
    }
  }

  /**
   * Asks the NameServers for the topic's route now (RocketMQ's `updateTopicRouteInfoFromNameServer`).
   * Resolves how the cache changed; rejects only when there was no cached route to fall back on.
   */
  updateTopicRouteInfoFromNameServer(topic: string): Promise<RouteUpdate> {
    const running = this.inFlight.get(topic);
    if (running !== undefined) return running;
    const update = this.fetchAndApply(topic).finally(() => this.inFlight.delete(topic));
    this.inFlight.set(topic, update);
    return update;
  }

  private async cached(topic: string): Promise<CachedRoute> {
    // A second round only when a concurrent refresh removed the route between the fetch and now; that
    // round then throws the NameServer's TOPIC_NOT_EXIST.
    for (let round = 0; round < 2; round++) {
      const cached = this.routes.get(topic);
      if (cached !== undefined) return cached;
      await this.updateTopicRouteInfoFromNameServer(topic);
    }
    const cached = this.routes.get(topic);
    if (cached === undefined) throw new Error(`the route of ${topic} keeps disappearing; try again`);
    return cached;
  }

  private async fetchAndApply(topic: string): Promise<RouteUpdate> {
    const cached = this.routes.get(topic);
    let answer: RouteAnswer;
    let nameServer: string;
    try {
      const etag = cached?.etag;
      ({ answer, nameServer } = await this.askNameServers((client) =>
        client.getRouteInfoByTopic(topic, {
          ...(this.zone === undefined ? {} : { zone: this.zone }),
          ...(etag === undefined ? {} : { etag }),
        }),
      ));
    } catch (error) {
      if (error instanceof NameServerRequestError && error.code === "TOPIC_NOT_EXIST") {
        if (cached !== undefined) {
          this.routes.delete(topic);
          this.emit("routeRemoved", { topic, previous: cached.route, nameServer: error.url });
          return "removed";
        }
        throw error;
      }
      if (error instanceof AllNameServersFailedError && cached !== undefined) {
        this.emit("routeStale", { topic, route: cached.route, error });
        return "stale";
      }
      throw error;
    }
    if (answer.notModified) {
      // Without a cached route no If-None-Match was sent, so a 304 would be the NameServer's bug.
      if (cached === undefined)
        throw new UnexpectedResponseError(nameServer, `${nameServer} answered 304 to a plain GET`);
      return "unchanged";
    }
    return this.apply(topic, answer.route, answer.etag, nameServer);
  }

  /** Takes a route a NameServer answered: replaces the cached one if it changed. */
  private apply(
    topic: string,
    route: TopicRouteData,
    etag: string | undefined,
    nameServer: string,
  ): RouteUpdate {
    const cached = this.routes.get(topic);
    if (cached !== undefined && sameRoute(cached.route, route)) {
      if (etag !== undefined) cached.etag = etag;
      return "unchanged";
    }
    const startIndex = Math.floor(this.random() * 1024);
    this.routes.set(topic, {
      route,
      ...(etag === undefined ? {} : { etag }),
      publishInfo: topicRouteDataToPublishInfo(topic, route, startIndex),
    });
    this.emit("routeChanged", {
      topic,
      route,
      ...(cached === undefined ? {} : { previous: cached.route }),
      nameServer,
    });
    return "changed";
  }

  /** The NameServer that answered last first, then the others in their configured order. */
  private async askNameServers<T>(
    ask: (client: NameServerClient) => Promise<T>,
  ): Promise<{ answer: T; nameServer: string }> {
    const last = this.lastAnswered;
    const order = last === undefined ? this.clients : [last, ...this.clients.filter((c) => c !== last)];
    const errors: NameServerClientError[] = [];
    for (const client of order) {
      try {
        const answer = await ask(client);
        this.lastAnswered = client;
        return { answer, nameServer: client.url };
      } catch (error) {
        if (!isFailoverError(error)) {
          if (error instanceof NameServerRequestError) this.lastAnswered = client;
          throw error;
        }
        errors.push(error);
      }
    }
    throw new AllNameServersFailedError(errors);
  }
}

/** Errors that say "this NameServer cannot answer now", so the next one is asked. */
function isFailoverError(error: unknown): error is NameServerClientError {
  if (error instanceof NameServerUnreachableError) return true;
  if (error instanceof NameServerRequestError) return error.status >= 500 || error.status === 429;
  return false;
}

/** RocketMQ's `topicRouteDataChanged`: the same route whatever the order of its lists and keys. */
export function sameRoute(a: TopicRouteData, b: TopicRouteData): boolean {
  return canonicalJson(normalizeRoute(a)) === canonicalJson(normalizeRoute(b));
}

function normalizeRoute(route: TopicRouteData): TopicRouteData {
  const byBrokerName = (x: { brokerName: string }, y: { brokerName: string }) =>
    x.brokerName < y.brokerName ? -1 : x.brokerName > y.brokerName ? 1 : 0;
  return {
    ...route,
    queueDatas: [...route.queueDatas].sort(byBrokerName),
    brokerDatas: [...route.brokerDatas].sort(byBrokerName),
  };
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
