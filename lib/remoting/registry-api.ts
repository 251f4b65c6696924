/**
 * What the translations need of the registry: the methods of the typed HTTP client
 * (lib/client/name-server-client.ts, one method per route of API.md). The gateway only ever talks
 * to the registry through this, so `npm start` and `namesrv gateway` run one code path, and tests
 * can stand a fake in.
 */
import type { BrokerMemberGroup, NameServerClient, RouteAnswer } from "../client/name-server-client";
import { NameServerClientError } from "../client/transport";
import type {
  ClusterInfo,
  DataVersion,
  QueueData,
  RegisterBrokerBody,
  RegisterBrokerResult,
  TopicRouteData,
  UnregisterBrokerRequest,
} from "../domain/model";

export interface RoutesAnswer {
  routes: Record<string, TopicRouteData>;
  etags: Record<string, string>;
  unchanged: string[];
  missing: string[];
}

export type UnitTopicKind = "unit" | "unit-sub" | "unit-sub-ununit";

export interface BrokerAddress {
  clusterName: string;
  brokerName: string;
  brokerAddr: string;
}

export interface RegistryApi {
  registerBroker(
    request: RegisterBrokerBody,
    timeoutMillis?: number,
  ): Promise<RegisterBrokerResult & { orderTopicConfig?: { table: Record<string, string> } }>;
  unregisterBroker(request: UnregisterBrokerRequest, timeoutMillis?: number): Promise<void>;
  touchBroker(request: BrokerAddress): Promise<unknown>;
  queryDataVersion(
    request: BrokerAddress & { brokerId: number; dataVersion: DataVersion },
  ): Promise<{ changed: boolean; dataVersion?: DataVersion | null }>;
  getBrokerMemberGroup(clusterName: string, brokerName: string): Promise<BrokerMemberGroup>;
  setWritePerm(brokerName: string, writable: boolean): Promise<{ affectedTopicCount: number }>;
  getRouteInfoByTopic(topic: string, options?: { zone?: string; etag?: string }): Promise<RouteAnswer>;
  getRoutes(
    topics: readonly string[],
    options?: { zone?: string; known?: Readonly<Record<string, string>> },
  ): Promise<RoutesAnswer>;
  getBrokerClusterInfo(): Promise<ClusterInfo>;
  getAllTopicList(): Promise<string[]>;
  getTopicsByCluster(clusterName: string): Promise<string[]>;
  deleteTopic(topic: string, clusterName?: string): Promise<void>;
  registerTopic(topic: string, queueDatas: QueueData[]): Promise<unknown>;
  getSystemTopicList(): Promise<{ topicList: string[]; brokerAddr?: string }>;
  getUnitTopicList(kind: UnitTopicKind): Promise<string[]>;
  putKvConfig(namespace: string, key: string, value: string): Promise<void>;
  getKvConfig(namespace: string, key: string): Promise<string>;
  deleteKvConfig(namespace: string, key: string): Promise<void>;
  getKvList(namespace: string): Promise<Record<string, string>>;
  getConfig(): Promise<Record<string, string>>;
  updateConfig(config: Record<string, string>): Promise<unknown>;
}

/** The typed client lacks a route's method (a registry client older than API.md's Version 2). */
export class RegistryMethodMissingError extends NameServerClientError {}

/**
 * The typed HTTP client as a RegistryApi. Methods the client does not have yet answer
 * RegistryMethodMissingError (SYSTEM_ERROR over remoting) instead of failing at startup.
 */
export function registryApiOf(client: NameServerClient): RegistryApi {
  const c = client as NameServerClient & Partial<RegistryApi>;
  const bind = <K extends keyof RegistryApi>(name: K): RegistryApi[K] => {
    const method = c[name] as RegistryApi[K] | undefined;
    if (typeof method === "function") return method.bind(c) as RegistryApi[K];
    return (async () => {
      throw new RegistryMethodMissingError(
        client.url,
        `the registry client has no ${name} (API.md Version 2)`,
      );
    }) as unknown as RegistryApi[K];
  };
  return {
    registerBroker: bind("registerBroker"),
    unregisterBroker: bind("unregisterBroker"),
    touchBroker: bind("touchBroker"),
    queryDataVersion: bind("queryDataVersion"),
    getBrokerMemberGroup: bind("getBrokerMemberGroup"),
    setWritePerm: bind("setWritePerm"),
    getRouteInfoByTopic: bind("getRouteInfoByTopic"),
    getRoutes: bind("getRoutes"),
    getBrokerClusterInfo: bind("getBrokerClusterInfo"),
    getAllTopicList: bind("getAllTopicList"),
    getTopicsByCluster: bind("getTopicsByCluster"),
    deleteTopic: bind("deleteTopic"),
    registerTopic: bind("registerTopic"),
    getSystemTopicList: bind("getSystemTopicList"),
    getUnitTopicList: bind("getUnitTopicList"),
    putKvConfig: bind("putKvConfig"),
    getKvConfig: bind("getKvConfig"),
    deleteKvConfig: bind("deleteKvConfig"),
    getKvList: bind("getKvList"),
    getConfig: bind("getConfig"),
    updateConfig: bind("updateConfig"),
  };
}
