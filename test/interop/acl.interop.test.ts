/**
 * Remoting accounts with real RocketMQ 5.3.3: `npm start` with NAMESRV_ACL_FILE, a broker whose
 * `innerClientAuthenticationCredentials` makes it sign its NameServer requests (AclClientRPCHook),
 * and mqadmin signing with `conf/tools.yml`. The broker account of group A registers group A and
 * cannot register group B; the admin may wipe write permission, an unsigned mqadmin may not; an
 * unsigned read is refused (anonymous defaults to none when a file is given), a client account's
 * read is let through. Each refusal is NO_PERMISSION with a remark naming the reason and changes
 * nothing. With RECORD_FIXTURES=1 the signed frames are saved to test/fixtures/remoting/ for
 * test/unit/remoting-acl-fixtures.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signExtFields } from "../../lib/remoting/acl/signature";
import { parseLenientJson } from "../../lib/remoting/fastjson";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { saveFixture } from "./support/compare";
import { type RecordingProxy, startRecordingProxy } from "./support/recording-proxy";
import { type RegistryUnderTest, STANDIN, startRegistry } from "./support/registry";
import {
  mqadmin,
  mqadminHomeWithCredentials,
  type RocketMqBroker,
  startRocketMqBroker,
  stopAllRocketMq,
} from "./support/rocketmq";

const ADMIN = { accessKey: "interop-admin", secretKey: "admin-secret-0001" };
const BROKER_A = { accessKey: "broker-a-key", secretKey: "broker-a-secret-01" };
const CLIENT = { accessKey: "interop-client", secretKey: "client-secret-0001" };
const CLUSTER = "AclCluster";

let dir: string;
let registry: RegistryUnderTest;
let proxy: RecordingProxy;
let client: RemotingClient;
let brokerA: RocketMqBroker;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "acl-interop-"));
  const aclFile = join(dir, "acl.json");
  writeFileSync(
    aclFile,
    JSON.stringify({
      accounts: [
        { ...ADMIN, role: "admin" },
        { ...BROKER_A, role: "broker", cluster: CLUSTER, brokerNames: ["broker-a"] },
        { ...CLIENT, role: "client" },
      ],
    }),
  );
  registry = await startRegistry({
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    env: { NAMESRV_ACL_FILE: aclFile },
  });
  proxy = await startRecordingProxy(registry.remotingAddr);
  client = new RemotingClient(registry.remotingAddr, { timeoutMs: 10_000 });
}, 300_000);

afterAll(async () => {
  client?.close();
  await proxy?.close();
  await stopAllRocketMq();
  await registry?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
}, 120_000);

/**
 * broker.conf entries that make a 5.3.3 broker sign what it sends (BrokerOuterAPI's AclClientRPCHook).
 * The broker insists on an authentication metadata provider to store that user in (its own
 * authentication stays off: nothing needs to sign towards the broker).
 */
const signing = (c: { accessKey: string; secretKey: string }) => ({
  innerClientAuthenticationCredentials: JSON.stringify({ accessKey: c.accessKey, secretKey: c.secretKey }),
  authenticationMetadataProvider:
    "org.apache.rocketmq.auth.authentication.provider.LocalAuthenticationMetadataProvider",
});

async function clusterInfo(): Promise<{ brokerAddrTable: Record<string, unknown> }> {
  const answer = await client.invoke(
    RequestCode.GET_BROKER_CLUSTER_INFO,
    signExtFields({}, undefined, CLIENT),
  );
  expect(answer.code).toBe(ResponseCode.SUCCESS);
  return parseLenientJson((answer.body as Buffer).toString("utf8")) as never;
}

async function topicPerm(topic: string): Promise<number | undefined> {
  const answer = await client.invoke(
    RequestCode.GET_ROUTEINFO_BY_TOPIC,
    signExtFields({ topic }, undefined, CLIENT),
  );
  if (answer.code !== ResponseCode.SUCCESS) return undefined;
  const route = parseLenientJson((answer.body as Buffer).toString("utf8")) as {
    queueDatas: { perm: number }[];
  };
  return route.queueDatas[0]?.perm;
}

describe.skipIf(STANDIN)("remoting accounts with real RocketMQ 5.3.3 (npm start, NAMESRV_ACL_FILE)", () => {
  it("a broker signing with its group's account (innerClientAuthenticationCredentials) registers", async () => {
    brokerA = await startRocketMqBroker({
      namesrvAddr: proxy.addr,
      clusterName: CLUSTER,
      brokerName: "broker-a",
      config: signing(BROKER_A),
    });
    await brokerA.waitRegistered(proxy.addr, 90_000);
    const exchange = proxy.exchange(RequestCode.REGISTER_BROKER);
    expect(exchange?.request.command?.extFields.AccessKey).toBe(BROKER_A.accessKey);
    expect(exchange?.request.command?.extFields.Signature).toMatch(/^[A-Za-z0-9+/]{27}=$/);
    expect(exchange?.response?.command?.code).toBe(ResponseCode.SUCCESS);
    saveFixture("register-broker-signed-5.3.3.bin", exchange?.request.bytes);
    expect(Object.keys((await clusterInfo()).brokerAddrTable)).toContain("broker-a");
  }, 180_000);

  it("the same account cannot register group B: NO_PERMISSION naming the group, nothing registered", async () => {
    const brokerB = await startRocketMqBroker({
      namesrvAddr: proxy.addr,
      clusterName: CLUSTER,
      brokerName: "broker-b",
      config: signing(BROKER_A),
    });
    const otherGroup = () =>
      proxy.exchange(RequestCode.REGISTER_BROKER, (request) => request.extFields.brokerName === "broker-b");
    await expect
      .poll(() => otherGroup()?.response?.command, { timeout: 60_000, interval: 250 })
      .toBeDefined();
    const refused = otherGroup()?.response?.command;
    expect(refused?.code).toBe(ResponseCode.NO_PERMISSION);
    expect(refused?.remark).toContain(
      'may send REGISTER_BROKER (103) for its own groups (broker-a) only, not "broker-b"',
    );
    saveFixture("register-broker-signed-other-group-5.3.3.bin", otherGroup()?.request.bytes);
    expect(brokerB.registrations(proxy.addr)).toBe(0);
    expect(Object.keys((await clusterInfo()).brokerAddrTable)).not.toContain("broker-b");
    await brokerB.kill9();
  }, 180_000);

  it("an unsigned mqadmin wipeWritePerm is refused and changes nothing", async () => {
    await expect.poll(() => topicPerm(CLUSTER), { timeout: 30_000 }).toBe(7);
    const result = await mqadmin(["wipeWritePerm", "-b", "broker-a", "-n", proxy.addr]);
    expect(result.output).toMatch(/CODE: 16|NO_PERMISSION|unsigned request/);
    const exchange = proxy.exchange(
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      (request) => request.extFields.AccessKey === undefined,
    );
    expect(exchange?.response?.command?.code).toBe(ResponseCode.NO_PERMISSION);
    expect(exchange?.response?.command?.remark).toContain("unsigned request");
    expect(await topicPerm(CLUSTER)).toBe(7);
  }, 120_000);

  it("a client account's mqadmin may not wipe either; the admin's signed wipeWritePerm does", async () => {
    const asClient = await mqadmin(
      ["wipeWritePerm", "-b", "broker-a", "-n", proxy.addr],
      60_000,
      mqadminHomeWithCredentials(CLIENT.accessKey, CLIENT.secretKey),
    );
    expect(asClient.output).toMatch(/CODE: 16|NO_PERMISSION|may not send/);
    expect(await topicPerm(CLUSTER)).toBe(7);

    const asAdmin = await mqadmin(
      ["wipeWritePerm", "-b", "broker-a", "-n", proxy.addr],
      60_000,
      mqadminHomeWithCredentials(ADMIN.accessKey, ADMIN.secretKey),
    );
    expect(asAdmin.output).toMatch(/wipe write perm of broker\[broker-a\] in name server\[[^\]]+\] OK, 1/);
    const exchange = proxy.exchange(
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      (request) => request.extFields.AccessKey === ADMIN.accessKey,
    );
    expect(exchange?.response?.command?.code).toBe(ResponseCode.SUCCESS);
    saveFixture("wipe-write-perm-signed-mqadmin-5.3.3.bin", exchange?.request.bytes);
    expect(await topicPerm(CLUSTER)).toBe(7 & ~2);
    // The history names mqadmin's account and address beside npm start's own HTTP caller.
    const history = (await (await fetch(`${registry.url}/history?broker=broker-a`)).json()) as {
      entries: Array<{
        action: string;
        caller: { remoting?: { accessKey?: string; remoteAddress: string } };
      }>;
    };
    const wiped = history.entries.filter((e) => e.action === "writePerm.wiped");
    expect(wiped).toHaveLength(1);
    expect(wiped[0]?.caller.remoting?.accessKey).toBe(ADMIN.accessKey);
    expect(wiped[0]?.caller.remoting?.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    // The broker's own registration: signed by its group's account.
    const registered = history.entries.find((e) => e.action === "broker.registered");
    expect(registered?.caller.remoting?.accessKey).toBe(BROKER_A.accessKey);
  }, 180_000);

  it("anonymous defaults to none: an unsigned route read is refused, a client account's is answered", async () => {
    const unsigned = await client.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: CLUSTER });
    expect(unsigned.code).toBe(ResponseCode.NO_PERMISSION);
    expect(unsigned.remark).toContain("anonymous access is none");
    const signed = await client.invoke(
      RequestCode.GET_ROUTEINFO_BY_TOPIC,
      signExtFields({ topic: CLUSTER }, undefined, CLIENT),
    );
    expect(signed.code).toBe(ResponseCode.SUCCESS);
    // The route read by a signed mqadmin (topicRoute): recorded for the unit tests.
    const route = await mqadmin(
      ["topicRoute", "-t", CLUSTER, "-n", proxy.addr],
      60_000,
      mqadminHomeWithCredentials(CLIENT.accessKey, CLIENT.secretKey),
    );
    expect(route.output).toContain("broker-a");
    saveFixture(
      "get-route-signed-mqadmin-5.3.3.bin",
      proxy.exchange(
        RequestCode.GET_ROUTEINFO_BY_TOPIC,
        (request) => request.extFields.AccessKey === CLIENT.accessKey,
      )?.request.bytes,
    );
  }, 120_000);
});
