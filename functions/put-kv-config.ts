/** PUT /kv/{namespace}/{key} and PUT /kv?namespace=&key=, body {"value"}. */
import { nameServer } from "../lib/app/container";
import { kvKeySchema, kvPutSchema, nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const { namespace, key } = request.names({ namespace: nameSchema, key: kvKeySchema });
  const { value } = request.body(kvPutSchema);
  await nameServer.putKvConfig(namespace, key, value);
  return ok({});
});
