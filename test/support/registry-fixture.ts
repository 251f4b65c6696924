/**
 * Fixtures for integration tests: a NameServer over a fresh table on DynamoDB Local, a fake clock,
 * a capacity recorder, and registration factories with overrides.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
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

/** A fixture of one's own (its table is the caller's to drop); test files use `useRegistryFixture`. */
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

export interface RegistryFixtureOptions {
  selfPreservation?: SelfPreservationConfig;
  /** A fresh table for every test of the file (default: one table for the whole file). */
  perTest?: boolean;
}

/**
 * The integration tests' fixture, set up and torn down by the test file's hooks: a NameServer over a
 * fresh table of the run's DynamoDB Local (for the file, or for each test with `perTest`), dropped
 * afterwards. Call it once at the top of the file; its fields are there inside the file's tests and
 * hooks (its own hooks run before the file's `beforeAll`/`beforeEach` and after their `after*`).
 */
export function useRegistryFixture(options: RegistryFixtureOptions = {}): RegistryFixture {
  const { perTest = false, ...fixtureOptions } = options;
  let current: RegistryFixture | undefined;
  (perTest ? beforeEach : beforeAll)(async () => {
    current = await createRegistryFixture(fixtureOptions);
  });
  (perTest ? afterEach : afterAll)(async () => {
    await current?.table.drop();
    current = undefined;
  });
  const live = (): RegistryFixture => {
    if (current === undefined) throw new Error("the registry fixture exists only inside tests and hooks");
    return current;
  };
  return {
    get table() {
      return live().table;
    },
    get store() {
      return live().store;
    },
    get nameServer() {
      return live().nameServer;
    },
    get clock() {
      return live().clock;
    },
    get capacity() {
      return live().capacity;
    },
    another: () => live().another(),
  };
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
