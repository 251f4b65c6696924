/** DELETE /kv/{namespace}/{key} and DELETE /kv?namespace=&key=: idempotent. */
import { nameServer } from "../lib/app/container";
import { kvKeySchema, nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const { namespace, key } = request.names({ namespace: nameSchema, key: kvKeySchema });
  await nameServer.deleteKvConfig(namespace, key);
  return ok({});
});
