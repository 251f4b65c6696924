/**
 * GET /kv?namespace=N&key=K (= GET /kv/{namespace}/{key}, {"value"}) and GET /kv?namespace=N
 * (= GET /kv/{namespace}, {"table"}): one route on API Gateway, so one handler; 404 QUERY_NOT_FOUND.
 */
import { nameServer } from "../lib/app/container";
import { kvKeySchema, nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const { namespace, key } = request.names({ namespace: nameSchema }, { key: kvKeySchema });
  if (key !== undefined) return ok({ value: await nameServer.getKvConfig(namespace, key) });
  return ok({ table: await nameServer.getKvList(namespace) });
});
