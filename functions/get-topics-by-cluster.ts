/** GET /clusters/{clusterName}/topics (GET_TOPICS_BY_CLUSTER), sorted, in pages when large; unknown cluster: []. */
import { nameServer } from "../lib/app/container";
import { plainNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { cursorSchema, topicListPage } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const clusterName = request.path("clusterName", plainNameSchema);
  const { cursor } = request.query({ cursor: cursorSchema });
  return ok(topicListPage(await nameServer.getTopicsByCluster(clusterName), cursor));
});
