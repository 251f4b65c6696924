/**
 * Who may call which route (README "Security"): HTTP APIs have no resource policies, so the binding of
 * a caller to what it may write comes from the execute-api resource ARNs of its IAM policy, which name
 * a method and a path. The scoped write routes of the route table put the cluster and broker group (or
 * the KV namespace) in the path; these helpers turn the route table into the paths a role is given.
 */
import { PLAIN_NAME_PATTERN } from "../lib/domain/model";
import { type HttpMethod, type RouteDefinition, routes } from "../lib/http/routes";

/** One broker group: its cluster and its brokerName (RocketMQ's broker group name). */
export interface BrokerGroupRef {
  readonly cluster: string;
  readonly brokerName: string;
}

export interface RouteGrant {
  readonly method: HttpMethod;
  /** A concrete path, or a path with `*` where any value is allowed. */
  readonly path: string;
}

const BROKER_SCOPE = "/clusters/{clusterName}/brokers/{brokerName}/";
const KV_SCOPE = "/namespaces/{namespace}/";

function requirePlain(what: string, value: string): void {
  if (!PLAIN_NAME_PATTERN.test(value)) {
    throw new Error(
      `${what} "${value}" is not a plain name (letters, digits, _ - and ., not starting with .): it cannot be bound by an IAM resource ARN`,
    );
  }
}

/** The scoped broker write routes (heartbeat, unregister, and whatever else the table scopes so). */
export function brokerWriteRoutes(table: readonly RouteDefinition[] = routes): RouteDefinition[] {
  return table.filter((route) => route.access === "write" && route.path.startsWith(BROKER_SCOPE));
}

/** The scoped KV write routes (PUT / DELETE /namespaces/{namespace}/kv). */
export function kvWriteRoutes(table: readonly RouteDefinition[] = routes): RouteDefinition[] {
  return table.filter((route) => route.access === "write" && route.path.startsWith(KV_SCOPE));
}

/** What a producer or consumer needs: every read route (routes, clusters, topic lists, KV reads). */
export function readRoutes(table: readonly RouteDefinition[] = routes): RouteDefinition[] {
  return table.filter((route) => route.access === "read");
}

/** The writes of one broker group, and nothing else: no other group, no unscoped form. */
export function brokerWriteGrants(group: BrokerGroupRef, table?: readonly RouteDefinition[]): RouteGrant[] {
  requirePlain("cluster", group.cluster);
  requirePlain("brokerName", group.brokerName);
  return brokerWriteRoutes(table).map((route) => ({
    method: route.method,
    path: route.path.replace("{clusterName}", group.cluster).replace("{brokerName}", group.brokerName),
  }));
}

/** The KV writes of one namespace (plain namespaces only: one holding `%` cannot travel in a path). */
export function kvWriteGrants(namespace: string, table?: readonly RouteDefinition[]): RouteGrant[] {
  if (!/^[|a-zA-Z0-9_-]+$/.test(namespace)) {
    throw new Error(
      `KV namespace "${namespace}" cannot be bound by a path (it holds % or another character)`,
    );
  }
  return kvWriteRoutes(table).map((route) => ({
    method: route.method,
    path: route.path.replace("{namespace}", namespace),
  }));
}

/** Read routes with each path parameter as `*` (any topic, cluster, namespace, key). */
export function readGrants(table?: readonly RouteDefinition[]): RouteGrant[] {
  return readRoutes(table).map((route) => ({
    method: route.method,
    path: route.path.replace(/\{[^}]+\}/g, "*"),
  }));
}
