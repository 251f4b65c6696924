/** PUT /config (UPDATE_NAMESRV_CONFIG) body {"config": {name: value}}: in force everywhere within seconds. */
import * as z from "zod";
import { nameServer } from "../lib/app/container";
import { httpHandler, ok } from "../lib/http/handler";

const updateConfigSchema = z.object({ config: z.record(z.string(), z.unknown()) });

export const handler = httpHandler(async (request) => {
  request.query({});
  await nameServer.updateConfig(request.body(updateConfigSchema).config);
  return ok({});
});
