/** GET /brokers/{clusterName}/{brokerName} (GET_BROKER_MEMBER_GROUP): live members only. */
import { nameServer } from "../lib/app/container";
import { plainNameSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const clusterName = request.path("clusterName", plainNameSchema);
  const brokerName = request.path("brokerName", plainNameSchema);
  request.query({});
  return ok(await nameServer.getBrokerMemberGroup(clusterName, brokerName));
});
