/** GET /kv/{namespace} and GET /kv?namespace=N → {"table"} (in pages of keys when large) or 404 QUERY_NOT_FOUND. */
import { nameServer } from "../lib/app/container";
import { nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, kvTablePage } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const { namespace, cursor } = request.names({ namespace: nameSchema }, { cursor: cursorSchema });
  return ok(kvTablePage(await nameServer.getKvList(namespace), cursor));
});
