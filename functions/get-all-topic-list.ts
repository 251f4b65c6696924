/** GET /topics (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted; in pages when large (lib/http/pagination.ts). */
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, jsonSize, pageOf } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const { cursor } = request.query({ cursor: cursorSchema });
  const page = pageOf(await nameServer.getAllTopicList(), String, jsonSize, cursor);
  return ok({
    topicList: page.items,
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  });
});
