/**
 * What the `$default` route answers: 405 with Allow when the path exists under other methods, 404
 * otherwise. Decided from the route table, so it can never disagree with the routes actually served.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { NameServerError } from "../domain/errors";
import { MethodNotAllowedError, NotFoundError } from "./errors";
import { matchRoute } from "./route-match";

/** The request path as routed: `rawPath` without the stage prefix a named stage adds. */
export function routedPath(event: Pick<APIGatewayProxyEventV2, "rawPath" | "requestContext">): string {
  const stage = event.requestContext?.stage;
  const path = event.rawPath || "/";
  if (stage && stage !== "$default" && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    return path.slice(stage.length + 1) || "/";
  }
  return path;
}

export function defaultRouteError(method: string, path: string): NameServerError {
  const match = matchRoute(method, path);
  if (match.kind === "method-not-allowed") return new MethodNotAllowedError(method, path, match.allowed);
  // A matched route only reaches $default if the API is misconfigured: say "no such route" all the same.
  return new NotFoundError(`No route for ${method} ${path}`);
}
