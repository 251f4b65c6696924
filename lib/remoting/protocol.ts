/**
 * RocketMQ's remoting vocabulary, under RocketMQ's own names so that a search for the Java constant
 * finds the line: request codes (`RequestCode.java`, the NameServer subset), response codes
 * (`RemotingSysResponseCode.java`, `ResponseCode.java`), `LanguageCode`, `SerializeType`, the
 * `MQVersion` ordinals the protocol branches on, and the `RemotingCommand` flag bits.
 */

export const RequestCode = {
  PUT_KV_CONFIG: 100,
  GET_KV_CONFIG: 101,
  DELETE_KV_CONFIG: 102,
  REGISTER_BROKER: 103,
  UNREGISTER_BROKER: 104,
  GET_ROUTEINFO_BY_TOPIC: 105,
  GET_BROKER_CLUSTER_INFO: 106,
  WIPE_WRITE_PERM_OF_BROKER: 205,
  GET_ALL_TOPIC_LIST_FROM_NAMESERVER: 206,
  DELETE_TOPIC_IN_NAMESRV: 216,
  REGISTER_TOPIC_IN_NAMESRV: 217,
  GET_KVLIST_BY_NAMESPACE: 219,
  GET_TOPICS_BY_CLUSTER: 224,
  GET_SYSTEM_TOPIC_LIST_FROM_NS: 304,
  GET_UNIT_TOPIC_LIST: 311,
  GET_HAS_UNIT_SUB_TOPIC_LIST: 312,
  GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST: 313,
  UPDATE_NAMESRV_CONFIG: 318,
  GET_NAMESRV_CONFIG: 319,
  QUERY_DATA_VERSION: 322,
  ADD_WRITE_PERM_OF_BROKER: 327,
  GET_BROKER_MEMBER_GROUP: 901,
  BROKER_HEARTBEAT: 904,
} as const;
export type RequestCodeName = keyof typeof RequestCode;

export const ResponseCode = {
  SUCCESS: 0,
  SYSTEM_ERROR: 1,
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  QUERY_NOT_FOUND: 22,
  INVALID_PARAMETER: 29,
  GO_AWAY: 1500,
} as const;
export type ResponseCodeName = keyof typeof ResponseCode;

const requestNames = new Map<number, RequestCodeName>(
  Object.entries(RequestCode).map(([name, code]) => [code, name as RequestCodeName]),
);
const responseNames = new Map<number, ResponseCodeName>(
  Object.entries(ResponseCode).map(([name, code]) => [code, name as ResponseCodeName]),
);

/** RocketMQ's name of a request code, e.g. `GET_ROUTEINFO_BY_TOPIC` for 105 (undefined when unknown). */
export function requestCodeName(code: number): RequestCodeName | undefined {
  return requestNames.get(code);
}

export function responseCodeName(code: number): ResponseCodeName | undefined {
  return responseNames.get(code);
}

/** `LanguageCode.java`: the name travels in JSON headers, the byte in ROCKETMQ headers. */
export const LanguageCode = {
  JAVA: 0,
  CPP: 1,
  DOTNET: 2,
  PYTHON: 3,
  DELPHI: 4,
  ERLANG: 5,
  RUBY: 6,
  OTHER: 7,
  HTTP: 8,
  GO: 9,
  PHP: 10,
  OMS: 11,
  RUST: 12,
  NODE_JS: 13,
} as const;
export type LanguageName = keyof typeof LanguageCode;

const languageNames = new Map<number, LanguageName>(
  Object.entries(LanguageCode).map(([name, code]) => [code, name as LanguageName]),
);

export function languageName(code: number): LanguageName | undefined {
  return languageNames.get(code);
}

/** `SerializeType.java`: the high byte of the header-length word. */
export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** `MQVersion.Version` ordinals the NameServer branches on (`CURRENT_VERSION` = V5_3_3). */
export const MQVersion = {
  V3_0_11: 37,
  V4_0_0: 213,
  V4_9_4: 401,
  V5_0_0: 413,
  V5_3_1: 475,
  V5_3_3: 479,
} as const;

/** `RemotingCommand` flag bits: `RPC_TYPE` (bit 0, set on responses) and `RPC_ONEWAY` (bit 1). */
export const RPC_TYPE_RESPONSE = 1;
export const RPC_ONEWAY = 2;

/** `NettyDecoder`'s default `com.rocketmq.remoting.frameMaxLength`: the whole frame, length field included. */
export const FRAME_MAX_LENGTH = 16 * 1024 * 1024;

/** `MixAll.ZONE_NAME` / `MixAll.ZONE_MODE`: extFields added by `DynamicalExtFieldRPCHook`. */
export const ZONE_NAME = "__ZONE_NAME";
export const ZONE_MODE = "__ZONE_MODE";

/** `FAQUrl.suggestTodo(FAQUrl.APPLY_TOPIC_URL)`, appended to TOPIC_NOT_EXIST's remark. */
export const APPLY_TOPIC_URL_SUFFIX =
  "\nSee https://rocketmq.apache.org/docs/bestPractice/06FAQ for further details.";
