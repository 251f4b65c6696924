/** POST /brokers/data-version (QUERY_DATA_VERSION): is the registration current? Refreshes liveness. */
import { nameServer } from "../lib/app/container";
import { queryDataVersionSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok(await nameServer.queryDataVersion(request.body(queryDataVersionSchema)));
});
