/**
 * What the `namesrv` CLI's admin commands need from one NameServer, behind one interface with two
 * implementations: the registry's HTTP API (an `http(s)://` address) and RocketMQ's remoting protocol
 * (a `host:port` address, as mqadmin's `-n` takes it; see remoting-endpoint.ts). The same command then works
 * against this registry and against RocketMQ's own NameServer.
 */

import {
  type BrokerMemberGroup,
  type HistoryPage,
  type HistoryQueryOptions,
  NameServerClient,
} from "../client/name-server-client";
import { NameServerClientError, type Transport } from "../client/transport";
import type {
  BrokerData,
  ClusterInfo,
  SystemTopicList,
  TopicRouteData,
  UnitTopicKind,
} from "../domain/model";

/** A NameServer address as the user gave it: an HTTP API URL, or a RocketMQ `host:port`. */
export type Endpoint = { kind: "http"; url: string } | { kind: "remoting"; address: string };

export type { SystemTopicList, UnitTopicKind };

export interface AdminEndpoint {
  /** The address as printed in output and errors. */
  readonly address: string;
  readonly protocol: Endpoint["kind"];
  clusterInfo(): Promise<ClusterInfo>;
  topicList(): Promise<string[]>;
  topicsByCluster(cluster: string): Promise<string[]>;
  /** Throws a NameServerRequestError with code TOPIC_NOT_EXIST when there is no route. */
  route(topic: string, zone?: string): Promise<TopicRouteData>;
  brokerMemberGroup(cluster: string, broker: string): Promise<BrokerMemberGroup>;
  /** Returns the number of topics whose perm changed. */
  setWritePerm(broker: string, writable: boolean): Promise<number>;
  deleteTopic(topic: string, cluster?: string): Promise<void>;
  /** Throws a NameServerRequestError with code QUERY_NOT_FOUND when the key is absent. */
  getKv(namespace: string, key: string): Promise<string>;
  putKv(namespace: string, key: string, value: string): Promise<void>;
  deleteKv(namespace: string, key: string): Promise<void>;
  /** Throws a NameServerRequestError with code QUERY_NOT_FOUND when the namespace is absent. */
  kvList(namespace: string): Promise<Record<string, string>>;
  getConfig(): Promise<Record<string, string>>;
  updateConfig(config: Record<string, string>): Promise<void>;
  systemTopicList(): Promise<SystemTopicList>;
  unitTopicList(kind: UnitTopicKind): Promise<string[]>;
  /** The history of changes (GET /history); only the registry's HTTP API keeps one. */
  history?(options: HistoryQueryOptions): Promise<HistoryPage>;
  close(): void;
}

/** The answer of a NameServer was not what its protocol promises. */
export class UnexpectedAnswerError extends NameServerClientError {}

/** The registry's HTTP API through the typed client (lib/client/name-server-client.ts). */
export class HttpAdminEndpoint implements AdminEndpoint {
  readonly protocol = "http" as const;
  private readonly client: NameServerClient;

  constructor(
    readonly address: string,
    transport: Transport,
  ) {
    this.client = new NameServerClient(address, transport);
  }

  clusterInfo(): Promise<ClusterInfo> {
    return this.client.getBrokerClusterInfo();
  }
  topicList(): Promise<string[]> {
    return this.client.getAllTopicList();
  }
  topicsByCluster(cluster: string): Promise<string[]> {
    return this.client.getTopicsByCluster(cluster);
  }
  history(options: HistoryQueryOptions): Promise<HistoryPage> {
    return this.client.getHistory(options);
  }
  async route(topic: string, zone?: string): Promise<TopicRouteData> {
    const answer = await this.client.getRouteInfoByTopic(topic, zone === undefined ? {} : { zone });
    if (answer.notModified) throw new UnexpectedAnswerError(this.address, "unexpected 304");
    return answer.route;
  }
  brokerMemberGroup(cluster: string, broker: string): Promise<BrokerMemberGroup> {
    return this.client.getBrokerMemberGroup(cluster, broker);
  }
  async setWritePerm(broker: string, writable: boolean): Promise<number> {
    return (await this.client.setWritePerm(broker, writable)).affectedTopicCount;
  }
  deleteTopic(topic: string, cluster?: string): Promise<void> {
    return this.client.deleteTopic(topic, cluster);
  }
  getKv(namespace: string, key: string): Promise<string> {
    return this.client.getKvConfig(namespace, key);
  }
  putKv(namespace: string, key: string, value: string): Promise<void> {
    return this.client.putKvConfig(namespace, key, value);
  }
  deleteKv(namespace: string, key: string): Promise<void> {
    return this.client.deleteKvConfig(namespace, key);
  }
  kvList(namespace: string): Promise<Record<string, string>> {
    return this.client.getKvList(namespace);
  }
  getConfig(): Promise<Record<string, string>> {
    return this.client.getConfig();
  }
  updateConfig(config: Record<string, string>): Promise<void> {
    return this.client.updateConfig(config);
  }
  systemTopicList(): Promise<SystemTopicList> {
    return this.client.getSystemTopicList();
  }
  unitTopicList(kind: UnitTopicKind): Promise<string[]> {
    return this.client.getUnitTopicList(kind);
  }
  close(): void {}
}

/** The clusters a topic's route reaches (mqadmin's topicClusterList). */
export function clustersOfRoute(route: TopicRouteData): string[] {
  return [...new Set(route.brokerDatas.map((b: BrokerData) => b.cluster))].sort();
}

/** The broker groups of `cluster` (as the route's brokerDatas say) that hold queue data of the route. */
export function queueBrokersOfCluster(route: TopicRouteData, cluster: string): string[] {
  const groups = new Set(route.brokerDatas.filter((b) => b.cluster === cluster).map((b) => b.brokerName));
  return route.queueDatas
    .map((q) => q.brokerName)
    .filter((name) => groups.has(name))
    .sort();
}
