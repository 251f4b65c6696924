/**
 * Every route of the route table from one function: the stack's `functionUrl` front door (a Lambda
 * function URL, which has no routes of its own). Routes exactly as API Gateway and the local server
 * do (lib/http/route-match.ts over the path decoded once), then hands the event to the route's own
 * handler with its routeKey and path parameters. Clients send names as query parameters, so the path
 * never holds anything a decoding could change.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { defaultRouteError } from "../lib/http/default-route";
import { httpHandler } from "../lib/http/handler";
import { decodePath, matchRoute, routeKeyOf } from "../lib/http/route-match";
import { handler as deleteKvConfig } from "./delete-kv-config";
import { handler as deleteTopic } from "./delete-topic";
import { handler as getAllTopicList } from "./get-all-topic-list";
import { handler as getBrokerClusterInfo } from "./get-broker-cluster-info";
import { handler as getBrokerMemberGroup } from "./get-broker-member-group";
import { handler as getHistory } from "./get-history";
import { handler as getKv } from "./get-kv";
import { handler as getKvConfig } from "./get-kv-config";
import { handler as getKvList } from "./get-kv-list";
import { handler as getNamesrvConfig } from "./get-namesrv-config";
import { handler as getRouteInfoByTopic } from "./get-route-info-by-topic";
import { handler as getRoutes } from "./get-routes";
import { handler as getTopicsByCluster } from "./get-topics-by-cluster";
import { handler as health } from "./health";
import { handler as listBrokers } from "./list-brokers";
import { handler as putKvConfig } from "./put-kv-config";
import { handler as queryDataVersion } from "./query-data-version";
import { handler as registerBroker } from "./register-broker";
import { handler as registerTopic } from "./register-topic";
import { handler as setWritePerm } from "./set-write-perm";
import { handler as touchBroker } from "./touch-broker";
import { handler as unregisterBroker } from "./unregister-broker";
import { handler as updateNamesrvConfig } from "./update-namesrv-config";

type Handler = (event: APIGatewayProxyEventV2) => Promise<unknown>;

/** By the route table's `handler` module name; test/unit/http-router.test.ts checks it covers the table. */
export const handlers: Readonly<Record<string, Handler>> = {
  "delete-kv-config": deleteKvConfig,
  "delete-topic": deleteTopic,
  "get-all-topic-list": getAllTopicList,
  "get-broker-cluster-info": getBrokerClusterInfo,
  "get-broker-member-group": getBrokerMemberGroup,
  "get-history": getHistory,
  "get-kv": getKv,
  "get-kv-config": getKvConfig,
  "get-kv-list": getKvList,
  "get-route-info-by-topic": getRouteInfoByTopic,
  "get-routes": getRoutes,
  "get-topics-by-cluster": getTopicsByCluster,
  health,
  "list-brokers": listBrokers,
  "put-kv-config": putKvConfig,
  "register-broker": registerBroker,
  "set-write-perm": setWritePerm,
  "unregister-broker": unregisterBroker,
  "update-namesrv-config": updateNamesrvConfig,
  "touch-broker": touchBroker,
  "register-topic": registerTopic,
  "query-data-version": queryDataVersion,
  "get-namesrv-config": getNamesrvConfig,
};

const notFound = httpHandler(async ({ event }) => {
  throw defaultRouteError(event.requestContext.http.method, decodePath(event.rawPath));
});

export async function handler(event: APIGatewayProxyEventV2): Promise<unknown> {
  let path: string;
  try {
    path = decodePath(event.rawPath);
  } catch {
    return notFound(event);
  }
  const match = matchRoute(event.requestContext.http.method, path);
  const routed = match.kind === "route" ? handlers[match.route.handler] : undefined;
  if (match.kind !== "route" || routed === undefined) return notFound(event);
  const routeKey = routeKeyOf(match.route);
  return routed({
    ...event,
    routeKey,
    rawPath: path,
    requestContext: { ...event.requestContext, routeKey, http: { ...event.requestContext.http, path } },
    ...(Object.keys(match.pathParameters).length > 0 ? { pathParameters: match.pathParameters } : {}),
  });
}
