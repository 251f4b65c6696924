/** GET /kv/{namespace}/{key} → {"value"} or 404 QUERY_NOT_FOUND. */
import { nameServer } from "../lib/app/container";
import { kvKeySchema, nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const { namespace, key } = request.names({ namespace: nameSchema, key: kvKeySchema });
  return ok({ value: await nameServer.getKvConfig(namespace, key) });
});
