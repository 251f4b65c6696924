/** DELETE /kv/{namespace}/{key}: idempotent. */
import { nameServer } from "../lib/app/container";
import { kvKeySchema, nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const namespace = request.path("namespace", nameSchema);
  const key = request.path("key", kvKeySchema);
  request.query({});
  await nameServer.deleteKvConfig(namespace, key);
  return ok({});
});
