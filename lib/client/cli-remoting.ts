/**
 * The admin commands over RocketMQ's remoting protocol (REMOTING.md §3): what `namesrv -n host:port`
 * speaks, to this registry's gateway or to RocketMQ's own NameServer. Each AdminEndpoint method is one
 * request code; answers are decoded as RocketMQ writes them (fastjson bodies whose integer map keys
 * may be unquoted, Properties text for the config) and RocketMQ's response codes become the same
 * errors the HTTP client raises (TOPIC_NOT_EXIST, QUERY_NOT_FOUND, ...), so the commands print the
 * same output whichever protocol answered.
 */
import type { ClusterInfo, TopicRouteData } from "../domain/model";
import type { AdminEndpoint, SystemTopicList, UnitTopicKind } from "./cli-admin";
import { UnexpectedAnswerError } from "./cli-admin";
import type { BrokerMemberGroup } from "./name-server-client";
import { NameServerRequestError, NameServerUnreachableError } from "./transport";

/** RocketMQ request codes the admin commands send (RequestCode.java). */
export const AdminRequestCode = {
  PUT_KV_CONFIG: 100,
  GET_KV_CONFIG: 101,
  DELETE_KV_CONFIG: 102,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  WIPE_WRITE_PERM_OF_BROKER: 205,
  GET_ALL_TOPIC_LIST_FROM_NAMESERVER: 206,
  DELETE_TOPIC_IN_NAMESRV: 216,
  GET_KVLIST_BY_NAMESPACE: 219,
  GET_TOPICS_BY_CLUSTER: 224,
  GET_SYSTEM_TOPIC_LIST_FROM_NS: 304,
  GET_UNIT_TOPIC_LIST: 311,
  GET_HAS_UNIT_SUB_TOPIC_LIST: 312,
  GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST: 313,
  UPDATE_NAMESRV_CONFIG: 318,
  GET_NAMESRV_CONFIG: 319,
  ADD_WRITE_PERM_OF_BROKER: 327,
  GET_BROKER_MEMBER_GROUP: 901,
} as const;

/** RocketMQ response codes, with the HTTP status and error code the HTTP API uses for the same case. */
const RESPONSE_CODES: Record<number, { status: number; code: string }> = {
  1: { status: 500, code: "SYSTEM_ERROR" },
  2: { status: 503, code: "SYSTEM_BUSY" },
  3: { status: 501, code: "REQUEST_CODE_NOT_SUPPORTED" },
  16: { status: 403, code: "NO_PERMISSION" },
  17: { status: 404, code: "TOPIC_NOT_EXIST" },
  22: { status: 404, code: "QUERY_NOT_FOUND" },
  29: { status: 400, code: "INVALID_PARAMETER" },
  1500: { status: 503, code: "GO_AWAY" },
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

/**
 * fastjson writes `Map<Long, …>` keys unquoted (`{0:"10.0.0.1:10911"}`); this quotes them, outside
 * strings only, so that JSON.parse reads every body RocketMQ sends.
 */
export function parseFastjson(text: string): unknown {
  let out = "";
  let inString = false;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += text[i + 1] ?? "";
        i++;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      expectKey = false;
      out += ch;
      continue;
    }
    if (ch === "{" || ch === ",") {
      expectKey = true;
      out += ch;
      continue;
    }
    if (expectKey && /[-\d]/.test(ch)) {
      const match = /^-?\d+(?=\s*:)/.exec(text.slice(i));
      if (match !== null) {
        out += `"${match[0]}"`;
        i += match[0].length - 1;
        expectKey = false;
        continue;
      }
    }
    if (!/\s/.test(ch)) expectKey = false;
    out += ch;
  }
  return JSON.parse(out);
}

/** java.util.Properties text (`key=value` lines, `#` comments, `\` escapes of the common cases). */
export function parseProperties(text: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    const match = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const unescapeProperty = (s: string) =>
      s.replace(/\\(.)/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r" })[c] ?? c);
    if (match === null) result[unescapeProperty(line)] = "";
    else result[unescapeProperty(match[1] ?? "")] = unescapeProperty(match[2] ?? "");
  }
  return result;
}

export function toProperties(config: Record<string, string>): string {
  const escapeProperty = (s: string) =>
    s
      .replace(/\\/g, "\\\\")
      .replace(/\n/g, "\\n")
      .replace(/([=:])/g, "\\$1");
  return Object.entries(config)
    .map(([k, v]) => `${escapeProperty(k)}=${escapeProperty(v)}`)
    .join("\n");
}

const UNIT_CODES: Record<UnitTopicKind, number> = {
  unit: AdminRequestCode.GET_UNIT_TOPIC_LIST,
  "unit-sub": AdminRequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST,
  "unit-sub-ununit": AdminRequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
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
      const message = error instanceof Error ? error.message : String(error);
      throw new NameServerUnreachableError(this.address, /time/i.test(message) ? "timeout" : "network", {
        cause: error,
      });
    }
    if (answer.code !== 0) {
      const mapped = RESPONSE_CODES[answer.code] ?? { status: 500, code: `CODE_${answer.code}` };
      const remark = (answer.remark ?? "").split("\nSee http")[0]?.trim() || `response code ${answer.code}`;
      throw new NameServerRequestError(this.address, mapped.status, mapped.code, remark);
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
      return parseFastjson(answer.body.toString("utf8")) as T;
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
    const info = this.json<ClusterInfo>(
      await this.call(AdminRequestCode.GET_BROKER_CLUSTER_INFO),
      "ClusterInfo",
    );
    for (const b of Object.values(info.brokerAddrTable ?? {})) b.enableActingMaster ??= false;
    return { brokerAddrTable: info.brokerAddrTable ?? {}, clusterAddrTable: info.clusterAddrTable ?? {} };
  }
  async topicList(): Promise<string[]> {
    return this.json<SystemTopicList>(
      await this.call(AdminRequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER),
      "TopicList",
    ).topicList.sort();
  }
  async topicsByCluster(cluster: string): Promise<string[]> {
    return this.json<SystemTopicList>(
      await this.call(AdminRequestCode.GET_TOPICS_BY_CLUSTER, { cluster }),
      "TopicList",
    ).topicList.sort();
  }
  async route(topic: string, zone?: string): Promise<TopicRouteData> {
    const ext: Record<string, string> = { topic };
    if (zone !== undefined) Object.assign(ext, { __ZONE_NAME: zone, __ZONE_MODE: "true" });
    const route = this.json<TopicRouteData>(
      await this.call(AdminRequestCode.GET_ROUTEINFO_BY_TOPIC, ext),
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
      await this.call(AdminRequestCode.GET_BROKER_MEMBER_GROUP, { clusterName: cluster, brokerName: broker }),
      "BrokerMemberGroup",
    );
    return { cluster, brokerName: broker, brokerAddrs: body.brokerMemberGroup?.brokerAddrs ?? {} };
  }
  async setWritePerm(broker: string, writable: boolean): Promise<number> {
    const answer = await this.call(
      writable ? AdminRequestCode.ADD_WRITE_PERM_OF_BROKER : AdminRequestCode.WIPE_WRITE_PERM_OF_BROKER,
      { brokerName: broker },
    );
    return this.count(answer, writable ? "addTopicCount" : "wipeTopicCount");
  }
  async deleteTopic(topic: string, cluster?: string): Promise<void> {
    await this.call(AdminRequestCode.DELETE_TOPIC_IN_NAMESRV, {
      topic,
      ...(cluster === undefined ? {} : { clusterName: cluster }),
    });
  }
  async getKv(namespace: string, key: string): Promise<string> {
    const answer = await this.call(AdminRequestCode.GET_KV_CONFIG, { namespace, key });
    return answer.extFields?.value ?? "";
  }
  async putKv(namespace: string, key: string, value: string): Promise<void> {
    await this.call(AdminRequestCode.PUT_KV_CONFIG, { namespace, key, value });
  }
  async deleteKv(namespace: string, key: string): Promise<void> {
    await this.call(AdminRequestCode.DELETE_KV_CONFIG, { namespace, key });
  }
  async kvList(namespace: string): Promise<Record<string, string>> {
    const body = this.json<{ table?: Record<string, string> }>(
      await this.call(AdminRequestCode.GET_KVLIST_BY_NAMESPACE, { namespace }),
      "KVTable",
    );
    return body.table ?? {};
  }
  async getConfig(): Promise<Record<string, string>> {
    const answer = await this.call(AdminRequestCode.GET_NAMESRV_CONFIG);
    return parseProperties(answer.body?.toString("utf8") ?? "");
  }
  async updateConfig(config: Record<string, string>): Promise<void> {
    await this.call(AdminRequestCode.UPDATE_NAMESRV_CONFIG, {}, Buffer.from(toProperties(config), "utf8"));
  }
  async systemTopicList(): Promise<SystemTopicList> {
    return this.json<SystemTopicList>(
      await this.call(AdminRequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS),
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

/**
 * Opens remoting connections. Wired to lib/remoting's RemotingClient once that branch (i13a) is
 * merged: until then `-n host:port` explains that only http(s):// addresses work in this build.
 */
function openRemoting(address: string): RemotingInvoker {
  throw new Error(
    `${address}: this build has no RocketMQ remoting client yet (lib/remoting); use an http(s):// address or --url`,
  );
}

export function connectRemoting(address: string, timeoutMillis: number): AdminEndpoint {
  return new RemotingAdminEndpoint(address, openRemoting, timeoutMillis);
}
