/** GET /kv/{namespace} and GET /kv?namespace=N → {"table"} (in pages of keys when large) or 404 QUERY_NOT_FOUND. */
import { nameServer } from "../lib/app/container";
import { nameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, jsonSize, pageOf } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const { namespace, cursor } = request.names({ namespace: nameSchema }, { cursor: cursorSchema });
  const entries = Object.entries(await nameServer.getKvList(namespace)).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const page = pageOf(entries, ([key]) => key, jsonSize, cursor);
  return ok({
    table: Object.fromEntries(page.items),
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  });
});
