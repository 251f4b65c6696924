/**
 * The registry's HTTP API (API.md), one method per route, against one NameServer. The request and
 * response types are the model's own; responses are checked before they are trusted.
 */

import * as z from "zod";
/** A registration as a client sends it: the schema's input, so defaulted fields may be left out. */
import type {
  BrokerData,
  BrokerLiveTable,
  ClusterInfo,
  DataVersion,
  QueryDataVersionResult,
  QueueData,
  RegisterBrokerBody,
  RegisterBrokerRequest,
  RegisterBrokerResult,
  SystemTopicList,
  TopicRouteData,
  UnitTopicKind,
  UnregisterBrokerRequest,
} from "../domain/model";
import { PLAIN_NAME_PATTERN } from "../domain/model";
import { checkNameServerUrl } from "./addresses";
import { NameServerClientError, pathOf, type Transport, type TransportResponse } from "./transport";

/**
 * The scoped form of a broker write (README "Security"): the path names the group, so an IAM policy
 * can limit a broker to its own. Names that are not plain (refused by the registry anyway) go to the
 * unscoped form, which answers the 400 naming the field.
 */
function brokerWritePath(
  request: { clusterName: string; brokerName: string },
  action: "heartbeat" | "unregister" | "touch" | "data-version",
): string {
  const { clusterName, brokerName } = request;
  if (!PLAIN_NAME_PATTERN.test(clusterName) || !PLAIN_NAME_PATTERN.test(brokerName)) {
    return `/brokers/${action}`;
  }
  return pathOf("clusters", clusterName, "brokers", brokerName, action);
}

/**
 * KV writes use the namespace-scoped path unless the namespace holds `%` (which AWS cannot route):
 * that one goes to the query form.
 */
const scopedKvNamespace = (namespace: string) => !namespace.includes("%");

export type { RegisterBrokerBody };

export interface BrokerMemberGroup {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
}

/** The answer to a route request: a new route with its ETag, or `notModified` for a 304. */
export type RouteAnswer =
  | { notModified: false; route: TopicRouteData; etag?: string }
  | { notModified: true; etag?: string };

/** The NameServer answered 2xx with a body that is not what API.md promises. */
export class UnexpectedResponseError extends NameServerClientError {}

const queueDataSchema = z.object({
  brokerName: z.string(),
  readQueueNums: z.number(),
  writeQueueNums: z.number(),
  perm: z.number(),
  topicSysFlag: z.number().default(0),
}) satisfies z.ZodType<QueueData, unknown>;

const brokerDataSchema = z.object({
  cluster: z.string(),
  brokerName: z.string(),
  brokerAddrs: z.record(z.string(), z.string()),
  zoneName: z.string().optional(),
  enableActingMaster: z.boolean().default(false),
}) satisfies z.ZodType<BrokerData, unknown>;

export const topicRouteDataSchema = z.object({
  queueDatas: z.array(queueDataSchema),
  brokerDatas: z.array(brokerDataSchema),
  filterServerTable: z.record(z.string(), z.array(z.string())).default({}),
  orderTopicConf: z.string().optional(),
  topicQueueMappingByBroker: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
}) satisfies z.ZodType<TopicRouteData, unknown>;

const clusterInfoSchema = z.object({
  brokerAddrTable: z.record(z.string(), brokerDataSchema),
  clusterAddrTable: z.record(z.string(), z.array(z.string())),
}) satisfies z.ZodType<ClusterInfo, unknown>;

const registerResultSchema = z.object({
  masterAddr: z.string().optional(),
  haServerAddr: z.string().optional(),
  topicConfigApplied: z.boolean().default(false),
  orderTopicConfig: z.object({ table: z.record(z.string(), z.string()) }).optional(),
}) satisfies z.ZodType<RegisterBrokerResult, unknown>;

const memberGroupSchema = z.object({
  cluster: z.string(),
  brokerName: z.string(),
  brokerAddrs: z.record(z.string(), z.string()),
}) satisfies z.ZodType<BrokerMemberGroup, unknown>;

const nextCursor = { nextCursor: z.string().optional() };
const topicListSchema = z.object({ topicList: z.array(z.string()), ...nextCursor });
const clusterPageSchema = clusterInfoSchema.extend(nextCursor);
const dataVersionSchema = z.object({
  stateVersion: z.number().default(0),
  timestamp: z.number(),
  counter: z.number(),
});

const brokerLiveTableSchema = z.object({
  now: z.number(),
  brokers: z.array(
    z.object({
      clusterName: z.string(),
      brokerName: z.string(),
      zoneName: z.string().optional(),
      enableActingMaster: z.boolean().default(false),
      brokerId: z.number(),
      brokerAddr: z.string(),
      haServerAddr: z.string().optional(),
      lastUpdateTimestamp: z.number(),
      heartbeatTimeoutMillis: z.number(),
      dataVersion: dataVersionSchema,
      preserved: z.boolean().default(false),
    }),
  ),
}) satisfies z.ZodType<BrokerLiveTable, unknown>;

const changesAnswerSchema = z.object({
  until: z.number(),
  complete: z.boolean(),
  entries: z.array(
    z.object({
      id: z.string(),
      time: z.number(),
      // Any action: what a gateway acts on is `broker`, `topics` and `allTopics`, so a registry
      // newer than its gateways (a new kind of change) is still understood.
      action: z.string(),
      broker: z.string().optional(),
      topics: z.array(z.string()),
      allTopics: z.literal(true).optional(),
    }),
  ),
  liveness: z
    .object({
      sweptAgoMs: z.number(),
      deadlines: z.record(z.string(), z.record(z.string(), z.number())),
      cut: z.literal(true).optional(),
    })
    .optional(),
  groups: z
    .record(
      z.string(),
      z
        .object({ brokerData: brokerDataSchema, filterServers: z.record(z.string(), z.array(z.string())) })
        .nullable(),
    )
    .optional(),
});

const routesAnswerSchema = z.object({
  routes: z.record(z.string(), topicRouteDataSchema),
  etags: z.record(z.string(), z.string()).default({}),
  unchanged: z.array(z.string()).default([]),
  missing: z.array(z.string()).default([]),
  /** Only when asked with `deadlines: true`: group → member address → ms left before its heartbeat timeout. */
  deadlines: z.record(z.string(), z.record(z.string(), z.number())).optional(),
  /** Only when asked with `changesSince`: the change feed since then and the liveness digest. */
  changes: changesAnswerSchema.optional(),
});
/** The answer of POST /routes. */
export type RoutesAnswer = z.output<typeof routesAnswerSchema>;

const systemTopicListSchema = z.object({
  topicList: z.array(z.string()),
  brokerAddr: z.string().optional(),
}) satisfies z.ZodType<SystemTopicList, unknown>;
const queryDataVersionSchema = z.object({
  changed: z.boolean(),
  dataVersion: dataVersionSchema.nullable(),
}) satisfies z.ZodType<QueryDataVersionResult, unknown>;
const configSchema = z.object({ config: z.record(z.string(), z.string()) });
const writePermSchema = z.object({ affectedTopicCount: z.number() });
const kvValueSchema = z.object({ value: z.string() });
const kvTableSchema = z.object({ table: z.record(z.string(), z.string()), ...nextCursor });
/** Pages a listing may take before the client gives up (a server that never stops paging). */
const MAX_PAGES = 10_000;
const healthSchema = z.looseObject({ status: z.string() });
const historyPageSchema = z.object({
  entries: z.array(
    z.looseObject({
      id: z.string(),
      time: z.number(),
      action: z.string(),
      caller: z.looseObject({ actor: z.looseObject({ kind: z.string() }) }),
      target: z.record(z.string(), z.string()),
      changes: z.array(z.looseObject({ field: z.string() })),
    }),
  ),
  nextCursor: z.string().optional(),
  retentionDays: z.number(),
});

/** GET /history's answer (README "History of changes"). */
export type HistoryPage = z.infer<typeof historyPageSchema>;
export type HistoryEntryView = HistoryPage["entries"][number];

export interface HistoryQueryOptions {
  /** Epoch ms or an RFC 3339 date-time. */
  since?: number | string;
  broker?: string;
  topic?: string;
  limit?: number;
  cursor?: string;
}

export class NameServerClient {
  constructor(
    readonly url: string,
    private readonly transport: Transport,
  ) {
    // An address this HTTP client cannot use fails here, not as "Invalid URL" on every request.
    checkNameServerUrl(url, "url");
  }

  /** REGISTER_BROKER: full registration, or a light heartbeat when `topicConfigTable` is absent. */
  async registerBroker(
    request: RegisterBrokerBody | RegisterBrokerRequest,
    timeoutMillis?: number,
  ): Promise<RegisterBrokerResult> {
    const response = await this.transport.request(this.url, {
      method: "POST",
      path: brokerWritePath(request, "heartbeat"),
      body: request,
      timeoutMillis,
    });
    return this.parse(registerResultSchema, response);
  }

  /** BROKER_HEARTBEAT: the member at that address is live again; a 409 when the registry lacks it. */
  async touchBroker(
    request: { clusterName: string; brokerName: string; brokerAddr: string },
    timeoutMillis?: number,
  ): Promise<void> {
    await this.transport.request(this.url, {
      method: "POST",
      path: brokerWritePath(request, "touch"),
      body: request,
      timeoutMillis,
    });
  }

  /** QUERY_DATA_VERSION: whether the registry holds this member with exactly this dataVersion. */
  async queryDataVersion(
    request: {
      clusterName: string;
      brokerName: string;
      brokerId: number;
      brokerAddr: string;
      dataVersion: DataVersion;
    },
    timeoutMillis?: number,
  ): Promise<QueryDataVersionResult> {
    const response = await this.transport.request(this.url, {
      method: "POST",
      path: brokerWritePath(request, "data-version"),
      body: request,
      timeoutMillis,
    });
    return this.parse(queryDataVersionSchema, response);
  }

  async unregisterBroker(request: UnregisterBrokerRequest, timeoutMillis?: number): Promise<void> {
    await this.transport.request(this.url, {
      method: "POST",
      path: brokerWritePath(request, "unregister"),
      body: request,
      timeoutMillis,
    });
  }

  async getBrokerMemberGroup(clusterName: string, brokerName: string): Promise<BrokerMemberGroup> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: pathOf("brokers", clusterName, brokerName),
    });
    return this.parse(memberGroupSchema, response);
  }

  async setWritePerm(brokerName: string, writable: boolean): Promise<{ affectedTopicCount: number }> {
    const response = await this.transport.request(this.url, {
      method: "PUT",
      path: pathOf("brokers", brokerName, "write-perm"),
      body: { writable },
    });
    return this.parse(writePermSchema, response);
  }

  /** GET_ROUTEINFO_BY_TOPIC; with `etag`, a 304 answers `notModified`. Throws TOPIC_NOT_EXIST as a 404. */
  async getRouteInfoByTopic(
    topic: string,
    options: { zone?: string; etag?: string } = {},
  ): Promise<RouteAnswer> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: "/route",
      query: { topic, zone: options.zone },
      headers: options.etag === undefined ? {} : { "if-none-match": options.etag },
    });
    const etag = response.headers.get("etag") ?? undefined;
    if (response.status === 304) return { notModified: true, ...(etag === undefined ? {} : { etag }) };
    const route = this.parse(topicRouteDataSchema, response);
    return { notModified: false, route, ...(etag === undefined ? {} : { etag }) };
  }

  /**
   * POST /routes: the routes of up to 1,000 topics in one call. `known` holds the ETags of the routes
   * the caller has: those that still hold come back in `unchanged`, without a body. `deadlines`
   * (an extension) asks also for the milliseconds left before each listed member's heartbeat timeout,
   * for the topics in `routes` and in `unchanged` (members kept by self-preservation left out).
   * `changesSince` (an extension, epoch ms on the registry's clock) asks also for `changes`: the
   * change feed since then and the sweeper's liveness digest; `topics` may then be empty.
   */
  async getRoutes(
    topics: readonly string[],
    options: {
      zone?: string;
      known?: Readonly<Record<string, string>>;
      deadlines?: boolean;
      changesSince?: number;
    } = {},
  ): Promise<RoutesAnswer> {
    const response = await this.transport.request(this.url, {
      method: "POST",
      path: "/routes",
      body: {
        topics,
        ...(options.zone === undefined ? {} : { zone: options.zone }),
        ...(options.known === undefined ? {} : { known: options.known }),
        ...(options.deadlines === true ? { deadlines: true } : {}),
        ...(options.changesSince === undefined ? {} : { changesSince: options.changesSince }),
      },
    });
    return this.parse(routesAnswerSchema, response);
  }

  /** GET_BROKER_CLUSTER_INFO; a large answer comes in pages, which this merges. */
  async getBrokerClusterInfo(): Promise<ClusterInfo> {
    const info: ClusterInfo = { brokerAddrTable: {}, clusterAddrTable: {} };
    await this.eachPage("/clusters", clusterPageSchema, (page) => {
      Object.assign(info.brokerAddrTable, page.brokerAddrTable);
      for (const [cluster, names] of Object.entries(page.clusterAddrTable)) {
        info.clusterAddrTable[cluster] = [...(info.clusterAddrTable[cluster] ?? []), ...names];
      }
    });
    return info;
  }

  /** GET /brokers: every live instance with its last heartbeat, its timeout and the registry's clock. */
  async listBrokers(): Promise<BrokerLiveTable> {
    const response = await this.transport.request(this.url, { method: "GET", path: "/brokers" });
    return this.parse(brokerLiveTableSchema, response);
  }

  /** GET_ALL_TOPIC_LIST_FROM_NAMESERVER, every page. */
  async getAllTopicList(): Promise<string[]> {
    const topics: string[] = [];
    await this.eachPage("/topics", topicListSchema, (page) => topics.push(...page.topicList));
    return topics;
  }

  async getTopicsByCluster(clusterName: string): Promise<string[]> {
    const topics: string[] = [];
    await this.eachPage(pathOf("clusters", clusterName, "topics"), topicListSchema, (page) =>
      topics.push(...page.topicList),
    );
    return topics;
  }

  /** Follows a listing's `nextCursor` (lib/http/pagination.ts) until the last page. */
  private async eachPage<T extends { nextCursor?: string | undefined }>(
    path: string,
    schema: z.ZodType<T>,
    onPage: (page: T) => void,
    query: Record<string, string> = {},
  ): Promise<void> {
    let cursor: string | undefined;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const response = await this.transport.request(this.url, {
        method: "GET",
        path,
        query: cursor === undefined ? query : { ...query, cursor },
      });
      const page = this.parse(schema, response);
      onPage(page);
      if (page.nextCursor === undefined) return;
      cursor = page.nextCursor;
    }
    throw new Error(`${path}: more than ${MAX_PAGES} pages`);
  }

  /** REGISTER_TOPIC_IN_NAMESRV: queue data for groups that are registered (others are ignored). */
  async registerTopic(topic: string, queueDatas: QueueData[]): Promise<void> {
    await this.transport.request(this.url, { method: "POST", path: "/topics", body: { topic, queueDatas } });
  }

  /** GET_SYSTEM_TOPIC_LIST_FROM_NS: cluster and broker names, and one live broker address. */
  async getSystemTopicList(): Promise<SystemTopicList> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: "/topics",
      query: { system: "true" },
    });
    return this.parse(systemTopicListSchema, response);
  }

  /** GET_UNIT_TOPIC_LIST (`unit`), GET_HAS_UNIT_SUB_TOPIC_LIST (`unit-sub`), GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST. */
  async getUnitTopicList(kind: UnitTopicKind): Promise<string[]> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: "/topics",
      query: { unit: kind },
    });
    return this.parse(topicListSchema, response).topicList;
  }

  /** GET_NAMESRV_CONFIG: every setting by name. */
  async getConfig(): Promise<Record<string, string>> {
    const response = await this.transport.request(this.url, { method: "GET", path: "/config" });
    return this.parse(configSchema, response).config;
  }

  /** UPDATE_NAMESRV_CONFIG: in force on every instance within seconds. */
  async updateConfig(config: Record<string, string | boolean>): Promise<void> {
    await this.transport.request(this.url, { method: "PUT", path: "/config", body: { config } });
  }

  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    await this.transport.request(this.url, {
      method: "DELETE",
      path: "/topics",
      query: { topic, cluster: clusterName },
    });
  }

  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.transport.request(this.url, {
      method: "PUT",
      ...(scopedKvNamespace(namespace)
        ? { path: pathOf("namespaces", namespace, "kv"), query: { key } }
        : { path: "/kv", query: { namespace, key } }),
      body: { value },
    });
  }

  async getKvConfig(namespace: string, key: string): Promise<string> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: "/kv",
      query: { namespace, key },
    });
    return this.parse(kvValueSchema, response).value;
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    await this.transport.request(this.url, {
      method: "DELETE",
      ...(scopedKvNamespace(namespace)
        ? { path: pathOf("namespaces", namespace, "kv"), query: { key } }
        : { path: "/kv", query: { namespace, key } }),
    });
  }

  async getKvList(namespace: string): Promise<Record<string, string>> {
    const table: Record<string, string> = {};
    await this.eachPage("/kv", kvTableSchema, (page) => Object.assign(table, page.table), { namespace });
    return table;
  }

  /** GET /history: one page of the history of changes, oldest first. */
  async getHistory(options: HistoryQueryOptions = {}): Promise<HistoryPage> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: "/history",
      query: {
        since: options.since === undefined ? undefined : String(options.since),
        broker: options.broker,
        topic: options.topic,
        limit: options.limit === undefined ? undefined : String(options.limit),
        cursor: options.cursor,
      },
    });
    return this.parse(historyPageSchema, response);
  }

  async health(): Promise<{ status: string }> {
    const response = await this.transport.request(this.url, { method: "GET", path: "/health" });
    return this.parse(healthSchema, response);
  }

  private parse<T>(schema: z.ZodType<T>, response: TransportResponse): T {
    const result = schema.safeParse(response.body);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue === undefined ? "" : ` (${issue.path.join(".") || "body"}: ${issue.message})`;
      throw new UnexpectedResponseError(this.url, `unexpected answer from ${this.url}${where}`);
    }
    return result.data;
  }
}
