/**
 * POST /brokers/data-version and POST /clusters/{clusterName}/brokers/{brokerName}/data-version
 * (QUERY_DATA_VERSION): is the registration current? Refreshes liveness. On the scoped form the body
 * must name the path's group.
 */
import { nameServer } from "../lib/app/container";
import { plainNameSchema, queryDataVersionSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { scopedBody } from "../lib/http/scope";

export const handler = httpHandler(async (request) => {
  request.query({});
  const query = scopedBody(request, queryDataVersionSchema, ["clusterName", "brokerName"], plainNameSchema);
  return ok(await nameServer.queryDataVersion(query));
});
