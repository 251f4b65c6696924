/**
 * What brokers, producers and operators import: the heartbeat agent, the route client, the typed HTTP
 * client of one NameServer, and the transport they share (SigV4, bearer token or no auth).
 */
export { checkNameServerUrl, checkNameServerUrls, NameServerAddressError } from "./addresses";
export {
  BrokerAgent,
  type BrokerAgentEvents,
  type BrokerAgentOptions,
  type BrokerAgentStartResult,
  type BrokerIdentity,
  type BrokerTopicState,
  type NameServerState,
} from "./broker-agent";
export { type Clock, MQFaultStrategy, systemClock } from "./fault-strategy";
export { type BrokerMemberGroup, NameServerClient, type RouteAnswer } from "./name-server-client";
export { type MessageQueue, TopicPublishInfo, topicRouteDataToPublishInfo } from "./publish-info";
export {
  AllNameServersFailedError,
  NoWritableQueueError,
  RouteClient,
  type RouteClientEvents,
  type RouteClientOptions,
} from "./route-client";
export {
  type Auth,
  NameServerClientError,
  NameServerRequestError,
  NameServerUnreachableError,
  Transport,
  type TransportOptions,
} from "./transport";
