/**
 * The registry's route reads in process, as functions/get-route-info-by-topic.ts and
 * functions/get-routes.ts answer them over a fixture's NameServer: what a gateway's route cache needs
 * (RegistryApi's getRouteInfoByTopic and getRoutes), for tests that run the real cache against the
 * real use cases on DynamoDB Local and a fake clock. Every topic the cache fetches is recorded.
 */
import { NameServerRequestError } from "../../lib/client/transport";
import { TopicNotExistError } from "../../lib/domain/errors";
import type { RegistryApi } from "../../lib/gateway/registry-api";
import { etagOf } from "../../lib/http/etag";
import type { RegistryFixture } from "./registry-fixture";

export interface InProcessRegistryApi {
  api: Pick<RegistryApi, "getRouteInfoByTopic" | "getRoutes">;
  /** The topics of each request that fetched routes (GET /route or a POST /routes naming topics). */
  fetched: string[][];
}

/**
 * `extensions: false` answers as a registry without this project's POST /routes extensions would:
 * no `deadlines`, no change feed (a gateway's routes are then bounded by their age only).
 */
export function inProcessRegistryApi(f: RegistryFixture, extensions = true): InProcessRegistryApi {
  const fetched: string[][] = [];
  const api: InProcessRegistryApi["api"] = {
    getRouteInfoByTopic: async (topic) => {
      fetched.push([topic]);
      try {
        const route = await f.nameServer.getRouteInfoByTopic(topic);
        return { notModified: false, route, etag: etagOf(JSON.stringify(route)) };
      } catch (error) {
        if (!(error instanceof TopicNotExistError)) throw error;
        throw new NameServerRequestError("in-process", 404, "TOPIC_NOT_EXIST", error.message);
      }
    },
    getRoutes: async (list, options) => {
      const deadlines = extensions && options?.deadlines === true;
      const since = extensions ? options?.changesSince : undefined;
      // As functions/get-routes.ts: the feed first, then the routes (none asked: no read).
      const changes = since === undefined ? undefined : await f.nameServer.getChanges(since);
      if (list.length > 0) fetched.push([...list]);
      const answer = await f.nameServer.getRoutes(list, undefined, deadlines ? { deadlines: true } : {});
      return {
        routes: Object.fromEntries(answer.routes),
        etags: Object.fromEntries([...answer.routes].map(([t, r]) => [t, etagOf(JSON.stringify(r))])),
        unchanged: [],
        missing: answer.missing,
        ...(deadlines ? { deadlines: answer.deadlines ?? {} } : {}),
        ...(changes === undefined ? {} : { changes }),
      };
    },
  };
  return { api, fetched };
}
