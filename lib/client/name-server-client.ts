/**
 * The registry's HTTP API (API.md), one method per route, against one NameServer. The request and
 * response types are the model's own; responses are checked before they are trusted.
 */
import * as z from "zod";
/** A registration as a client sends it: the schema's input, so defaulted fields may be left out. */
import type {
  BrokerData,
  ClusterInfo,
  QueueData,
  RegisterBrokerBody,
  RegisterBrokerRequest,
  RegisterBrokerResult,
  TopicRouteData,
  UnregisterBrokerRequest,
} from "../domain/model";
import { NameServerClientError, pathOf, type Transport, type TransportResponse } from "./transport";

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
}) satisfies z.ZodType<TopicRouteData, unknown>;

const clusterInfoSchema = z.object({
  brokerAddrTable: z.record(z.string(), brokerDataSchema),
  clusterAddrTable: z.record(z.string(), z.array(z.string())),
}) satisfies z.ZodType<ClusterInfo, unknown>;

const registerResultSchema = z.object({
  masterAddr: z.string().optional(),
  haServerAddr: z.string().optional(),
  topicConfigApplied: z.boolean().default(false),
}) satisfies z.ZodType<RegisterBrokerResult, unknown>;

const memberGroupSchema = z.object({
  cluster: z.string(),
  brokerName: z.string(),
  brokerAddrs: z.record(z.string(), z.string()),
}) satisfies z.ZodType<BrokerMemberGroup, unknown>;

const nextCursor = { nextCursor: z.string().optional() };
const topicListSchema = z.object({ topicList: z.array(z.string()), ...nextCursor });
const clusterPageSchema = clusterInfoSchema.extend(nextCursor);
const writePermSchema = z.object({ affectedTopicCount: z.number() });
const kvValueSchema = z.object({ value: z.string() });
const kvTableSchema = z.object({ table: z.record(z.string(), z.string()), ...nextCursor });
/** Pages a listing may take before the client gives up (a server that never stops paging). */
const MAX_PAGES = 10_000;
const healthSchema = z.looseObject({ status: z.string() });

export class NameServerClient {
  constructor(
    readonly url: string,
    private readonly transport: Transport,
  ) {}

  /** REGISTER_BROKER: full registration, or a light heartbeat when `topicConfigTable` is absent. */
  async registerBroker(
    request: RegisterBrokerBody | RegisterBrokerRequest,
    timeoutMillis?: number,
  ): Promise<RegisterBrokerResult> {
    const response = await this.transport.request(this.url, {
      method: "POST",
      path: "/brokers/heartbeat",
      body: request,
      timeoutMillis,
    });
    return this.parse(registerResultSchema, response);
  }

  async unregisterBroker(request: UnregisterBrokerRequest, timeoutMillis?: number): Promise<void> {
    await this.transport.request(this.url, {
      method: "POST",
      path: "/brokers/unregister",
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
      path: pathOf("topics", topic, "route"),
      query: { zone: options.zone },
      headers: options.etag === undefined ? {} : { "if-none-match": options.etag },
    });
    const etag = response.headers.get("etag") ?? undefined;
    if (response.status === 304) return { notModified: true, ...(etag === undefined ? {} : { etag }) };
    const route = this.parse(topicRouteDataSchema, response);
    return { notModified: false, route, ...(etag === undefined ? {} : { etag }) };
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
  ): Promise<void> {
    let cursor: string | undefined;
    for (let pages = 0; pages < MAX_PAGES; pages++) {
      const response = await this.transport.request(this.url, {
        method: "GET",
        path,
        ...(cursor === undefined ? {} : { query: { cursor } }),
      });
      const page = this.parse(schema, response);
      onPage(page);
      if (page.nextCursor === undefined) return;
      cursor = page.nextCursor;
    }
    throw new Error(`${path}: more than ${MAX_PAGES} pages`);
  }

  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    await this.transport.request(this.url, {
      method: "DELETE",
      path: pathOf("topics", topic),
      query: { cluster: clusterName },
    });
  }

  async putKvConfig(namespace: string, key: string, value: string): Promise<void> {
    await this.transport.request(this.url, {
      method: "PUT",
      path: pathOf("kv", namespace, key),
      body: { value },
    });
  }

  async getKvConfig(namespace: string, key: string): Promise<string> {
    const response = await this.transport.request(this.url, {
      method: "GET",
      path: pathOf("kv", namespace, key),
    });
    return this.parse(kvValueSchema, response).value;
  }

  async deleteKvConfig(namespace: string, key: string): Promise<void> {
    await this.transport.request(this.url, { method: "DELETE", path: pathOf("kv", namespace, key) });
  }

  async getKvList(namespace: string): Promise<Record<string, string>> {
    const table: Record<string, string> = {};
    await this.eachPage(pathOf("kv", namespace), kvTableSchema, (page) => Object.assign(table, page.table));
    return table;
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
