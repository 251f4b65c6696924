/** GET /clusters/{clusterName}/topics (GET_TOPICS_BY_CLUSTER), sorted, in pages when large; unknown cluster: []. */
import { nameServer } from "../lib/app/container";
import { plainNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, jsonSize, pageOf } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const clusterName = request.path("clusterName", plainNameSchema);
  const { cursor } = request.query({ cursor: cursorSchema });
  const page = pageOf(await nameServer.getTopicsByCluster(clusterName), String, jsonSize, cursor);
  return ok({
    topicList: page.items,
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  });
});
