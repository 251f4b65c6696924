/**
 * End to end: NAMESRV_TOKEN covers the remoting port of `npm start` too (README "Security"). Without
 * accounts (NAMESRV_ACL_FILE), an unsigned remoting request may read but not write: an anonymous
 * REGISTER_BROKER is refused with NO_PERMISSION and changes nothing, so it cannot take over a topic.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/local/dynamodb-local";
import { type SpawnedRegistry, spawnLocalRegistry } from "../../lib/local/registry";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { bodyCrc32, encodeRegisterBrokerBody } from "../../lib/remoting/register-broker-body";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { client, dynamodbEndpoint, registration, topicConfig, uniqueTableName } from "../support/e2e";

const TOKEN = "e2e-remoting-token-0123456789";
let registry: SpawnedRegistry;
let remoting: RemotingClient;

beforeAll(async () => {
  registry = await spawnLocalRegistry({
    dynamodbEndpoint: dynamodbEndpoint(),
    tableName: uniqueTableName("token-remoting"),
    token: TOKEN,
    remotingPort: await freePort(),
  });
  remoting = new RemotingClient(registry.remotingAddr ?? "", { timeoutMs: 20_000 });
}, 180_000);
afterAll(async () => {
  remoting?.close();
  await registry?.stop();
});

describe("token mode over remoting", () => {
  it("refuses an anonymous REGISTER_BROKER, which then takes over nothing", async () => {
    const api = client(registry.url, { authorization: `Bearer ${TOKEN}` });
    // The real owner of the topic registers over HTTP, with the token.
    expect(
      (
        await api.post(
          "/brokers/heartbeat",
          registration({
            brokerName: "owner",
            topicConfigTable: { Owned: topicConfig("Owned") },
          }),
        )
      ).status,
    ).toBe(200);
    const body = encodeRegisterBrokerBody(
      {
        dataVersion: { counter: 1, stateVersion: 1 << 30, timestamp: Date.now() },
        topicConfigTable: { Owned: { topicName: "Owned" } },
      },
      { compressed: false, version: 479 },
    );
    const answer = await remoting.invoke(
      RequestCode.REGISTER_BROKER,
      {
        brokerName: "owner",
        brokerAddr: "10.66.6.6:10911",
        clusterName: "DefaultCluster",
        haServerAddr: "10.66.6.6:10912",
        brokerId: "0",
        compressed: "false",
        bodyCrc32: String(bodyCrc32(body)),
      },
      body,
    );
    expect(answer.code).toBe(ResponseCode.NO_PERMISSION);
    const route = await api.get("/topics/Owned/route");
    expect(route.status).toBe(200);
    expect(JSON.stringify(route.body)).not.toContain("10.66.6.6");

    const kv = await remoting.invoke(RequestCode.PUT_KV_CONFIG, { namespace: "ns", key: "k", value: "v" });
    expect(kv.code).toBe(ResponseCode.NO_PERMISSION);
    expect((await api.get("/kv/ns/k")).status).toBe(404);
  });

  it("still answers anonymous reads", async () => {
    const answer = await remoting.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "Owned" });
    expect(answer.code).toBe(ResponseCode.SUCCESS);
    expect(registry.output()).toMatch(/token mode: unsigned reads only/);
  });
});
