/**
 * GET /kv?namespace=N&key=K (= GET /kv/{namespace}/{key}, {"value"}) and GET /kv?namespace=N
 * (= GET /kv/{namespace}, {"table"}, in pages of keys when large): one route on API Gateway, so one
 * handler; 404 QUERY_NOT_FOUND.
 */
import { nameServer } from "../lib/app/container";
import { InvalidRequestError } from "../lib/domain/errors";
import { kvKeySchema, nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, kvTablePage } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const { namespace, key, cursor } = request.names(
    { namespace: nameSchema },
    { key: kvKeySchema, cursor: cursorSchema },
  );
  if (key !== undefined) {
    if (cursor !== undefined) {
      throw new InvalidRequestError("A cursor pages a namespace, not one key", [
        { field: "query.cursor", message: "cannot be combined with key" },
      ]);
    }
    return ok({ value: await nameServer.getKvConfig(namespace, key) });
  }
  return ok(kvTablePage(await nameServer.getKvList(namespace), cursor));
});
