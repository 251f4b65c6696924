/**
 * Fixtures for integration tests: a NameServer over a fresh table on DynamoDB Local, a fake clock,
 * a capacity recorder, and registration factories with overrides.
 */
import type { NameServer } from "../../lib/app/name-server";
import { createNameServer } from "../../lib/app/name-server-service";
import { type RegisterBrokerRequest, registerBrokerSchema } from "../../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION, type SelfPreservationConfig } from "../../lib/domain/self-preservation";
import { CapacityLog } from "../../lib/store/capacity-log";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";
import { createTestTable, type TestTable } from "./dynamodb";

export { CapacityLog };

export class FakeClock {
  constructor(public time = 1_800_000_000_000) {}
  now = () => this.time;
  advance(ms: number) {
    this.time += ms;
  }
}

export interface RegistryFixture {
  table: TestTable;
  store: DynamoRegistryStore;
  nameServer: NameServer;
  clock: FakeClock;
  capacity: CapacityLog;
  /** Another NameServer over the same table (another Lambda instance). */
  another(): NameServer;
}

export async function createRegistryFixture(
  options: { selfPreservation?: SelfPreservationConfig } = {},
): Promise<RegistryFixture> {
  const table = await createTestTable("ns");
  const capacity = new CapacityLog();
  const clock = new FakeClock();
  const store = new DynamoRegistryStore({
    client: table.client,
    tableName: table.tableName,
    recorder: capacity.record,
  });
  const selfPreservation = options.selfPreservation ?? { ...DEFAULT_SELF_PRESERVATION, enabled: false };
  const make = () => createNameServer({ store, now: clock.now, selfPreservation });
  return { table, store, nameServer: make(), clock, capacity, another: make };
}

export function topics(
  count: number,
  prefix = "Topic",
  perm = 6,
): NonNullable<RegisterBrokerRequest["topicConfigTable"]> {
  const table: Record<
    string,
    {
      topicName: string;
      readQueueNums: number;
      writeQueueNums: number;
      perm: number;
      topicSysFlag: number;
      order: boolean;
    }
  > = {};
  for (let i = 0; i < count; i++) {
    const name = `${prefix}-${i}`;
    table[name] = {
      topicName: name,
      readQueueNums: 4,
      writeQueueNums: 4,
      perm,
      topicSysFlag: 0,
      order: false,
    };
  }
  return table;
}

/** A valid registration (parsed like the handler does), with overrides. */
export function registration(overrides: Record<string, unknown> = {}): RegisterBrokerRequest {
  return registerBrokerSchema.parse({
    clusterName: "DefaultCluster",
    brokerName: "broker-a",
    brokerId: 0,
    brokerAddr: "10.0.0.1:10911",
    haServerAddr: "10.0.0.1:10912",
    dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 1 },
    topicConfigTable: topics(3),
    ...overrides,
  });
}
