/** GET /kv/{namespace} → {"table"} or 404 QUERY_NOT_FOUND. */
import { nameServer } from "../lib/app/container";
import { nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const { namespace } = request.names({ namespace: nameSchema });
  return ok({ table: await nameServer.getKvList(namespace) });
});
