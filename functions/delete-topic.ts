/** DELETE /topics/{topic} (DELETE_TOPIC_IN_NAMESRV): whole topic, or only ?cluster='s queue data. */
import { nameServer } from "../lib/app/container";
import { plainNameSchema, topicNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const topic = request.path("topic", topicNameSchema);
  const { cluster } = request.query({ cluster: plainNameSchema });
  await nameServer.deleteTopic(topic, cluster);
  return ok({});
});
