/**
 * What every part of the hostile-request fuzzing shares: the request and response shapes, the body
 * limit, and the seed data the table holds before the fuzzing (the property: nothing of it changes).
 */
export const DEFAULT_BODY_LIMIT = 6 * 1024 * 1024;

/** What the table holds before the fuzzing: a master/slave group with topics, and KV entries. */
export const SEED = {
  clusterName: "FuzzSeedCluster",
  brokerName: "fuzz-seed-broker-7f3a",
  masterAddr: "10.77.0.1:10911",
  slaveAddr: "10.77.0.2:10911",
  topics: ["FuzzSeedTopic-7f3a-0", "FuzzSeedTopic-7f3a-1", "%RETRY%fuzz-seed-7f3a"],
  kvNamespace: "FuzzSeedNs-7f3a",
  kvKeys: ["seed.key.1", "seed key 2"],
  dataVersion: { stateVersion: 0, timestamp: 1_732_400_000_000, counter: 7 },
} as const;

export function seedRegistration(brokerId: 0 | 1): Record<string, unknown> {
  return {
    clusterName: SEED.clusterName,
    brokerName: SEED.brokerName,
    brokerId,
    brokerAddr: brokerId === 0 ? SEED.masterAddr : SEED.slaveAddr,
    haServerAddr: brokerId === 0 ? "10.77.0.1:10912" : "10.77.0.2:10912",
    zoneName: "az-1",
    heartbeatTimeoutMillis: 3_600_000,
    dataVersion: SEED.dataVersion,
    topicConfigTable: Object.fromEntries(
      SEED.topics.map((t) => [
        t,
        { topicName: t, readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0, order: false },
      ]),
    ),
    filterServerList: [],
  };
}

export interface HostileRequest {
  /** Category, for the report. */
  label: string;
  method: string;
  /** Path and query exactly as sent on the wire (ASCII, percent-encoded by hand). */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** A read (or idempotent delete) whose path decodes to valid names: 200/404 are fine too. */
  mayAccept?: boolean;
}

export interface HostileResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}
