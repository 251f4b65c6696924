/**
 * POST /brokers/unregister and POST /clusters/{clusterName}/brokers/{brokerName}/unregister
 * (UNREGISTER_BROKER): idempotent, cascades. On the scoped form the body must name the path's group.
 */
import { nameServer } from "../lib/app/container";
import { plainNameSchema, unregisterBrokerSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { scopedBody } from "../lib/http/scope";

export const handler = httpHandler(async (request) => {
  request.query({});
  await nameServer.unregisterBroker(
    scopedBody(request, unregisterBrokerSchema, ["clusterName", "brokerName"], plainNameSchema),
  );
  return ok({});
});
