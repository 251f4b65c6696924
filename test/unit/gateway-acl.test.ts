/**
 * Remoting accounts (lib/remoting/acl): the ACL file's two spellings, the role rules, and the
 * gateway refusing with NO_PERMISSION before any registry call. The signature bytes themselves are
 * checked against frames recorded from real RocketMQ in remoting-acl-fixtures.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { RemotingAccessControl } from "../../lib/gateway/acl/access";
import { AclConfigError, loadAclFile, parseAclConfig } from "../../lib/gateway/acl/acl-config";
import { loadAclFromEnvironment } from "../../lib/gateway/acl/acl-source";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import {
  calSignature,
  SIGNATURE,
  signatureContent,
  signatureMatches,
  signExtFields,
} from "../../lib/remoting/acl/signature";
import type { RemotingCommand } from "../../lib/remoting/codec";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { fakeRegistryApi } from "../support/fake-registry-api";

const ADMIN = { accessKey: "admin-key", secretKey: "admin-secret" };
const BROKER = { accessKey: "broker-a-key", secretKey: "broker-a-secret" };
const CLIENT = { accessKey: "client-key", secretKey: "client-secret" };

const config = (anonymous?: "none" | "read") =>
  parseAclConfig(
    JSON.stringify({
      ...(anonymous === undefined ? {} : { anonymous }),
      accounts: [
        { ...ADMIN, role: "admin" },
        { ...BROKER, role: "broker", cluster: "C1", brokerNames: ["broker-a"] },
        { ...CLIENT, role: "client" },
      ],
    }),
  );

const request = (code: number, extFields: Record<string, string>, body?: Buffer): RemotingCommand => ({
  code,
  language: "JAVA",
  version: 479,
  opaque: 1,
  flag: 0,
  extFields,
  ...(body === undefined ? {} : { body }),
});

const brokerHeader = (brokerName: string, clusterName = "C1") => ({
  brokerName,
  clusterName,
  brokerAddr: "127.0.0.1:10911",
  brokerId: "0",
});

describe("the signature (AclClientRPCHook's bytes)", () => {
  it("signs the values sorted by key, without Signature, then the body", () => {
    const content = signatureContent({ b: "2", a: "1", Signature: "x", B: "0" }, Buffer.from("BODY"));
    // Java's TreeMap order: "B" < "Signature" < "a" < "b" (UTF-16 code units, upper case first).
    expect(content.toString("utf8")).toBe("012BODY");
  });

  it("is Base64(HmacSHA1(secret, content)): RFC 2202's test case 2", () => {
    expect(calSignature(Buffer.from("what do ya want for nothing?"), "Jefe")).toBe(
      Buffer.from("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "hex").toString("base64"),
    );
  });

  it("a signed request verifies under its secret only, and not once a field or the body changes", () => {
    const body = Buffer.from('{"x":1}');
    const signed = signExtFields({ topic: "T" }, body, CLIENT);
    expect(signed.AccessKey).toBe(CLIENT.accessKey);
    expect(signatureMatches(signed, body, CLIENT.secretKey)).toBe(true);
    expect(signatureMatches(signed, body, ADMIN.secretKey)).toBe(false);
    expect(signatureMatches({ ...signed, topic: "U" }, body, CLIENT.secretKey)).toBe(false);
    expect(signatureMatches(signed, Buffer.from('{"x":2}'), CLIENT.secretKey)).toBe(false);
    const { [SIGNATURE]: _, ...unsigned } = signed;
    expect(signatureMatches(unsigned, body, CLIENT.secretKey)).toBe(false);
  });

  it("a security token takes part in the signature", () => {
    const signed = signExtFields({}, undefined, { ...CLIENT, securityToken: "tok" });
    expect(signed.SecurityToken).toBe("tok");
    expect(signatureMatches({ ...signed, SecurityToken: "other" }, undefined, CLIENT.secretKey)).toBe(false);
  });
});

describe("the ACL file", () => {
  it("JSON: anonymous defaults to none when a file is given", () => {
    const parsed = config();
    expect(parsed.anonymous).toBe("none");
    expect(parsed.accounts.map((a) => a.role)).toEqual(["admin", "broker", "client"]);
  });

  it("YAML with plain_acl.yml's names: admin: true is an admin, another account a client", () => {
    const parsed = parseAclConfig(
      [
        "globalWhiteRemoteAddresses: ['10.10.103.*']",
        "accounts:",
        "  - accessKey: RocketMQ",
        "    secretKey: 12345678",
        "    admin: false",
        "    defaultTopicPerm: DENY",
        "  - accessKey: rocketmq2",
        "    secretKey: 12345678",
        "    admin: true",
        "  - accessKey: broker-x",
        "    secretKey: s3cret",
        "    role: broker",
        "    brokerNames: [broker-x]",
        "anonymous: read",
      ].join("\n"),
      "yaml",
    );
    expect(parsed).toEqual({
      anonymous: "read",
      accounts: [
        { accessKey: "RocketMQ", secretKey: "12345678", role: "client" },
        { accessKey: "rocketmq2", secretKey: "12345678", role: "admin" },
        { accessKey: "broker-x", secretKey: "s3cret", role: "broker", brokerNames: ["broker-x"] },
      ],
    });
  });

  it.each([
    ['{"accounts": [{"accessKey": "a", "role": "admin"}]}', "accounts.0.secretKey"],
    ['{"accounts": [{"accessKey": "a", "secretKey": "s", "role": "root"}]}', "accounts.0.role"],
    ['{"anonymous": "all", "accounts": []}', "anonymous"],
    [
      '{"accounts": [{"accessKey": "a", "secretKey": "s"}, {"accessKey": "a", "secretKey": "t"}]}',
      "listed twice",
    ],
    [
      '{"accounts": [{"accessKey": "a", "secretKey": "s", "role": "client", "brokerNames": ["b"]}]}',
      'role "broker"',
    ],
    ["{not json", "not valid JSON"],
  ])("refuses %s naming %s", (text, field) => {
    expect(() => parseAclConfig(text)).toThrow(AclConfigError);
    expect(() => parseAclConfig(text)).toThrow(field);
  });

  it("a file by path: .yml as YAML; a missing file named", () => {
    const dir = mkdtempSync(join(tmpdir(), "acl-"));
    try {
      writeFileSync(
        join(dir, "plain_acl.yml"),
        "accounts:\n  - accessKey: k\n    secretKey: s\n    admin: true\n",
      );
      expect(loadAclFile(join(dir, "plain_acl.yml")).accounts[0]?.role).toBe("admin");
      expect(() => loadAclFile(join(dir, "missing.json"))).toThrow(/cannot read .*missing\.json: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the environment: none set is no accounts; both set is an error; a secret is read and never quoted", async () => {
    expect(await loadAclFromEnvironment({})).toBeUndefined();
    await expect(
      loadAclFromEnvironment({ NAMESRV_ACL_FILE: "/x.json", NAMESRV_ACL_SECRET_ARN: "arn:x" }),
    ).rejects.toThrow("not both");
    const fromSecret = await loadAclFromEnvironment(
      { NAMESRV_ACL_SECRET_ARN: "arn:aws:secretsmanager:x" },
      async (id) => {
        expect(id).toBe("arn:aws:secretsmanager:x");
        return JSON.stringify({ anonymous: "read", accounts: [{ ...ADMIN, role: "admin" }] });
      },
    );
    expect(fromSecret?.anonymous).toBe("read");
    const leak = loadAclFromEnvironment(
      { NAMESRV_ACL_SECRET_ARN: "arn:s" },
      async () => "{ very-secret-value",
    );
    await expect(leak).rejects.toThrow("not valid JSON");
    await expect(
      loadAclFromEnvironment({ NAMESRV_ACL_SECRET_ARN: "arn:s" }, async () => "{ very-secret-value"),
    ).rejects.not.toThrow("very-secret");
  });
});

describe("who may send what", () => {
  const acl = new RemotingAccessControl(config());
  const check = (code: number, ext: Record<string, string>, creds?: typeof ADMIN, body?: Buffer) =>
    acl.check(request(code, creds === undefined ? ext : signExtFields(ext, body, creds), body));

  it("admin: everything, e.g. WIPE_WRITE_PERM_OF_BROKER and UPDATE_NAMESRV_CONFIG", () => {
    expect(check(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "b" }, ADMIN)).toEqual({
      allowed: true,
      caller: { accessKey: ADMIN.accessKey, role: "admin" },
    });
    expect(check(RequestCode.UPDATE_NAMESRV_CONFIG, {}, ADMIN, Buffer.from("a=b")).allowed).toBe(true);
  });

  it("broker: its own group's registration, heartbeat, data version, member group", () => {
    for (const code of [
      RequestCode.REGISTER_BROKER,
      RequestCode.UNREGISTER_BROKER,
      RequestCode.BROKER_HEARTBEAT,
      RequestCode.QUERY_DATA_VERSION,
      RequestCode.GET_BROKER_MEMBER_GROUP,
    ]) {
      expect(check(code, brokerHeader("broker-a"), BROKER).allowed, `code ${code}`).toBe(true);
    }
  });

  it("broker: another group, or another cluster, is refused naming it", () => {
    const other = check(RequestCode.REGISTER_BROKER, brokerHeader("broker-b"), BROKER);
    expect(other).toEqual({
      allowed: false,
      reason:
        'broker account "broker-a-key" may send REGISTER_BROKER (103) for its own groups (broker-a) only, not "broker-b"',
    });
    const cluster = check(RequestCode.UNREGISTER_BROKER, brokerHeader("broker-a", "C2"), BROKER);
    expect(cluster.allowed === false && cluster.reason).toContain('for cluster "C1" only, not "C2"');
  });

  it("broker: REGISTER_TOPIC_IN_NAMESRV for queues of its own groups only", () => {
    const body = (...names: string[]) =>
      Buffer.from(JSON.stringify({ queueDatas: names.map((brokerName) => ({ brokerName, perm: 6 })) }));
    expect(
      check(RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: "T" }, BROKER, body("broker-a")).allowed,
    ).toBe(true);
    const mixed = check(
      RequestCode.REGISTER_TOPIC_IN_NAMESRV,
      { topic: "T" },
      BROKER,
      body("broker-a", "broker-z"),
    );
    expect(mixed.allowed === false && mixed.reason).toContain('not "broker-z"');
    const garbled = check(RequestCode.REGISTER_TOPIC_IN_NAMESRV, { topic: "T" }, BROKER, Buffer.from("{"));
    expect(garbled.allowed === false && garbled.reason).toContain("cannot be read");
  });

  it("broker and client: the reads yes, admin writes no", () => {
    expect(check(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T" }, BROKER).allowed).toBe(true);
    expect(check(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T" }, CLIENT).allowed).toBe(true);
    expect(check(RequestCode.GET_NAMESRV_CONFIG, {}, CLIENT).allowed).toBe(true);
    const wipe = check(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" }, BROKER);
    expect(wipe.allowed === false && wipe.reason).toBe(
      'broker account "broker-a-key" may not send WIPE_WRITE_PERM_OF_BROKER (205)',
    );
    const kv = check(RequestCode.PUT_KV_CONFIG, { namespace: "n", key: "k", value: "v" }, CLIENT);
    expect(kv.allowed === false && kv.reason).toContain("client accounts may only read");
    expect(check(RequestCode.REGISTER_BROKER, brokerHeader("broker-a"), CLIENT).allowed).toBe(false);
  });

  it("unknown key, wrong secret, missing Signature: refused, each with its reason", () => {
    const unknown = check(
      RequestCode.GET_ROUTEINFO_BY_TOPIC,
      { topic: "T" },
      { accessKey: "who", secretKey: "x" },
    );
    expect(unknown).toEqual({ allowed: false, reason: 'unknown AccessKey "who"' });
    const wrong = check(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T" }, { ...ADMIN, secretKey: "guess" });
    expect(wrong.allowed === false && wrong.reason).toContain('signature mismatch for AccessKey "admin-key"');
    const noSignature = acl.check(
      request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T", AccessKey: "admin-key" }),
    );
    expect(noSignature.allowed === false && noSignature.reason).toContain("without Signature");
  });

  it("anonymous: none refuses even reads; read lets reads through, never writes", () => {
    const none = check(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T" });
    expect(none.allowed === false && none.reason).toContain("anonymous access is none");
    const reading = new RemotingAccessControl(config("read"));
    expect(reading.check(request(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "T" }))).toEqual({
      allowed: true,
      caller: { role: "anonymous" },
    });
    expect(reading.check(request(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "b" })).allowed).toBe(
      false,
    );
    expect(reading.check(request(RequestCode.REGISTER_BROKER, brokerHeader("broker-a"))).allowed).toBe(false);
  });
});

describe("the gateway with accounts", () => {
  let gateway: RemotingGateway | undefined;
  let client: RemotingClient | undefined;
  afterEach(async () => {
    client?.close();
    await gateway?.close();
  });

  it("answers a refused request NO_PERMISSION with the reason, and calls nothing of the registry", async () => {
    const api = fakeRegistryApi();
    const lines: string[] = [];
    gateway = await startRemotingGateway({
      port: 0,
      client: api,
      routeCacheIntervalMs: 0,
      acl: new RemotingAccessControl(config()),
      log: (line) => lines.push(line),
    });
    client = new RemotingClient(`127.0.0.1:${gateway.port}`);
    const refused = await client.invoke(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" });
    expect(refused.code).toBe(ResponseCode.NO_PERMISSION);
    expect(refused.remark).toContain("unsigned request: WIPE_WRITE_PERM_OF_BROKER (205)");
    const forged = await client.invoke(
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      signExtFields({ brokerName: "broker-a" }, undefined, { ...ADMIN, secretKey: "guess" }),
    );
    expect(forged.code).toBe(ResponseCode.NO_PERMISSION);
    expect(api.calls).toEqual([]);
    expect(lines.join("\n")).toContain("refused WIPE_WRITE_PERM_OF_BROKER");
    expect(lines.join("\n")).not.toContain(ADMIN.secretKey);

    const signed = await client.invoke(
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      signExtFields({ brokerName: "broker-a" }, undefined, ADMIN),
    );
    expect(signed.code).toBe(ResponseCode.SUCCESS);
    expect(api.calls.map((c) => c.method)).toEqual(["setWritePerm"]);
  });

  it("without accounts, unsigned requests pass as before (RocketMQ's own behaviour)", async () => {
    const api = fakeRegistryApi();
    gateway = await startRemotingGateway({ port: 0, client: api, routeCacheIntervalMs: 0, log: () => {} });
    client = new RemotingClient(`127.0.0.1:${gateway.port}`);
    const answer = await client.invoke(RequestCode.WIPE_WRITE_PERM_OF_BROKER, { brokerName: "broker-a" });
    expect(answer.code).toBe(ResponseCode.SUCCESS);
  });
});
