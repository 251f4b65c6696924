/**
 * End to end: `npm start` with REMOTING_TLS_MODE serves RocketMQ's protocol over TLS on REMOTING_PORT
 * (a TLS client is answered from the registry, a plaintext one closed in enforcing mode), and an
 * unreadable certificate stops the start with a message naming the variable.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../lib/local/dynamodb-local";
import { spawnLocalRegistry } from "../../lib/local/registry";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { dynamodbEndpoint, uniqueTableName } from "../support/e2e";
import { makeTestCertificate, type TestCertificate } from "../support/tls-cert";

let certificate: TestCertificate;
beforeAll(() => {
  certificate = makeTestCertificate();
});
afterAll(() => certificate.remove());

describe("npm start with REMOTING_TLS_MODE", () => {
  it("enforcing: a TLS client is answered by the registry, a plaintext one is closed", async () => {
    const registry = await spawnLocalRegistry({
      dynamodbEndpoint: dynamodbEndpoint(),
      tableName: uniqueTableName("tls"),
      remotingPort: await freePort(),
      env: {
        REMOTING_TLS_MODE: "enforcing",
        REMOTING_TLS_CERT: certificate.certPath,
        REMOTING_TLS_KEY: certificate.keyPath,
      },
    });
    const secure = new RemotingClient(registry.remotingAddr ?? "", { tls: { ca: certificate.cert } });
    const plain = new RemotingClient(registry.remotingAddr ?? "", { timeoutMs: 3000 });
    try {
      expect(registry.output()).toMatch(/RocketMQ remoting \(namesrvAddr\) on 127\.0\.0\.1:\d+; TLS only/);
      const answer = await secure.invoke(RequestCode.GET_BROKER_CLUSTER_INFO);
      expect(answer.code).toBe(ResponseCode.SUCCESS);
      expect(JSON.parse(answer.body?.toString() ?? "{}")).toHaveProperty("brokerAddrTable");
      await expect(plain.invoke(RequestCode.GET_BROKER_CLUSTER_INFO)).rejects.toThrow(
        /closed|cannot connect/,
      );
    } finally {
      secure.close();
      plain.close();
      expect(await registry.stop()).toBe(0);
    }
  }, 120_000);

  it("a certificate file it cannot read stops the start, naming REMOTING_TLS_CERT", async () => {
    const error = await spawnLocalRegistry({
      dynamodbEndpoint: dynamodbEndpoint(),
      remotingPort: await freePort(),
      env: {
        REMOTING_TLS_MODE: "permissive",
        REMOTING_TLS_CERT: `${certificate.dir}/missing.pem`,
        REMOTING_TLS_KEY: certificate.keyPath,
      },
    }).then(
      async (registry) => {
        await registry.stop();
        return undefined;
      },
      (failure: unknown) => failure as Error,
    );
    expect(error?.message).toMatch(/exited with code 1/);
    expect(error?.message).toMatch(/REMOTING_TLS_CERT: cannot read ".*missing\.pem"/);
    expect(error?.message).not.toMatch(/^\s+at /m);
  }, 120_000);
});
