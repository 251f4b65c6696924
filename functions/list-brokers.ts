/** GET /brokers: the live instances with their heartbeat times (the status page's broker view). */
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  return ok(await nameServer.listBrokers());
});
