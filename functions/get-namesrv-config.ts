/** GET /config (GET_NAMESRV_CONFIG): every setting that changes behaviour, by name. */
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok({ config: await nameServer.getConfig() });
});
