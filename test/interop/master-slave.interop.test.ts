/**
 * Master and slave brokers (ids 0 and 1) registered with RocketMQ's NameServer and the registry at
 * once: `kill -9` of the master and the registry's route drops it as RocketMQ's NameServer does,
 * the slave stays — once plain, once with enableSlaveActingMaster=true (BROKER_HEARTBEAT every
 * second, heartbeatTimeoutMillis in the registration). Then a 4.x broker with compressedRegister=true
 * (the deflated RegisterBrokerBody with `compressed=true`) registers with both alike.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { type RemotingCommand, requestCommand } from "../../lib/remoting/codec";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { comparable, saveFixture } from "./support/compare";
import { type RecordedFrame, type RecordingProxy, startRecordingProxy } from "./support/recording-proxy";
import { type RegistryUnderTest, startRegistry } from "./support/registry";
import {
  ROCKETMQ_4X_VERSION,
  type RocketMqBroker,
  type RocketMqNameServer,
  startRocketMqBroker,
  startRocketMqNameServer,
  stopAllRocketMq,
} from "./support/rocketmq";

let oracle: RocketMqNameServer;
let registry: RegistryUnderTest;
let oracleProxy: RecordingProxy;
let registryProxy: RecordingProxy;
let oracleClient: RemotingClient;
let registryClient: RemotingClient;

beforeAll(async () => {
  [oracle, registry] = await Promise.all([
    startRocketMqNameServer(),
    startRegistry({ dynamodbEndpoint: inject("dynamodbEndpoint") }),
  ]);
  oracleProxy = await startRecordingProxy(oracle.addr);
  registryProxy = await startRecordingProxy(registry.remotingAddr);
  oracleClient = new RemotingClient(oracle.addr, { timeoutMs: 10_000 });
  registryClient = new RemotingClient(registry.remotingAddr, { timeoutMs: 10_000 });
}, 300_000);

afterAll(async () => {
  oracleClient?.close();
  registryClient?.close();
  await Promise.all([oracleProxy?.close(), registryProxy?.close()]);
  await stopAllRocketMq();
  await Promise.all([registry?.stop(), oracle?.stop()]);
}, 120_000);

const namesrvAddr = () => `${oracleProxy.addr};${registryProxy.addr}`;

async function routes(topic: string) {
  const [o, r] = await Promise.all(
    [oracleClient, registryClient].map((c) => c.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic })),
  );
  return { oracle: comparable(o as RemotingCommand), registry: comparable(r as RemotingCommand) };
}

type Route = { brokerDatas: { brokerName: string; brokerAddrs: Record<string, string> }[] };

function addrsOf(route: { body: unknown }, brokerName: string): Record<string, string> | undefined {
  return (route.body as Route | null)?.brokerDatas?.find((b) => b.brokerName === brokerName)?.brokerAddrs;
}

/** Polls until the oracle's answer satisfies `done` and the registry's equals it; returns the last pair. */
async function converge(topic: string, done: (route: { body: unknown }) => boolean, timeoutMs = 45_000) {
  const started = Date.now();
  let last = await routes(topic);
  while (!(done(last.oracle) && JSON.stringify(last.registry) === JSON.stringify(last.oracle))) {
    if (Date.now() - started > timeoutMs) break;
    await new Promise((r) => setTimeout(r, 250));
    last = await routes(topic);
  }
  return last;
}

async function masterAndSlave(brokerName: string, config: Record<string, string | number | boolean>) {
  const master = await startRocketMqBroker({ namesrvAddr: namesrvAddr(), brokerName, brokerId: 0, config });
  const slave = await startRocketMqBroker({ namesrvAddr: namesrvAddr(), brokerName, brokerId: 1, config });
  await Promise.all(
    [master, slave].flatMap((b) => [
      b.waitRegistered(oracleProxy.addr),
      b.waitRegistered(registryProxy.addr),
    ]),
  );
  return { master, slave };
}

async function killMasterAndCompare(brokerName: string, master: RocketMqBroker, slave: RocketMqBroker) {
  // Every broker registers a topic named after its brokerName, served by master and slave.
  const before = await converge(brokerName, (r) => Object.keys(addrsOf(r, brokerName) ?? {}).length === 2);
  expect(addrsOf(before.oracle, brokerName)).toEqual({ "0": master.addr, "1": slave.addr });
  expect(before.registry).toEqual(before.oracle);

  await master.kill9();
  const after = await converge(brokerName, (r) => addrsOf(r, brokerName)?.["0"] === undefined);
  expect(addrsOf(after.oracle, brokerName)).toEqual({ "1": slave.addr });
  expect(after.registry).toEqual(after.oracle);
}

/**
 * The BROKER_HEARTBEAT requests of `brokerName` that the registry has processed: waits for a moment
 * when it has printed a request line for every one the proxy passed on (processed ≤ passed on, both
 * read at once), and returns those. With the RocketMQ stand-in (no request lines), what was passed on.
 */
async function heartbeatsProcessedByTheRegistry(brokerName: string): Promise<RecordedFrame[]> {
  const passedOn = () =>
    registryProxy.frames.filter(
      (f) =>
        f.direction === "request" &&
        f.command?.code === RequestCode.BROKER_HEARTBEAT &&
        f.command.extFields.brokerName === brokerName,
    );
  if (registry.kind !== "registry") return passedOn();
  const line = new RegExp(` remoting BROKER_HEARTBEAT .*broker=${brokerName}\\b`, "g");
  let processed: RecordedFrame[] = [];
  await expect
    .poll(
      () => {
        const printed = registry.output().match(line)?.length ?? 0;
        processed = passedOn();
        return printed >= processed.length;
      },
      {
        timeout: 15_000,
        interval: 50,
        message: `the registry's request lines for ${brokerName}'s heartbeats`,
      },
    )
    .toBe(true);
  return processed;
}

/** Runs a master/slave case; both brokers are gone afterwards, whatever happened. */
async function withMasterAndSlave(
  brokerName: string,
  config: Record<string, string | number | boolean>,
  body: (master: RocketMqBroker, slave: RocketMqBroker) => Promise<void>,
): Promise<void> {
  const { master, slave } = await masterAndSlave(brokerName, config);
  try {
    await body(master, slave);
  } finally {
    await Promise.all([master.kill9(), slave.stop()]);
  }
}

describe("kill -9 of the master", () => {
  it("plain master/slave: the registry drops the master as RocketMQ's NameServer does", async () => {
    await withMasterAndSlave("broker-b", {}, (master, slave) =>
      killMasterAndCompare("broker-b", master, slave),
    );
  });

  it("enableSlaveActingMaster=true (BROKER_HEARTBEAT every second): the same", async () => {
    // compatibleWithOldNameSrv (default true) would send the heartbeat as a oneway QUERY_DATA_VERSION.
    const config = { enableSlaveActingMaster: true, compatibleWithOldNameSrv: false };
    await withMasterAndSlave("broker-c", config, async (master, slave) => {
      const sentHeartbeat = () =>
        registryProxy.exchange(RequestCode.BROKER_HEARTBEAT, (r) => r.extFields.brokerName === "broker-c");
      await expect
        .poll(sentHeartbeat, { timeout: 15_000, interval: 250, message: "the brokers send BROKER_HEARTBEAT" })
        .toBeDefined();
      // No sleep "for an answer, if one were sent": a barrier. Once the registry has processed every
      // heartbeat the proxy passed on (one request line each; a wrong answer would be written in the
      // same step), a probe on each of their connections is answered after any such answer.
      const heartbeats = await heartbeatsProcessedByTheRegistry("broker-c");
      for (const connection of new Set(heartbeats.map((h) => h.connection))) {
        await registryProxy.probe(connection, requestCommand(RequestCode.GET_BROKER_CLUSTER_INFO));
      }
      const answered = heartbeats.filter(
        (h) =>
          registryProxy.frames.find(
            (f) =>
              f.direction === "response" &&
              f.connection === h.connection &&
              f.command?.opaque === h.command?.opaque,
          ) !== undefined,
      );
      expect(answered, "a oneway request gets no answer").toEqual([]);
      const heartbeat = sentHeartbeat();
      saveFixture("broker-heartbeat-oneway-5.3.3.bin", heartbeat?.request.bytes);
      const acting = oracleProxy.exchange(
        RequestCode.REGISTER_BROKER,
        (r) => r.extFields.brokerName === "broker-c" && r.extFields.brokerId === "1",
      );
      saveFixture("register-broker-slave-acting-master-5.3.3.bin", acting?.request.bytes);
      saveFixture("register-broker-slave-response-rocketmq-5.3.3.bin", acting?.response?.bytes);
      const memberGroup = oracleProxy.exchange(RequestCode.GET_BROKER_MEMBER_GROUP);
      saveFixture("get-broker-member-group-5.3.3.bin", memberGroup?.request.bytes);
      saveFixture("get-broker-member-group-response-rocketmq-5.3.3.bin", memberGroup?.response?.bytes);
      await killMasterAndCompare("broker-c", master, slave);
    });
  });
});

describe(`a ${ROCKETMQ_4X_VERSION} broker with compressedRegister=true`, () => {
  it("registers with both alike: same cluster info, same routes", async () => {
    const broker = await startRocketMqBroker({
      version: ROCKETMQ_4X_VERSION,
      namesrvAddr: namesrvAddr(),
      brokerName: "broker-d",
      config: { compressedRegister: true },
    });
    await Promise.all([broker.waitRegistered(oracleProxy.addr), broker.waitRegistered(registryProxy.addr)]);
    const registration = registryProxy.exchange(
      RequestCode.REGISTER_BROKER,
      (r) => r.extFields.brokerName === "broker-d",
    );
    expect(registration?.request.command?.extFields.compressed).toBe("true");
    expect(registration?.response?.command?.code, registration?.response?.command?.remark).toBe(0);
    saveFixture(`register-broker-${ROCKETMQ_4X_VERSION}-compressed.bin`, registration?.request.bytes);

    const route = await converge("broker-d", (r) => addrsOf(r, "broker-d")?.["0"] === broker.addr);
    expect(addrsOf(route.oracle, "broker-d")).toEqual({ "0": broker.addr });
    expect(route.registry).toEqual(route.oracle);
    const tbw = await routes("TBW102");
    expect(tbw.registry).toEqual(tbw.oracle);
    const [o, r] = await Promise.all(
      [oracleClient, registryClient].map((c) => c.invoke(RequestCode.GET_BROKER_CLUSTER_INFO)),
    );
    expect(comparable(r as RemotingCommand)).toEqual(comparable(o as RemotingCommand));
    await broker.stop();
  });
});
