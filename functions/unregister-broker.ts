/** POST /brokers/unregister (UNREGISTER_BROKER): idempotent, cascades. */
import { nameServer } from "../lib/app/container";
import { unregisterBrokerSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  await nameServer.unregisterBroker(request.body(unregisterBrokerSchema));
  return ok({});
});
