/**
 * TLS on the remoting port with real RocketMQ 5.3.3: `npm start` with REMOTING_TLS_MODE=enforcing and
 * a certificate made by openssl at test time. mqadmin with `-Dtls.enable=true` (RocketMQ's default
 * test mode: any certificate) is answered, without it the connection is closed; a 5.3.3 broker with
 * `-Dtls.enable=true` registers over TLS; with `tls.test.mode.enable=false`,
 * `tls.client.authServer=true` and `tls.client.trustCertPath` mqadmin checks the certificate: the
 * right CA is answered, another one is refused. Not run against the RocketMQ stand-in.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { makeTestCertificate, type TestCertificate } from "../support/tls-cert";
import { type RegistryUnderTest, STANDIN, startRegistry } from "./support/registry";
import { mqadmin, startRocketMqBroker, stopAllRocketMq } from "./support/rocketmq";

const CLUSTER = "TlsCluster";
const TLS = ["-Dtls.enable=true"];

let certificate: TestCertificate;
let stranger: TestCertificate;
let registry: RegistryUnderTest;

describe.skipIf(STANDIN)("remoting over TLS with RocketMQ 5.3.3 (REMOTING_TLS_MODE=enforcing)", () => {
  beforeAll(async () => {
    certificate = makeTestCertificate();
    stranger = makeTestCertificate();
    registry = await startRegistry({
      dynamodbEndpoint: inject("dynamodbEndpoint"),
      env: {
        REMOTING_TLS_MODE: "enforcing",
        REMOTING_TLS_CERT: certificate.certPath,
        REMOTING_TLS_KEY: certificate.keyPath,
      },
    });
  }, 300_000);

  afterAll(async () => {
    await stopAllRocketMq();
    await registry?.stop();
    certificate?.remove();
    stranger?.remove();
  }, 120_000);

  it("a broker with -Dtls.enable=true registers over TLS; mqadmin with it lists the broker, without it is closed", async () => {
    const broker = await startRocketMqBroker({
      namesrvAddr: registry.remotingAddr,
      clusterName: CLUSTER,
      brokerName: "broker-tls",
      javaOptions: TLS,
    });
    await broker.waitRegistered(registry.remotingAddr, 90_000);

    const secure = await mqadmin(["clusterList", "-n", registry.remotingAddr], 60_000, undefined, TLS);
    expect(secure.code, secure.output).toBe(0);
    expect(secure.output).toMatch(
      new RegExp(`${CLUSTER}\\s+broker-tls\\s+0\\s+127\\.0\\.0\\.1:${broker.listenPort}`),
    );

    const plain = await mqadmin(["clusterList", "-n", registry.remotingAddr]);
    expect(plain.output).not.toContain("broker-tls");
    expect(plain.output).toMatch(/Exception/);
    expect(registry.output()).toMatch(/plaintext connection from 127\.0\.0\.1:\d+ closed: TLS is enforced/);
  }, 240_000);

  it("mqadmin checking the certificate (test mode off, authServer on) is answered with the right CA only", async () => {
    const checking = (ca: string) => [
      ...TLS,
      "-Dtls.test.mode.enable=false",
      "-Dtls.client.authServer=true",
      `-Dtls.client.trustCertPath=${ca}`,
    ];
    const trusted = await mqadmin(
      ["clusterList", "-n", registry.remotingAddr],
      60_000,
      undefined,
      checking(certificate.certPath),
    );
    expect(trusted.code, trusted.output).toBe(0);
    expect(trusted.output).toMatch(/#Cluster Name/);

    const distrusted = await mqadmin(
      ["clusterList", "-n", registry.remotingAddr],
      60_000,
      undefined,
      checking(stranger.certPath),
    );
    expect(distrusted.output).not.toMatch(/#Cluster Name/);
    expect(distrusted.output).toMatch(/Exception/);
    // The client refused the certificate during the handshake (its own message names only the send).
    await expect
      .poll(() => registry.output(), { timeout: 10_000 })
      .toMatch(/TLS handshake with 127\.0\.0\.1:\d+ failed/);
  }, 240_000);
});
