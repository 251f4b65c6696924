/**
 * What the translations need of the registry: the methods of the typed HTTP client
 * (lib/client/name-server-client.ts, one method per route of API.md). The gateway only ever talks
 * to the registry through this, so `npm start` and `namesrv gateway` run one code path, and tests
 * can stand a fake in.
 */
import type {
  BrokerMemberGroup,
  NameServerClient,
  RouteAnswer,
  RoutesAnswer,
} from "../client/name-server-client";
import type {
  ClusterInfo,
  DataVersion,
  QueueData,
  RegisterBrokerBody,
  RegisterBrokerResult,
  UnitTopicKind,
  UnregisterBrokerRequest,
} from "../domain/model";

export type { RoutesAnswer, UnitTopicKind };

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
    /**
     * `deadlines`: the answer also carries each listed member's milliseconds left before its
     * heartbeat timeout; the route cache uses them to stop serving a cached route once a member's
     * time has run out (an answer without them gets no such check: routes bounded by age only).
     */
    options?: {
      zone?: string;
      known?: Readonly<Record<string, string>>;
      deadlines?: boolean;
      /**
       * The answer also carries `changes`: the change feed since this time (epoch ms on the
       * registry's clock) and the sweeper's liveness digest; `topics` may then be empty.
       */
      changesSince?: number;
    },
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

/** The typed HTTP client is the RegistryApi; this names the fact where a gateway is wired. */
export function registryApiOf(client: NameServerClient): RegistryApi {
  return client;
}
