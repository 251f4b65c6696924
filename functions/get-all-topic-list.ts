/** GET /topics (GET_ALL_TOPIC_LIST_FROM_NAMESERVER), sorted. */
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok({ topicList: await nameServer.getAllTopicList() });
});
