/**
 * The gateway's steady registration (lib/remoting/steady-registration.ts): a REGISTER_BROKER identical
 * to the last one the registry accepted goes as a light heartbeat (no topicConfigTable, the stored
 * dataVersion), the full body on a change, on 409 and every `fullRegistrationEvery`-th time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { RequestCode } from "../../lib/remoting/protocol";
import { encodeRegisterBrokerBody } from "../../lib/remoting/register-broker-body";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi, requestError } from "../support/fake-registry-api";

let gateway: RemotingGateway | undefined;
let client: RemotingClient | undefined;
afterEach(async () => {
  client?.close();
  await gateway?.close();
  gateway = undefined;
});

const header = {
  brokerName: "broker-a",
  brokerAddr: "10.0.0.1:10911",
  clusterName: "DefaultCluster",
  haServerAddr: "10.0.0.1:10912",
  brokerId: "1",
  compressed: "false",
};
const topicConfigTable = { TopicTest: { topicName: "TopicTest", readQueueNums: 8, writeQueueNums: 8 } };
const body = (counter: number) =>
  encodeRegisterBrokerBody(
    { dataVersion: { counter, stateVersion: 0, timestamp: 1732400000000 }, topicConfigTable },
    { compressed: false, version: 479 },
  );

async function start(api = fakeRegistryApi(), fullRegistrationEvery?: number) {
  gateway = await startRemotingGateway({
    port: 0,
    client: api,
    log: () => {},
    routeCacheIntervalMs: 0,
    ...(fullRegistrationEvery === undefined ? {} : { fullRegistrationEvery }),
  });
  client = new RemotingClient(`127.0.0.1:${gateway.port}`, { version: 479 });
  const register = async (counter: number, ext: Record<string, string> = {}) => {
    const answer = await client?.invoke(RequestCode.REGISTER_BROKER, { ...header, ...ext }, body(counter));
    expect(answer?.code).toBe(0);
    return answer;
  };
  const sent = () =>
    api.calls
      .filter((c) => c.method === "registerBroker")
      .map((c) => ("topicConfigTable" in (c.args[0] as object) ? "full" : "light"));
  return { api, register, sent };
}

describe("steady registration through the gateway", () => {
  it("sends the same registration again as a light heartbeat with the accepted dataVersion, answering as before", async () => {
    const { api, register, sent } = await start(
      fakeRegistryApi({
        registerBroker: () => ({ topicConfigApplied: true, masterAddr: "10.0.0.9:10911" }),
      }),
    );
    await register(3);
    const second = await register(3);
    expect(sent()).toEqual(["full", "light"]);
    expect(api.calls[1]?.args[0]).toEqual({
      clusterName: "DefaultCluster",
      brokerName: "broker-a",
      brokerId: 1,
      brokerAddr: "10.0.0.1:10911",
      haServerAddr: "10.0.0.1:10912",
      dataVersion: { counter: 3, stateVersion: 0, timestamp: 1732400000000 },
    });
    // A slave still learns its master's address from the light heartbeat's answer.
    expect(second?.extFields).toMatchObject({ masterAddr: "10.0.0.9:10911" });
    expect(gateway?.steady.stats).toEqual({ light: 1, full: 1, refused: 0 });
  });

  it("sends the full body when the body or a header field changed", async () => {
    const { register, sent } = await start();
    await register(3);
    await register(4);
    await register(4, { __ZONE_NAME: "az-2" });
    await register(4, { __ZONE_NAME: "az-2" });
    expect(sent()).toEqual(["full", "full", "full", "light"]);
  });

  it("on 409 FULL_REGISTRATION_REQUIRED resends in full at once, and the broker sees success", async () => {
    let refuse = true;
    const { register, sent } = await start(
      fakeRegistryApi({
        registerBroker: (request) => {
          if (!("topicConfigTable" in request) && refuse) {
            refuse = false;
            throw requestError(409, "FULL_REGISTRATION_REQUIRED");
          }
          return { topicConfigApplied: true };
        },
      }),
    );
    await register(3);
    await register(3);
    await register(3);
    expect(sent()).toEqual(["full", "light", "full", "light"]);
    expect(gateway?.steady.stats.refused).toBe(1);
  });

  it("other registry errors go to the broker as before (no silent full resend)", async () => {
    const api = fakeRegistryApi();
    const { register, sent } = await start(api);
    await register(3);
    api.answers.registerBroker = () => {
      throw requestError(503, "STORE_UNAVAILABLE");
    };
    const answer = await client?.invoke(RequestCode.REGISTER_BROKER, header, body(3));
    expect(answer?.code).not.toBe(0);
    expect(sent()).toEqual(["full", "light"]);
  });

  it("sends the full body at least every fullRegistrationEvery-th time; 1 turns the lever off", async () => {
    const every3 = await start(fakeRegistryApi(), 3);
    for (let i = 0; i < 7; i++) await every3.register(3);
    expect(every3.sent()).toEqual(["full", "light", "light", "full", "light", "light", "full"]);
    client?.close();
    await gateway?.close();
    const off = await start(fakeRegistryApi(), 1);
    for (let i = 0; i < 3; i++) await off.register(3);
    expect(off.sent()).toEqual(["full", "full", "full"]);
  });

  it("forgets a broker that unregisters: its next registration goes in full", async () => {
    const { register, sent } = await start();
    await register(3);
    await client?.invoke(RequestCode.UNREGISTER_BROKER, header);
    await register(3);
    expect(sent()).toEqual(["full", "full"]);
  });
});

describe("steady registration and the route cache", () => {
  it("an unchanged registration leaves cached routes in place; a changed one sends the next ask to the registry", async () => {
    const route = {
      queueDatas: [{ brokerName: "broker-a", readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [
        {
          cluster: "DefaultCluster",
          brokerName: "broker-a",
          brokerAddrs: { "1": "10.0.0.1:10911" },
          enableActingMaster: false,
        },
      ],
      filterServerTable: {},
    };
    const api = fakeRegistryApi({ getRouteInfoByTopic: () => ({ notModified: false, route, etag: '"e1"' }) });
    gateway = await startRemotingGateway({
      port: 0,
      client: api,
      log: () => {},
      routeCacheIntervalMs: 30_000,
    });
    client = new RemotingClient(`127.0.0.1:${gateway.port}`, { version: 479 });
    const ask = async () =>
      expect((await client?.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" }))?.code).toBe(
        0,
      );
    const fetches = () => api.calls.filter((c) => c.method === "getRouteInfoByTopic").length;
    const register = (counter: number) => client?.invoke(RequestCode.REGISTER_BROKER, header, body(counter));
    await register(3);
    await ask();
    expect(fetches()).toBe(1);
    for (let i = 0; i < 12; i++) await register(3); // light heartbeats and the periodic full body
    await ask();
    expect(fetches()).toBe(1);
    await register(4);
    await ask();
    expect(fetches()).toBe(2);
  });
});
