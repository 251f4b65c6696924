/** GET /clusters/{clusterName}/topics (GET_TOPICS_BY_CLUSTER), sorted; unknown cluster: []. */
import { nameServer } from "../lib/app/container";
import { plainNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const clusterName = request.path("clusterName", plainNameSchema);
  request.query({});
  return ok({ topicList: await nameServer.getTopicsByCluster(clusterName) });
});
