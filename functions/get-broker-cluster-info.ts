/**
 * GET /clusters (GET_BROKER_CLUSTER_INFO): live instances only. In pages of broker groups when large
 * (lib/http/pagination.ts): each page's clusterAddrTable lists that page's groups.
 */
import { nameServer } from "../lib/app/container";
import type { BrokerData } from "../lib/domain/model";
import { httpHandler, ok } from "../lib/http/handler";
import { byName, cursorSchema, jsonSize, pageOf } from "../lib/http/pagination";

export const handler = httpHandler(async (request) => {
  const { cursor } = request.query({ cursor: cursorSchema });
  const info = await nameServer.getBrokerClusterInfo();
  const groups = Object.values(info.brokerAddrTable).sort((a, b) => byName(a.brokerName, b.brokerName));
  const page = pageOf(groups, (g: BrokerData) => g.brokerName, jsonSize, cursor);
  if (cursor === undefined && page.nextCursor === undefined) return ok(info);
  const onPage = new Set(page.items.map((g) => g.brokerName));
  const clusterAddrTable: Record<string, string[]> = {};
  for (const [cluster, names] of Object.entries(info.clusterAddrTable)) {
    const here = names.filter((name) => onPage.has(name));
    if (here.length > 0) clusterAddrTable[cluster] = here;
  }
  return ok({
    brokerAddrTable: Object.fromEntries(page.items.map((g) => [g.brokerName, g])),
    clusterAddrTable,
    ...(page.nextCursor !== undefined ? { nextCursor: page.nextCursor } : {}),
  });
});
