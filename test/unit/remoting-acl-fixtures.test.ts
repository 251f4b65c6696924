/**
 * Request signatures against frames recorded from real RocketMQ 5.3.3 (test/fixtures/remoting/,
 * recorded by test/interop/acl.interop.test.ts with RECORD_FIXTURES=1): a broker signing with
 * `innerClientAuthenticationCredentials` and mqadmin signing with `conf/tools.yml`, both through
 * RocketMQ's own AclClientRPCHook. The verifier accepts them under the account's secret, refuses
 * them under any other or once a byte changes, and the gateway lets them through or refuses them
 * as the accounts say, replaying the exact recorded bytes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RemotingAccessControl } from "../../lib/gateway/acl/access";
import { parseAclConfig } from "../../lib/gateway/acl/acl-config";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { signatureMatches } from "../../lib/remoting/acl/signature";
import { FrameDecoder, type RemotingCommand } from "../../lib/remoting/codec";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { fakeRegistryApi } from "../support/fake-registry-api";
import { exchangeRawFrame } from "../support/raw-frame";

// The accounts of test/interop/acl.interop.test.ts (test-only keys, recorded with them).
const ADMIN = { accessKey: "interop-admin", secretKey: "admin-secret-0001" };
const BROKER_A = { accessKey: "broker-a-key", secretKey: "broker-a-secret-01" };
const CLIENT = { accessKey: "interop-client", secretKey: "client-secret-0001" };

const FIXTURES = join(import.meta.dirname, "../fixtures/remoting");
const bytesOf = (name: string) => readFileSync(join(FIXTURES, name));
const frameOf = (name: string): RemotingCommand => {
  const frames = new FrameDecoder().push(bytesOf(name));
  expect(frames).toHaveLength(1);
  return frames[0] as RemotingCommand;
};

const acl = new RemotingAccessControl(
  parseAclConfig(
    JSON.stringify({
      accounts: [
        { ...ADMIN, role: "admin" },
        { ...BROKER_A, role: "broker", cluster: "AclCluster", brokerNames: ["broker-a"] },
        { ...CLIENT, role: "client" },
      ],
    }),
  ),
);

const recorded = [
  { file: "register-broker-signed-5.3.3.bin", code: RequestCode.REGISTER_BROKER, account: BROKER_A },
  {
    file: "register-broker-signed-other-group-5.3.3.bin",
    code: RequestCode.REGISTER_BROKER,
    account: BROKER_A,
  },
  {
    file: "wipe-write-perm-signed-mqadmin-5.3.3.bin",
    code: RequestCode.WIPE_WRITE_PERM_OF_BROKER,
    account: ADMIN,
  },
  { file: "get-route-signed-mqadmin-5.3.3.bin", code: RequestCode.GET_ROUTEINFO_BY_TOPIC, account: CLIENT },
];

describe("signatures RocketMQ 5.3.3 made (AclClientRPCHook), verified", () => {
  it.each(recorded)("$file verifies under its account's secret only", ({ file, code, account }) => {
    const frame = frameOf(file);
    expect(frame.code).toBe(code);
    expect(frame.extFields.AccessKey).toBe(account.accessKey);
    expect(signatureMatches(frame.extFields, frame.body, account.secretKey)).toBe(true);
    for (const other of [ADMIN, BROKER_A, CLIENT].filter((a) => a !== account)) {
      expect(signatureMatches(frame.extFields, frame.body, other.secretKey)).toBe(false);
    }
  });

  it("the broker's signature covers its RegisterBrokerBody: one changed body byte fails it", () => {
    const frame = frameOf("register-broker-signed-5.3.3.bin");
    const body = Buffer.from(frame.body as Buffer);
    expect(body.length).toBeGreaterThan(100);
    body[body.length - 2] = (body[body.length - 2] as number) ^ 1;
    expect(signatureMatches(frame.extFields, body, BROKER_A.secretKey)).toBe(false);
  });

  it("and its header: a changed broker name fails it", () => {
    const frame = frameOf("register-broker-signed-5.3.3.bin");
    expect(frame.extFields.brokerName).toBe("broker-a");
    expect(
      signatureMatches({ ...frame.extFields, brokerName: "broker-b" }, frame.body, BROKER_A.secretKey),
    ).toBe(false);
  });

  it("mqadmin's signed wipe names broker-a in a signed header", () => {
    const frame = frameOf("wipe-write-perm-signed-mqadmin-5.3.3.bin");
    expect(frame.extFields.brokerName).toBe("broker-a");
    expect(
      signatureMatches({ ...frame.extFields, brokerName: "broker-x" }, frame.body, ADMIN.secretKey),
    ).toBe(false);
  });
});

describe("the gateway replaying the recorded bytes", () => {
  let gateway: RemotingGateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  async function replay(file: string) {
    const api = fakeRegistryApi();
    gateway = await startRemotingGateway({
      port: 0,
      client: api,
      routeCacheIntervalMs: 0,
      acl,
      log: () => {},
    });
    const answer = await exchangeRawFrame(gateway.port, bytesOf(file));
    return { answer, calls: api.calls.map((c) => c.method) };
  }

  it("the broker's own group: registered", async () => {
    const { answer, calls } = await replay("register-broker-signed-5.3.3.bin");
    expect(answer.code).toBe(ResponseCode.SUCCESS);
    expect(calls).toEqual(["registerBroker"]);
  });

  it("group B signed by group A's account: NO_PERMISSION, the registry never called", async () => {
    const { answer, calls } = await replay("register-broker-signed-other-group-5.3.3.bin");
    expect(answer.code).toBe(ResponseCode.NO_PERMISSION);
    expect(answer.remark).toContain('own groups (broker-a) only, not "broker-b"');
    expect(calls).toEqual([]);
  });

  it("the admin's wipe: let through", async () => {
    const { answer, calls } = await replay("wipe-write-perm-signed-mqadmin-5.3.3.bin");
    expect(answer.code).toBe(ResponseCode.SUCCESS);
    expect(calls).toEqual(["setWritePerm"]);
  });

  it("an unsigned mqadmin route request (recorded before accounts existed): refused, anonymous is none", async () => {
    const { answer, calls } = await replay("get-route-request-mqadmin-5.3.3.bin");
    expect(answer.code).toBe(ResponseCode.NO_PERMISSION);
    expect(answer.remark).toContain("anonymous access is none");
    expect(calls).toEqual([]);
  });
});
