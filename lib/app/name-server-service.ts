/**
 * The NameServer's use cases, one class per concern as RocketMQ's namesrv module splits them: broker
 * registration and the removal cascade (RouteInfoManager's write side), route info (its read side and
 * the operator's topic changes), the change feed of the routes, KV config (KVConfigManager), the NameServer settings (NamesrvConfig)
 * and the sweep (scanNotActiveBroker). They share one context: the store port, the clock and the caches.
 */
import { BrokerRegistration } from "./broker-registration";
import { ChangeFeed } from "./change-feed";
import { KvConfig } from "./kv-config";
import type { NameServer } from "./name-server";
import { NamesrvConfigUseCases } from "./namesrv-config";
import { RemovalCascade } from "./removal-cascade";
import { RouteInfo } from "./route-info";
import { Sweeper } from "./sweep";
import { createUseCaseContext, type NameServerDependencies } from "./use-case-context";

export { DEFAULT_CONFIG_CACHE_MS, type NameServerDependencies } from "./use-case-context";

export function createNameServer(deps: NameServerDependencies): NameServer {
  const context = createUseCaseContext(deps);
  const cascade = new RemovalCascade(context);
  const registration = new BrokerRegistration(context, cascade);
  const routes = new RouteInfo(context);
  const kv = new KvConfig(context);
  const config = new NamesrvConfigUseCases(context);
  const sweeper = new Sweeper(context, cascade);
  const feed = new ChangeFeed(context);
  return {
    registerBroker: (request) => registration.registerBroker(request),
    touchBroker: (request) => registration.touchBroker(request),
    queryDataVersion: (request) => registration.queryDataVersion(request),
    unregisterBroker: (request) => registration.unregisterBroker(request),
    getBrokerMemberGroup: (clusterName, brokerName) => routes.getBrokerMemberGroup(clusterName, brokerName),
    setWritePerm: (brokerName, writable) => routes.setWritePerm(brokerName, writable),
    getRouteInfoByTopic: (topic, zone) => routes.getRouteInfoByTopic(topic, zone),
    getRoutes: (topics, zone, options) => routes.getRoutes(topics, zone, options),
    getChanges: (since) => feed.changes(since),
    getBrokerClusterInfo: () => routes.getBrokerClusterInfo(),
    listBrokers: () => routes.listBrokers(),
    getAllTopicList: () => routes.getAllTopicList(),
    getTopicsByCluster: (clusterName) => routes.getTopicsByCluster(clusterName),
    getUnitTopicList: (kind) => routes.getUnitTopicList(kind),
    getSystemTopicList: () => routes.getSystemTopicList(),
    registerTopic: (request) => routes.registerTopic(request),
    deleteTopic: (topic, clusterName) => routes.deleteTopic(topic, clusterName),
    getConfig: () => config.getConfig(),
    updateConfig: (settings) => config.updateConfig(settings),
    putKvConfig: (namespace, key, value) => kv.putKvConfig(namespace, key, value),
    getKvConfig: (namespace, key) => kv.getKvConfig(namespace, key),
    deleteKvConfig: (namespace, key) => kv.deleteKvConfig(namespace, key),
    getKvList: (namespace) => kv.getKvList(namespace),
    sweep: () => sweeper.sweep(),
    health: () => sweeper.health(),
    getHistory: (query) => sweeper.getHistory(query),
  };
}
