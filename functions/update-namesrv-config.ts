/** PUT /config (UPDATE_NAMESRV_CONFIG) body {"config": {name: value}}: in force everywhere within seconds. */
import { nameServer } from "../lib/app/container";
import { updateConfigSchema } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";

export const handler = httpHandler(async (request) => {
  request.query({});
  await nameServer.updateConfig(request.body(updateConfigSchema).config);
  return ok({});
});
