/**
 * A stand-in for the NameServer use cases, for handler tests that mock lib/app/container: one vi.fn()
 * per use case. The key list is typed over the NameServer interface, so a new use case fails typecheck
 * here until it is added, in one place for every handler test.
 */
import { type Mock, vi } from "vitest";
import type { NameServer } from "../../lib/app/name-server";

const useCases: Record<keyof NameServer, true> = {
  deleteKvConfig: true,
  deleteTopic: true,
  getAllTopicList: true,
  getBrokerClusterInfo: true,
  getBrokerMemberGroup: true,
  getChanges: true,
  getConfig: true,
  getHistory: true,
  getKvConfig: true,
  getKvList: true,
  getRouteInfoByTopic: true,
  getRoutes: true,
  getSystemTopicList: true,
  getTopicsByCluster: true,
  getUnitTopicList: true,
  health: true,
  listBrokers: true,
  putKvConfig: true,
  queryDataVersion: true,
  registerBroker: true,
  registerTopic: true,
  setWritePerm: true,
  sweep: true,
  touchBroker: true,
  unregisterBroker: true,
  updateConfig: true,
};

export function mockNameServer(): Record<keyof NameServer, Mock> {
  return Object.fromEntries(Object.keys(useCases).map((name) => [name, vi.fn()])) as Record<
    keyof NameServer,
    Mock
  >;
}
