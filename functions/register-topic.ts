/** POST /topics (REGISTER_TOPIC_IN_NAMESRV): queue data for registered groups; others are ignored. */
import { nameServer } from "../lib/app/container";
import { registerTopicSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  await nameServer.registerTopic(request.body(registerTopicSchema));
  return ok({});
});
