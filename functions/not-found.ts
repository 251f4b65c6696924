/** The `$default` route: 404 NOT_FOUND, or 405 METHOD_NOT_ALLOWED with Allow for a known path. */
import { defaultRouteError, routedPath } from "../lib/http/default-route";
import { httpHandler } from "../lib/http/handler";

export const handler = httpHandler(async ({ event }) => {
  throw defaultRouteError(event.requestContext.http.method, routedPath(event));
});
