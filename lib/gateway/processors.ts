/**
 * The processor table (`NamesrvController#registerProcessor`): one translation per NameServer
 * request code of REMOTING.md §3, each turning the request into exactly one call of the registry's
 * HTTP API (through `RegistryApi`, the typed client) and the answer into RocketMQ's reply, as
 * `DefaultRequestProcessor` and `ClientRequestProcessor` build it: codes, extFields (strings), bodies
 * in fastjson's dialect, remarks. Registry errors map in one place (`replyForError`).
 */
import {
  NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
} from "../client/transport";
import {
  ORDER_TOPIC_CONFIG_NAMESPACE,
  type QueueData,
  type TopicConfigTableInput,
  type TopicRouteData,
} from "../domain/model";
import { intKeyed, parseLenientJson, stringifyFastjson, stringifyStandard } from "../remoting/fastjson";
import { HeaderError } from "../remoting/headers";
import type { Processor, Reply } from "../remoting/processor";
import { formatProperties, parseProperties } from "../remoting/properties";
import { APPLY_TOPIC_URL_SUFFIX, MQVersion, RequestCode, ResponseCode } from "../remoting/protocol";
import { bodyCrc32, decodeRegisterBrokerBody, RegisterBodyError } from "../remoting/register-broker-body";
import {
  decodeBrokerHeartbeatHeader,
  decodeDeleteTopicFromNamesrvHeader,
  decodeGetBrokerMemberGroupHeader,
  decodeGetKvListByNamespaceHeader,
  decodeGetRouteInfoHeader,
  decodeGetTopicsByClusterHeader,
  decodeKvConfigHeader,
  decodePutKvConfigHeader,
  decodeQueryDataVersionHeader,
  decodeRegisterBrokerHeader,
  decodeRegisterTopicHeader,
  decodeUnregisterBrokerHeader,
  decodeWritePermOfBrokerHeader,
} from "../remoting/request-headers";
import type { RegistryApi, UnitTopicKind } from "./registry-api";
import type { RouteCache } from "./route-cache";
import { SteadyRegistrations } from "./steady-registration";

export interface ProcessorDeps {
  api: RegistryApi;
  routes: RouteCache;
  /**
   * The HTTP timeout for REGISTER_BROKER: a first registration of thousands of topics takes seconds,
   * and the broker waits `registerBrokerTimeoutMills` (24 s) for the answer. Default 20 s.
   */
  registerTimeoutMs?: number;
  /** The steady-registration lever (lib/gateway/steady-registration.ts); a default one when absent. */
  steady?: SteadyRegistrations;
}

const ok = (extra: Omit<Reply, "code"> = {}): Reply => ({ code: ResponseCode.SUCCESS, ...extra });
const json = (text: string): Buffer => Buffer.from(text, "utf8");

/** `Can not update config in black list.`: keys UPDATE_NAMESRV_CONFIG always refuses. */
export const CONFIG_BLACK_LIST = ["configBlackList", "configStorePath", "kvConfigPath", "rocketmqHome"];

/** fastjson's default encode of a route: `brokerAddrs` (and static topics' `currIdMap`) with bare integer keys. */
export function fastjsonRoute(route: TopicRouteData): string {
  const mappings = route.topicQueueMappingByBroker;
  return stringifyFastjson({
    ...route,
    brokerDatas: route.brokerDatas.map((b) => ({ ...b, brokerAddrs: intKeyed({ ...b.brokerAddrs }) })),
    ...(mappings === undefined ? {} : { topicQueueMappingByBroker: markMappings(mappings) }),
  });
}

function markMappings(map: Record<string, Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [broker, info] of Object.entries(map)) {
    const currIdMap = info.currIdMap;
    out[broker] =
      typeof currIdMap === "object" && currIdMap !== null
        ? { ...info, currIdMap: intKeyed({ ...currIdMap }) }
        : info;
  }
  return out;
}

function topicNotExist(topic: string): Reply {
  return {
    code: ResponseCode.TOPIC_NOT_EXIST,
    remark: `No topic route info in name server for the topic: ${topic}${APPLY_TOPIC_URL_SUFFIX}`,
  };
}

function isStatus(error: unknown, status: number, code?: string): error is NameServerRequestError {
  return (
    error instanceof NameServerRequestError &&
    error.status === status &&
    (code === undefined || error.code === code)
  );
}

/** SYSTEM_BUSY's remark, as RocketMQ's servers word it when they shed load. */
export const SYSTEM_BUSY_REMARK = "[REJECTREQUEST]system busy, start flow control for a while";

/** A registry failure in RocketMQ's terms: 503 and unreachable → SYSTEM_BUSY, auth → NO_PERMISSION, else SYSTEM_ERROR. */
export function replyForError(error: unknown): Reply {
  if (error instanceof HeaderError || error instanceof RegisterBodyError) {
    return { code: ResponseCode.SYSTEM_ERROR, remark: error.message };
  }
  if (error instanceof NameServerUnreachableError) {
    return { code: ResponseCode.SYSTEM_BUSY, remark: `${SYSTEM_BUSY_REMARK} (registry: ${error.message})` };
  }
  if (error instanceof NameServerRequestError) {
    if (error.status === 503 || error.status === 429)
      return { code: ResponseCode.SYSTEM_BUSY, remark: SYSTEM_BUSY_REMARK };
    // enableAllTopicList / enableTopicList off: DefaultRequestProcessor answers SYSTEM_ERROR "disable".
    if (error.status === 403 && error.code === "DISABLED")
      return { code: ResponseCode.SYSTEM_ERROR, remark: "disable" };
    if (error.status === 401 || error.status === 403) {
      return {
        code: ResponseCode.NO_PERMISSION,
        remark: `registry refused the gateway's credentials: ${error.message}`,
      };
    }
    const details = error.details.map((d) => `${d.field}: ${d.message}`).join("; ");
    return {
      code: ResponseCode.SYSTEM_ERROR,
      remark: details === "" ? error.message : `${error.message} (${details})`,
    };
  }
  if (error instanceof NameServerClientError)
    return { code: ResponseCode.SYSTEM_ERROR, remark: error.message };
  // Anything else is a bug of the gateway: RocketMQ answers `UtilAll.exceptionSimpleDesc(e)`.
  return { code: ResponseCode.SYSTEM_ERROR, remark: String(error) };
}

function parseBody(body: Buffer | undefined, what: string): unknown {
  if (body === undefined) return undefined;
  try {
    return parseLenientJson(body.toString("utf8"));
  } catch (error) {
    throw new HeaderError(`${what} body is not JSON: ${(error as Error).message}`);
  }
}

function dataVersionOf(
  value: unknown,
): { counter: number; stateVersion: number; timestamp: number } | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const n = (x: unknown, fallback?: number) => (typeof x === "number" ? x : fallback);
  const counter = n(v.counter);
  const timestamp = n(v.timestamp);
  if (counter === undefined || timestamp === undefined) return undefined;
  return { counter, timestamp, stateVersion: n(v.stateVersion, 0) as number };
}

export function createProcessorTable(deps: ProcessorDeps): Map<number, Processor> {
  const { api, routes } = deps;
  const steady = deps.steady ?? new SteadyRegistrations();
  const table = new Map<number, Processor>();
  const on = (code: number, processor: Processor) => table.set(code, processor);

  on(RequestCode.PUT_KV_CONFIG, async ({ extFields }) => {
    const header = decodePutKvConfigHeader(extFields);
    if (header === undefined) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: "namespace or key is null" };
    }
    const { namespace, key, value } = header;
    await api.putKvConfig(namespace, key, value);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) routes.invalidateTopic(key);
    return ok();
  });

  on(RequestCode.GET_KV_CONFIG, async ({ extFields }) => {
    const { namespace, key } = decodeKvConfigHeader(extFields);
    try {
      return ok({ extFields: { value: await api.getKvConfig(namespace, key) } });
    } catch (error) {
      if (!isStatus(error, 404) && !isStatus(error, 400)) throw error;
      return {
        code: ResponseCode.QUERY_NOT_FOUND,
        remark: `No config item, Namespace: ${namespace} Key: ${key}`,
        extFields: {},
      };
    }
  });

  on(RequestCode.DELETE_KV_CONFIG, async ({ extFields }) => {
    const { namespace, key } = decodeKvConfigHeader(extFields);
    await api.deleteKvConfig(namespace, key);
    if (namespace === ORDER_TOPIC_CONFIG_NAMESPACE) routes.invalidateTopic(key);
    return ok();
  });

  on(RequestCode.GET_KVLIST_BY_NAMESPACE, async ({ extFields }) => {
    const { namespace } = decodeGetKvListByNamespaceHeader(extFields);
    try {
      return ok({ body: json(stringifyFastjson({ table: await api.getKvList(namespace) })) });
    } catch (error) {
      if (!isStatus(error, 404) && !isStatus(error, 400)) throw error;
      return { code: ResponseCode.QUERY_NOT_FOUND, remark: `No config item, Namespace: ${namespace}` };
    }
  });

  on(RequestCode.REGISTER_BROKER, async (request, connection) => {
    const {
      haServerAddr,
      heartbeatTimeoutMillis,
      enableActingMaster,
      zoneName,
      bodyCrc32: crc,
      compressed,
      ...broker
    } = decodeRegisterBrokerHeader(request.extFields);
    if (crc !== 0 && bodyCrc32(request.body) !== crc) {
      return { code: ResponseCode.SYSTEM_ERROR, remark: "crc32 not match" };
    }
    const settings = {
      ...broker,
      ...(haServerAddr === "" ? {} : { haServerAddr }),
      ...(zoneName === undefined ? {} : { zoneName }),
      ...(enableActingMaster === undefined ? {} : { enableActingMaster }),
      ...(heartbeatTimeoutMillis === undefined ? {} : { heartbeatTimeoutMillis }),
    };
    const key = `${broker.clusterName}\u0000${broker.brokerAddr}`;
    const fingerprint = SteadyRegistrations.fingerprint(request.version, request.extFields, request.body);
    const unchanged = steady.matches(key, fingerprint);
    const registered = (result: Awaited<ReturnType<typeof api.registerBroker>>): Reply => {
      connection.brokerRegistered(broker);
      if (!unchanged) routes.invalidateBroker(broker.brokerName);
      const extFields: Record<string, string> = {};
      if (result.masterAddr !== undefined) extFields.masterAddr = result.masterAddr;
      if (result.haServerAddr !== undefined) extFields.haServerAddr = result.haServerAddr;
      return ok({
        extFields,
        ...(result.orderTopicConfig === undefined
          ? {}
          : { body: json(stringifyFastjson({ table: result.orderTopicConfig.table })) }),
      });
    };
    // The same registration as the last one the registry accepted: renew liveness only.
    const dataVersion = steady.lightFor(key, fingerprint);
    if (dataVersion !== undefined) {
      try {
        const result = await api.registerBroker({ ...settings, dataVersion });
        steady.lightAccepted(key);
        return registered(result);
      } catch (error) {
        if (!isStatus(error, 409)) throw error;
        steady.lightRefused(key);
      }
    }
    const body = decodeRegisterBrokerBody(request.body, compressed, request.version);
    const topicConfigTable: TopicConfigTableInput = {};
    for (const [name, t] of Object.entries(body.topicConfigTable)) {
      topicConfigTable[name] = {
        topicName: t.topicName,
        readQueueNums: t.readQueueNums,
        writeQueueNums: t.writeQueueNums,
        perm: t.perm,
        topicSysFlag: t.topicSysFlag,
        order: t.order,
      };
    }
    steady.forget(key);
    const result = await api.registerBroker(
      {
        ...settings,
        dataVersion: body.dataVersion,
        topicConfigTable,
        filterServerList: body.filterServerList,
        ...(body.topicQueueMappingInfoMap === undefined
          ? {}
          : { topicQueueMappingInfoMap: body.topicQueueMappingInfoMap }),
      },
      deps.registerTimeoutMs ?? 20_000,
    );
    steady.fullAccepted(key, fingerprint, body.dataVersion);
    if (!unchanged) for (const topic of Object.keys(topicConfigTable)) routes.invalidateTopic(topic);
    return registered(result);
  });

  on(RequestCode.UNREGISTER_BROKER, async ({ extFields }, connection) => {
    const broker = decodeUnregisterBrokerHeader(extFields);
    steady.forget(`${broker.clusterName}\u0000${broker.brokerAddr}`);
    await api.unregisterBroker(broker);
    connection.brokerUnregistered(broker);
    routes.invalidateBroker(broker.brokerName);
    return ok();
  });

  on(RequestCode.BROKER_HEARTBEAT, async ({ extFields }) => {
    const broker = decodeBrokerHeartbeatHeader(extFields);
    try {
      await api.touchBroker(broker);
    } catch (error) {
      // RocketMQ's updateBrokerInfoUpdateTimestamp ignores a broker it does not hold.
      if (!isStatus(error, 409) && !isStatus(error, 400)) throw error;
    }
    return ok();
  });

  on(RequestCode.QUERY_DATA_VERSION, async ({ extFields, body }) => {
    // `changed` is what decides whether a broker re-registers: any doubt is "changed", never an error.
    try {
      const broker = decodeQueryDataVersionHeader(extFields);
      const dataVersion = dataVersionOf(parseBody(body, "DataVersion"));
      if (dataVersion === undefined) throw new HeaderError("no DataVersion body");
      const answer = await api.queryDataVersion({ ...broker, dataVersion });
      const stored = dataVersionOf(answer.dataVersion);
      return ok({
        extFields: { changed: String(answer.changed) },
        ...(stored === undefined ? {} : { body: json(stringifyFastjson(stored)) }),
      });
    } catch {
      return ok({ extFields: { changed: "true" } });
    }
  });

  on(RequestCode.GET_ROUTEINFO_BY_TOPIC, async (request) => {
    const { topic, zone, acceptStandardJsonOnly } = decodeGetRouteInfoHeader(request.extFields);
    let lookup: Awaited<ReturnType<RouteCache["get"]>>;
    try {
      lookup = await routes.get(topic, zone);
    } catch (error) {
      // The registry refuses names RocketMQ would merely not find.
      if (isStatus(error, 400)) return topicNotExist(topic);
      throw error;
    }
    if (!lookup.found) return topicNotExist(topic);
    // ZoneRouteRPCHook re-encodes a zone-filtered route with plain encode(): fastjson style again.
    const standard =
      zone === undefined && (request.version >= MQVersion.V4_9_4 || acceptStandardJsonOnly === true);
    const dialect = standard ? "standard" : "fastjson";
    let body = lookup.entry.encoded.get(dialect);
    if (body === undefined) {
      body = json(standard ? stringifyStandard(lookup.route) : fastjsonRoute(lookup.route));
      lookup.entry.encoded.set(dialect, body);
    }
    return ok({ body });
  });

  on(RequestCode.GET_BROKER_CLUSTER_INFO, async () => {
    const info = await api.getBrokerClusterInfo();
    const brokerAddrTable: Record<string, unknown> = {};
    for (const [name, b] of Object.entries(info.brokerAddrTable)) {
      brokerAddrTable[name] = { ...b, brokerAddrs: intKeyed({ ...b.brokerAddrs }) };
    }
    return ok({
      body: json(stringifyFastjson({ brokerAddrTable, clusterAddrTable: info.clusterAddrTable })),
    });
  });

  const writePerm =
    (writable: boolean, countField: string): Processor =>
    async ({ extFields }) => {
      const { brokerName } = decodeWritePermOfBrokerHeader(extFields);
      const { affectedTopicCount } = await api.setWritePerm(brokerName, writable);
      routes.invalidateBroker(brokerName);
      return ok({ extFields: { [countField]: String(affectedTopicCount) } });
    };
  on(RequestCode.WIPE_WRITE_PERM_OF_BROKER, writePerm(false, "wipeTopicCount"));
  on(RequestCode.ADD_WRITE_PERM_OF_BROKER, writePerm(true, "addTopicCount"));

  const topicList = (topics: string[], brokerAddr?: string): Reply =>
    ok({
      body: json(
        stringifyFastjson({ topicList: topics, ...(brokerAddr === undefined ? {} : { brokerAddr }) }),
      ),
    });

  on(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, async () => topicList(await api.getAllTopicList()));

  on(RequestCode.GET_TOPICS_BY_CLUSTER, async ({ extFields }) =>
    topicList(await api.getTopicsByCluster(decodeGetTopicsByClusterHeader(extFields).cluster)),
  );

  on(RequestCode.DELETE_TOPIC_IN_NAMESRV, async ({ extFields }) => {
    const { topic, clusterName } = decodeDeleteTopicFromNamesrvHeader(extFields);
    await api.deleteTopic(topic, clusterName);
    routes.invalidateTopic(topic);
    return ok();
  });

  on(RequestCode.REGISTER_TOPIC_IN_NAMESRV, async ({ extFields, body }) => {
    const { topic } = decodeRegisterTopicHeader(extFields);
    const parsed = parseBody(body, "TopicRouteData") as { queueDatas?: unknown } | undefined;
    const queueDatas = parsed?.queueDatas;
    // DefaultRequestProcessor registers only when the body carries queue data.
    if (!Array.isArray(queueDatas) || queueDatas.length === 0) return ok();
    await api.registerTopic(topic, queueDatas as QueueData[]);
    routes.invalidateTopic(topic);
    return ok();
  });

  on(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, async () => {
    const { topicList: topics, brokerAddr } = await api.getSystemTopicList();
    return topicList(topics, brokerAddr);
  });

  const unitList =
    (kind: UnitTopicKind): Processor =>
    async () =>
      topicList(await api.getUnitTopicList(kind));
  on(RequestCode.GET_UNIT_TOPIC_LIST, unitList("unit"));
  on(RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, unitList("unit-sub"));
  on(RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, unitList("unit-sub-ununit"));

  on(RequestCode.UPDATE_NAMESRV_CONFIG, async ({ body }) => {
    if (body === undefined) return ok();
    const properties = parseProperties(body.toString("utf8"));
    if (CONFIG_BLACK_LIST.some((key) => Object.hasOwn(properties, key))) {
      return { code: ResponseCode.NO_PERMISSION, remark: "Can not update config in black list." };
    }
    if (Object.keys(properties).length === 0) return ok();
    await api.updateConfig({ ...properties });
    routes.invalidateAll();
    return ok();
  });

  on(RequestCode.GET_NAMESRV_CONFIG, async () => {
    const text = formatProperties(await api.getConfig());
    return ok(text === "" ? {} : { body: Buffer.from(text, "utf8") });
  });

  on(RequestCode.GET_BROKER_MEMBER_GROUP, async ({ extFields }) => {
    const { clusterName, brokerName } = decodeGetBrokerMemberGroupHeader(extFields);
    const group = await api.getBrokerMemberGroup(clusterName, brokerName);
    return ok({
      // DefaultRequestProcessor#getBrokerMemberGroup sets the code but never the remark, so the
      // answer keeps createResponseCommand's placeholder (seen on the wire from RocketMQ 5.3.3).
      remark: "not set any response code",
      body: json(
        stringifyFastjson({
          brokerMemberGroup: { ...group, brokerAddrs: intKeyed({ ...group.brokerAddrs }) },
        }),
      ),
    });
  });

  return table;
}
