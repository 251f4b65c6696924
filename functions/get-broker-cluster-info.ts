/** GET /clusters (GET_BROKER_CLUSTER_INFO): live instances only. */
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok(await nameServer.getBrokerClusterInfo());
});
