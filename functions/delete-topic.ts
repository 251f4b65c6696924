/**
 * DELETE /topics/{topic} and DELETE /topics?topic= (DELETE_TOPIC_IN_NAMESRV): whole topic, or only
 * ?cluster='s queue data.
 */
import { nameServer } from "../lib/app/container";
import { nameSchema, topicNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const { topic, cluster } = request.names({ topic: topicNameSchema }, { cluster: nameSchema });
  await nameServer.deleteTopic(topic, cluster);
  return ok({});
});
