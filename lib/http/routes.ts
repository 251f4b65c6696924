/**
 * The route table: the one list of the API's routes. The local server and the CDK stack both read it,
 * so a route added here is served locally and deployed on AWS with the same handler and the same auth.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";

/**
 * - `public`: never authenticated (only /health).
 * - `read`: needs credentials unless the stack opens reads (`openReads`).
 * - `write`: always needs credentials (IAM on AWS, the bearer token locally when NAMESRV_TOKEN is set).
 */
export type RouteAccess = "public" | "read" | "write";

export interface RouteDefinition {
  /** Stable id, used for CDK construct ids and metric names: never rename casually. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway route path syntax: `{name}` is one path segment. */
  readonly path: string;
  /** Module under `functions/` (without extension) whose `handler` export serves this route. */
  readonly handler: string;
  readonly access: RouteAccess;
  /** What the route does to the table: read-only routes get a read-only grant on AWS. */
  readonly tableAccess: "read" | "readWrite";
}

// biome-ignore format: one route per line reads as a table
export const routes: readonly RouteDefinition[] = [
  { id: "RegisterBroker", method: "POST", path: "/brokers/heartbeat", handler: "register-broker", access: "write", tableAccess: "readWrite" },
  { id: "TouchBroker", method: "POST", path: "/brokers/touch", handler: "touch-broker", access: "write", tableAccess: "readWrite" },
  { id: "QueryDataVersion", method: "POST", path: "/brokers/data-version", handler: "query-data-version", access: "write", tableAccess: "readWrite" },
  { id: "UnregisterBroker", method: "POST", path: "/brokers/unregister", handler: "unregister-broker", access: "write", tableAccess: "readWrite" },
  { id: "RegisterBrokerInGroup", method: "POST", path: "/clusters/{clusterName}/brokers/{brokerName}/heartbeat", handler: "register-broker", access: "write", tableAccess: "readWrite" },
  { id: "TouchBrokerInGroup", method: "POST", path: "/clusters/{clusterName}/brokers/{brokerName}/touch", handler: "touch-broker", access: "write", tableAccess: "readWrite" },
  { id: "QueryDataVersionInGroup", method: "POST", path: "/clusters/{clusterName}/brokers/{brokerName}/data-version", handler: "query-data-version", access: "write", tableAccess: "readWrite" },
  { id: "UnregisterBrokerInGroup", method: "POST", path: "/clusters/{clusterName}/brokers/{brokerName}/unregister", handler: "unregister-broker", access: "write", tableAccess: "readWrite" },
  { id: "ListBrokers", method: "GET", path: "/brokers", handler: "list-brokers", access: "read", tableAccess: "read" },
  { id: "GetBrokerMemberGroup", method: "GET", path: "/brokers/{clusterName}/{brokerName}", handler: "get-broker-member-group", access: "read", tableAccess: "read" },
  { id: "SetWritePerm", method: "PUT", path: "/brokers/{brokerName}/write-perm", handler: "set-write-perm", access: "write", tableAccess: "readWrite" },
  { id: "GetRouteInfoByTopic", method: "GET", path: "/topics/{topic}/route", handler: "get-route-info-by-topic", access: "read", tableAccess: "read" },
  { id: "GetAllTopicList", method: "GET", path: "/topics", handler: "get-all-topic-list", access: "read", tableAccess: "read" },
  { id: "RegisterTopic", method: "POST", path: "/topics", handler: "register-topic", access: "write", tableAccess: "readWrite" },
  { id: "DeleteTopic", method: "DELETE", path: "/topics/{topic}", handler: "delete-topic", access: "write", tableAccess: "readWrite" },
  { id: "GetBrokerClusterInfo", method: "GET", path: "/clusters", handler: "get-broker-cluster-info", access: "read", tableAccess: "read" },
  { id: "GetTopicsByCluster", method: "GET", path: "/clusters/{clusterName}/topics", handler: "get-topics-by-cluster", access: "read", tableAccess: "read" },
  { id: "PutKvConfig", method: "PUT", path: "/kv/{namespace}/{key}", handler: "put-kv-config", access: "write", tableAccess: "readWrite" },
  { id: "GetKvConfig", method: "GET", path: "/kv/{namespace}/{key}", handler: "get-kv-config", access: "read", tableAccess: "read" },
  { id: "DeleteKvConfig", method: "DELETE", path: "/kv/{namespace}/{key}", handler: "delete-kv-config", access: "write", tableAccess: "readWrite" },
  { id: "PutKvConfigInNamespace", method: "PUT", path: "/namespaces/{namespace}/kv", handler: "put-kv-config", access: "write", tableAccess: "readWrite" },
  { id: "DeleteKvConfigInNamespace", method: "DELETE", path: "/namespaces/{namespace}/kv", handler: "delete-kv-config", access: "write", tableAccess: "readWrite" },
  { id: "GetKvList", method: "GET", path: "/kv/{namespace}", handler: "get-kv-list", access: "read", tableAccess: "read" },
  // Query forms (API.md "Version 2 additions"): names a path cannot carry through API Gateway.
  { id: "GetRouteInfoByTopicQuery", method: "GET", path: "/route", handler: "get-route-info-by-topic", access: "read", tableAccess: "read" },
  { id: "GetRoutes", method: "POST", path: "/routes", handler: "get-routes", access: "read", tableAccess: "read" },
  { id: "DeleteTopicQuery", method: "DELETE", path: "/topics", handler: "delete-topic", access: "write", tableAccess: "readWrite" },
  { id: "PutKvConfigQuery", method: "PUT", path: "/kv", handler: "put-kv-config", access: "write", tableAccess: "readWrite" },
  { id: "GetKvQuery", method: "GET", path: "/kv", handler: "get-kv", access: "read", tableAccess: "read" },
  { id: "DeleteKvConfigQuery", method: "DELETE", path: "/kv", handler: "delete-kv-config", access: "write", tableAccess: "readWrite" },
  { id: "GetNamesrvConfig", method: "GET", path: "/config", handler: "get-namesrv-config", access: "read", tableAccess: "read" },
  { id: "UpdateNamesrvConfig", method: "PUT", path: "/config", handler: "update-namesrv-config", access: "write", tableAccess: "readWrite" },
  { id: "GetHistory", method: "GET", path: "/history", handler: "get-history", access: "read", tableAccess: "read" },
  { id: "Health", method: "GET", path: "/health", handler: "health", access: "public", tableAccess: "read" },
];

/** With the stack's `functionUrl`: one function serving every route of the table (functions/router.ts). */
export const routerHandler = "router";

/** The sweeper is not an HTTP route, but it is a function of its own (scheduled every 30 s). */
export const sweeperHandler = "sweeper";

/**
 * Serves every request no route matches (on AWS the API's `$default` route): answers 404 NOT_FOUND,
 * or 405 METHOD_NOT_ALLOWED with an Allow header when the path is known under other methods.
 */
export const defaultRouteHandler = "not-found";
