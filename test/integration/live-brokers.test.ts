/**
 * listBrokers (GET /brokers) against DynamoDB Local: the status page's view of every live instance,
 * with the heartbeat time the registry applied and the registry's own clock.
 */
import { describe, expect, it } from "vitest";
import { registration, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture();

describe("listBrokers", () => {
  it("answers each live instance with its last heartbeat and timeout, and drops one past it before any sweep", async () => {
    const start = f.clock.now();
    await f.nameServer.registerBroker(
      registration({ brokerName: "lb-a", zoneName: "az-1", heartbeatTimeoutMillis: 10_000 }),
    );
    await f.nameServer.registerBroker(
      registration({
        brokerName: "lb-a",
        brokerId: 1,
        brokerAddr: "10.0.0.2:10911",
        haServerAddr: undefined,
        zoneName: "az-1",
        heartbeatTimeoutMillis: 30_000,
      }),
    );
    await f.nameServer.registerBroker(
      registration({ clusterName: "AnotherCluster", brokerName: "lb-b", brokerAddr: "10.0.1.1:10911" }),
    );
    f.clock.advance(4_000);

    const table = await f.nameServer.listBrokers();
    expect(table.now).toBe(start + 4_000);
    expect(table.brokers).toEqual([
      {
        clusterName: "AnotherCluster",
        brokerName: "lb-b",
        enableActingMaster: false,
        brokerId: 0,
        brokerAddr: "10.0.1.1:10911",
        haServerAddr: "10.0.0.1:10912",
        lastUpdateTimestamp: start,
        heartbeatTimeoutMillis: 120_000,
        dataVersion: { stateVersion: 0, timestamp: 1732400000000, counter: 1 },
        preserved: false,
      },
      expect.objectContaining({
        brokerName: "lb-a",
        brokerId: 0,
        zoneName: "az-1",
        lastUpdateTimestamp: start,
      }),
      expect.objectContaining({ brokerName: "lb-a", brokerId: 1, brokerAddr: "10.0.0.2:10911" }),
    ]);
    expect(table.brokers[2]).not.toHaveProperty("haServerAddr");

    // The master's heartbeat stops; the slave's goes on. Past 10 s the master is gone, unswept.
    await f.nameServer.registerBroker(
      registration({
        brokerName: "lb-a",
        brokerId: 1,
        brokerAddr: "10.0.0.2:10911",
        heartbeatTimeoutMillis: 30_000,
      }),
    );
    f.clock.advance(6_001);
    const later = await f.nameServer.listBrokers();
    expect(
      later.brokers.map((b) => `${b.brokerName}/${b.brokerId}@${b.lastUpdateTimestamp - start}`),
    ).toEqual(["lb-b/0@0", "lb-a/1@4000"]);
  });
});
