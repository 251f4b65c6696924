/**
 * The admin commands over RocketMQ's remoting protocol (REMOTING.md §3): what `namesrv -n host:port`
 * speaks, to this registry's gateway or to RocketMQ's own NameServer. Each AdminEndpoint method is one
 * request code; answers are decoded as RocketMQ writes them (fastjson bodies whose integer map keys
 * may be unquoted, Properties text for the config) and RocketMQ's response codes become the same
 * errors the HTTP client raises (TOPIC_NOT_EXIST, QUERY_NOT_FOUND, ...), so the commands print the
 * same output whichever protocol answered.
 */

import type { BrokerMemberGroup } from "../client/name-server-client";
import { NameServerRequestError, NameServerUnreachableError } from "../client/transport";
import type { ClusterInfo, TopicRouteData } from "../domain/model";
import { parseLenientJson } from "../remoting/fastjson";
import { formatProperties, parseProperties } from "../remoting/properties";
import { RequestCode, ResponseCode, responseCodeName, ZONE_MODE, ZONE_NAME } from "../remoting/protocol";
import { RemotingClient, RemotingConnectError, RemotingTimeoutError } from "../remoting/remoting-client";
import type { AdminEndpoint, SystemTopicList, UnitTopicKind } from "./admin-endpoint";
import { UnexpectedAnswerError } from "./admin-endpoint";

/** RocketMQ response codes, with the HTTP status and error code the HTTP API uses for the same case. */
const RESPONSE_STATUS: Record<number, number> = {
  [ResponseCode.SYSTEM_ERROR]: 500,
  [ResponseCode.SYSTEM_BUSY]: 503,
  [ResponseCode.REQUEST_CODE_NOT_SUPPORTED]: 501,
  [ResponseCode.NO_PERMISSION]: 403,
  [ResponseCode.TOPIC_NOT_EXIST]: 404,
  [ResponseCode.QUERY_NOT_FOUND]: 404,
  [ResponseCode.INVALID_PARAMETER]: 400,
  [ResponseCode.GO_AWAY]: 503,
};

/** The response of one request, as the remoting client hands it back. */
export interface RemotingAnswer {
  code: number;
  remark?: string;
  extFields?: Record<string, string>;
  body?: Buffer;
}

/** What the adapter needs of a remoting connection (lib/remoting's RemotingClient has it). */
export interface RemotingInvoker {
  invoke(
    code: number,
    extFields: Record<string, string>,
    body?: Buffer,
    timeoutMs?: number,
  ): Promise<RemotingAnswer>;
  close(): void;
}

const UNIT_CODES: Record<UnitTopicKind, number> = {
  unit: RequestCode.GET_UNIT_TOPIC_LIST,
  "unit-sub": RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST,
  "unit-sub-ununit": RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
};

/** AdminEndpoint over one remoting connection, opened on first use. */
export class RemotingAdminEndpoint implements AdminEndpoint {
  readonly protocol = "remoting" as const;
  private invoker: RemotingInvoker | undefined;

  constructor(
    readonly address: string,
    private readonly open: (address: string) => RemotingInvoker,
    private readonly timeoutMillis: number,
  ) {}

  /** One request by code, answered or turned into the client's errors (for requests to brokers). */
  async invoke(code: number, extFields: Record<string, string> = {}): Promise<RemotingAnswer> {
    return this.call(code, extFields);
  }

  private async call(
    code: number,
    extFields: Record<string, string> = {},
    body?: Buffer,
  ): Promise<RemotingAnswer> {
    this.invoker ??= this.open(this.address);
    let answer: RemotingAnswer;
    try {
      answer = await this.invoker.invoke(code, extFields, body, this.timeoutMillis);
    } catch (error) {
      if (error instanceof RemotingTimeoutError) {
        throw new NameServerUnreachableError(this.address, "timeout", { cause: error });
      }
      if (error instanceof RemotingConnectError || (error as NodeJS.ErrnoException).code !== undefined) {
        throw new NameServerUnreachableError(this.address, "network", { cause: error });
      }
      throw error;
    }
    if (answer.code !== 0) {
      const status = RESPONSE_STATUS[answer.code] ?? 500;
      const code = responseCodeName(answer.code) ?? `CODE_${answer.code}`;
      const remark = (answer.remark ?? "").split("\nSee http")[0]?.trim() || `response code ${answer.code}`;
      throw new NameServerRequestError(this.address, status, code, remark);
    }
    return answer;
  }

  private json<T>(answer: RemotingAnswer, what: string): T {
    if (answer.body === undefined || answer.body.length === 0) {
      throw new UnexpectedAnswerError(
        this.address,
        `unexpected answer from ${this.address} (no ${what} body)`,
      );
    }
    try {
      return parseLenientJson(answer.body.toString("utf8")) as T;
    } catch {
      throw new UnexpectedAnswerError(
        this.address,
        `unexpected answer from ${this.address} (${what} is not JSON)`,
      );
    }
  }

  private count(answer: RemotingAnswer, field: string): number {
    const value = Number(answer.extFields?.[field]);
    return Number.isFinite(value) ? value : 0;
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const info = this.json<ClusterInfo>(await this.call(RequestCode.GET_BROKER_CLUSTER_INFO), "ClusterInfo");
    for (const b of Object.values(info.brokerAddrTable ?? {})) b.enableActingMaster ??= false;
    return { brokerAddrTable: info.brokerAddrTable ?? {}, clusterAddrTable: info.clusterAddrTable ?? {} };
  }
  async topicList(): Promise<string[]> {
    return this.json<SystemTopicList>(
      await this.call(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
      "TopicList",
    ).topicList.sort();
  }
  async topicsByCluster(cluster: string): Promise<string[]> {
    return this.json<SystemTopicList>(
      await this.call(RequestCode.GET_TOPICS_BY_CLUSTER, { cluster }),
      "TopicList",
    ).topicList.sort();
  }
  async route(topic: string, zone?: string): Promise<TopicRouteData> {
    const ext: Record<string, string> = { topic };
    if (zone !== undefined) Object.assign(ext, { [ZONE_NAME]: zone, [ZONE_MODE]: "true" });
    const route = this.json<TopicRouteData>(
      await this.call(RequestCode.GET_ROUTEINFO_BY_TOPIC, ext),
      "TopicRouteData",
    );
    return {
      ...route,
      queueDatas: (route.queueDatas ?? []).map((q) => ({ ...q, topicSysFlag: q.topicSysFlag ?? 0 })),
      brokerDatas: (route.brokerDatas ?? []).map((b) => ({
        ...b,
        enableActingMaster: b.enableActingMaster ?? false,
      })),
      filterServerTable: route.filterServerTable ?? {},
    };
  }
  async brokerMemberGroup(cluster: string, broker: string): Promise<BrokerMemberGroup> {
    const body = this.json<{ brokerMemberGroup?: Partial<BrokerMemberGroup> }>(
      await this.call(RequestCode.GET_BROKER_MEMBER_GROUP, { clusterName: cluster, brokerName: broker }),
      "BrokerMemberGroup",
    );
    return { cluster, brokerName: broker, brokerAddrs: body.brokerMemberGroup?.brokerAddrs ?? {} };
  }
  async setWritePerm(broker: string, writable: boolean): Promise<number> {
    const answer = await this.call(
      writable ? RequestCode.ADD_WRITE_PERM_OF_BROKER : RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      { brokerName: broker },
    );
    return this.count(answer, writable ? "addTopicCount" : "wipeTopicCount");
  }
  async deleteTopic(topic: string, cluster?: string): Promise<void> {
    await this.call(RequestCode.DELETE_TOPIC_IN_NAMESRV, {
      topic,
      ...(cluster === undefined ? {} : { clusterName: cluster }),
    });
  }
  async getKv(namespace: string, key: string): Promise<string> {
    const answer = await this.call(RequestCode.GET_KV_CONFIG, { namespace, key });
    return answer.extFields?.value ?? "";
  }
  async putKv(namespace: string, key: string, value: string): Promise<void> {
    await this.call(RequestCode.PUT_KV_CONFIG, { namespace, key, value });
  }
  async deleteKv(namespace: string, key: string): Promise<void> {
    await this.call(RequestCode.DELETE_KV_CONFIG, { namespace, key });
  }
  async kvList(namespace: string): Promise<Record<string, string>> {
    const body = this.json<{ table?: Record<string, string> }>(
      await this.call(RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace }),
      "KVTable",
    );
    return body.table ?? {};
  }
  async getConfig(): Promise<Record<string, string>> {
    const answer = await this.call(RequestCode.GET_NAMESRV_CONFIG);
    return parseProperties(answer.body?.toString("utf8") ?? "");
  }
  async updateConfig(config: Record<string, string>): Promise<void> {
    await this.call(RequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from(formatProperties(config), "utf8"));
  }
  async systemTopicList(): Promise<SystemTopicList> {
    return this.json<SystemTopicList>(
      await this.call(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS),
      "TopicList",
    );
  }
  async unitTopicList(kind: UnitTopicKind): Promise<string[]> {
    return this.json<SystemTopicList>(await this.call(UNIT_CODES[kind]), "TopicList").topicList;
  }
  close(): void {
    this.invoker?.close();
  }
}

export function connectRemoting(address: string, timeoutMillis: number): AdminEndpoint {
  return new RemotingAdminEndpoint(
    address,
    (addr) => new RemotingClient(addr, { timeoutMs: timeoutMillis, connectTimeoutMs: timeoutMillis }),
    timeoutMillis,
  );
}

/** RocketMQ's DELETE_TOPIC_IN_BROKER (`RequestCode.DELETE_TOPIC_IN_BROKER`), sent to brokers, not NameServers. */
export const DELETE_TOPIC_IN_BROKER = 215;

/**
 * Deletes a topic on one broker (DELETE_TOPIC_IN_BROKER, 215, header `topic`), as mqadmin's deleteTopic
 * does on every master of the cluster before the NameServers: otherwise the broker's next registration
 * brings the topic back. Throws NameServerUnreachableError / NameServerRequestError like the admin calls.
 */
export async function deleteTopicInBroker(
  brokerAddr: string,
  topic: string,
  timeoutMillis: number,
): Promise<void> {
  const client = new RemotingClient(brokerAddr, {
    timeoutMs: timeoutMillis,
    connectTimeoutMs: timeoutMillis,
  });
  const broker = new RemotingAdminEndpoint(brokerAddr, () => client, timeoutMillis);
  try {
    await broker.invoke(DELETE_TOPIC_IN_BROKER, { topic });
  } finally {
    client.close();
  }
}
