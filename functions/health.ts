/** GET /health: never authenticated; reports self-preservation. */
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok(await nameServer.health());
});
