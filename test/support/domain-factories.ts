/** Factory fixtures for the pure rules: a member, a group and a registration, each with overrides. */
import {
  type BrokerGroup,
  type BrokerMember,
  type RegisterBrokerRequest,
  registerBrokerSchema,
  type StoredQueueData,
} from "../../lib/domain/model";

export const T0 = 1_800_000_000_000;

export function member(overrides: Partial<BrokerMember> = {}): BrokerMember {
  return {
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    haServerAddr: "10.0.0.1:10912",
    lastUpdateTimestamp: T0,
    heartbeatTimeoutMillis: 120_000,
    dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
    filterServerList: [],
    topologyVersion: 1,
    topicAuthority: true,
    digest: "digest",
    ...overrides,
  };
}

export function group(members: BrokerMember[], overrides: Partial<BrokerGroup> = {}): BrokerGroup {
  return {
    brokerName: "broker-a",
    clusterName: "DefaultCluster",
    enableActingMaster: false,
    epoch: "epoch-1",
    topologyVersion: 1,
    members: Object.fromEntries(members.map((m) => [String(m.brokerId), m])),
    ...overrides,
  };
}

export function request(overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
  return registerBrokerSchema.parse({
    clusterName: "DefaultCluster",
    brokerName: "broker-a",
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    haServerAddr: "10.0.0.1:10912",
    dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
    topicConfigTable: {
      TopicA: { topicName: "TopicA", readQueueNums: 4, writeQueueNums: 4, perm: 6 },
      TopicB: { topicName: "TopicB", readQueueNums: 8, writeQueueNums: 8, perm: 6 },
    },
    ...overrides,
  });
}

export function queueData(overrides: Partial<StoredQueueData> = {}): StoredQueueData {
  return {
    topic: "TopicA",
    brokerName: "broker-a",
    epoch: "epoch-1",
    readQueueNums: 4,
    writeQueueNums: 4,
    perm: 6,
    topicSysFlag: 0,
    ...overrides,
  };
}
