/**
 * The custom header of each NameServer request code, typed (RocketMQ's `*RequestHeader` classes in
 * `remoting/protocol/header/namesrv`): one decoder per header, reading `extFields` with the field
 * rules of headers.ts. A decoder throws HeaderError for a missing `@CFNotNull` field or a value its
 * Java type cannot parse; the processors get plain typed objects.
 */
import {
  optionalBoolean,
  optionalInt,
  optionalLong,
  optionalString,
  requiredLong,
  requiredString,
} from "./headers";
import { ZONE_MODE, ZONE_NAME } from "./protocol";

type Fields = Readonly<Record<string, string>>;

/** The broker a REGISTER/UNREGISTER_BROKER or QUERY_DATA_VERSION names. */
export interface BrokerHeader {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddr: string;
}

export function decodeBrokerHeader(ext: Fields): BrokerHeader {
  return {
    brokerName: requiredString(ext, "brokerName"),
    brokerAddr: requiredString(ext, "brokerAddr"),
    clusterName: requiredString(ext, "clusterName"),
    brokerId: requiredLong(ext, "brokerId"),
  };
}

/** `RegisterBrokerRequestHeader`. */
export interface RegisterBrokerRequestHeader extends BrokerHeader {
  haServerAddr: string;
  heartbeatTimeoutMillis?: number;
  enableActingMaster?: boolean;
  /** 0 when the broker sent none. */
  bodyCrc32: number;
  compressed: boolean;
  /** `__ZONE_NAME`, set by a zone-aware broker. */
  zoneName?: string;
}

export function decodeRegisterBrokerHeader(ext: Fields): RegisterBrokerRequestHeader {
  const header: RegisterBrokerRequestHeader = {
    ...decodeBrokerHeader(ext),
    haServerAddr: requiredString(ext, "haServerAddr"),
    bodyCrc32: 0,
    compressed: false,
  };
  const heartbeatTimeoutMillis = optionalLong(ext, "heartbeatTimeoutMillis");
  if (heartbeatTimeoutMillis !== undefined) header.heartbeatTimeoutMillis = heartbeatTimeoutMillis;
  const enableActingMaster = optionalBoolean(ext, "enableActingMaster");
  if (enableActingMaster !== undefined) header.enableActingMaster = enableActingMaster;
  header.bodyCrc32 = optionalInt(ext, "bodyCrc32") ?? 0;
  header.compressed = optionalBoolean(ext, "compressed") ?? false;
  const zoneName = optionalString(ext, ZONE_NAME);
  if (zoneName !== undefined) header.zoneName = zoneName;
  return header;
}

/** `UnRegisterBrokerRequestHeader`. */
export type UnregisterBrokerRequestHeader = BrokerHeader;
export const decodeUnregisterBrokerHeader = decodeBrokerHeader;

/** `QueryDataVersionRequestHeader`. */
export type QueryDataVersionRequestHeader = BrokerHeader;
export const decodeQueryDataVersionHeader = decodeBrokerHeader;

/** `BrokerHeartbeatRequestHeader` (the fields the NameServer reads). */
export interface BrokerHeartbeatRequestHeader {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
}

export function decodeBrokerHeartbeatHeader(ext: Fields): BrokerHeartbeatRequestHeader {
  return {
    clusterName: requiredString(ext, "clusterName"),
    brokerAddr: requiredString(ext, "brokerAddr"),
    brokerName: requiredString(ext, "brokerName"),
  };
}

/** `GetRouteInfoRequestHeader`, with the zone fields of `ZoneRouteRPCHook`. */
export interface GetRouteInfoRequestHeader {
  topic: string;
  acceptStandardJsonOnly?: boolean;
  /** The zone to filter by: set only when `__ZONE_MODE` is true and `__ZONE_NAME` is given. */
  zone?: string;
}

export function decodeGetRouteInfoHeader(ext: Fields): GetRouteInfoRequestHeader {
  const header: GetRouteInfoRequestHeader = { topic: requiredString(ext, "topic") };
  const zoneName = optionalString(ext, ZONE_NAME);
  if (optionalBoolean(ext, ZONE_MODE) === true && zoneName !== undefined) header.zone = zoneName;
  const acceptStandardJsonOnly = optionalBoolean(ext, "acceptStandardJsonOnly");
  if (acceptStandardJsonOnly !== undefined) header.acceptStandardJsonOnly = acceptStandardJsonOnly;
  return header;
}

/** `PutKVConfigRequestHeader`. */
export interface PutKvConfigRequestHeader {
  namespace: string;
  key: string;
  value: string;
}

/**
 * Undefined when the namespace or the key is missing or empty: DefaultRequestProcessor#putKVConfig
 * answers that with its own remark ("namespace or key is null") before it looks at the value.
 */
export function decodePutKvConfigHeader(ext: Fields): PutKvConfigRequestHeader | undefined {
  const namespace = optionalString(ext, "namespace");
  const key = optionalString(ext, "key");
  if (namespace === undefined || key === undefined) return undefined;
  return { namespace, key, value: requiredString(ext, "value") };
}

/** `GetKVConfigRequestHeader` and `DeleteKVConfigRequestHeader`. */
export interface KvConfigRequestHeader {
  namespace: string;
  key: string;
}

export function decodeKvConfigHeader(ext: Fields): KvConfigRequestHeader {
  return { namespace: requiredString(ext, "namespace"), key: requiredString(ext, "key") };
}

/** `GetKVListByNamespaceRequestHeader`. */
export interface GetKvListByNamespaceRequestHeader {
  namespace: string;
}

export function decodeGetKvListByNamespaceHeader(ext: Fields): GetKvListByNamespaceRequestHeader {
  return { namespace: requiredString(ext, "namespace") };
}

/** `WipeWritePermOfBrokerRequestHeader` and `AddWritePermOfBrokerRequestHeader`. */
export interface WritePermOfBrokerRequestHeader {
  brokerName: string;
}

export function decodeWritePermOfBrokerHeader(ext: Fields): WritePermOfBrokerRequestHeader {
  return { brokerName: requiredString(ext, "brokerName") };
}

/** `GetTopicsByClusterRequestHeader`. */
export interface GetTopicsByClusterRequestHeader {
  cluster: string;
}

export function decodeGetTopicsByClusterHeader(ext: Fields): GetTopicsByClusterRequestHeader {
  return { cluster: requiredString(ext, "cluster") };
}

/** `DeleteTopicFromNamesrvRequestHeader`. */
export interface DeleteTopicFromNamesrvRequestHeader {
  topic: string;
  clusterName?: string;
}

export function decodeDeleteTopicFromNamesrvHeader(ext: Fields): DeleteTopicFromNamesrvRequestHeader {
  const header: DeleteTopicFromNamesrvRequestHeader = { topic: requiredString(ext, "topic") };
  const clusterName = optionalString(ext, "clusterName");
  if (clusterName !== undefined) header.clusterName = clusterName;
  return header;
}

/** `RegisterTopicRequestHeader`. */
export interface RegisterTopicRequestHeader {
  topic: string;
}

export function decodeRegisterTopicHeader(ext: Fields): RegisterTopicRequestHeader {
  return { topic: requiredString(ext, "topic") };
}

/** `GetBrokerMemberGroupRequestHeader`. */
export interface GetBrokerMemberGroupRequestHeader {
  clusterName: string;
  brokerName: string;
}

export function decodeGetBrokerMemberGroupHeader(ext: Fields): GetBrokerMemberGroupRequestHeader {
  return { clusterName: requiredString(ext, "clusterName"), brokerName: requiredString(ext, "brokerName") };
}
