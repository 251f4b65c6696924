/** PUT /brokers/{brokerName}/write-perm (WIPE/ADD_WRITE_PERM_OF_BROKER). */
import { nameServer } from "../lib/app/container";
import { plainNameSchema, writePermSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  const brokerName = request.path("brokerName", plainNameSchema);
  request.query({});
  const { writable } = request.body(writePermSchema);
  return ok(await nameServer.setWritePerm(brokerName, writable));
});
