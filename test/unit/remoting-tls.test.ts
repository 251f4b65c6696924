/**
 * TLS on the remoting port (RocketMQ's `tls.server.mode`): with a certificate made by openssl at test
 * time, a TLS client is answered in both modes; `permissive` also answers plaintext on the same port
 * (told apart by the first byte), `enforcing` closes it. Over TLS the rest of the connection's life is
 * the same as over plaintext: unregister-on-close, the frame budget, the idle timeout, GO_AWAY.
 */
import { connect } from "node:net";
import { connect as connectTls } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient, RemotingConnectError } from "../../lib/remoting/remoting-client";
import type { RemotingTlsMode } from "../../lib/remoting/server";
import { fakeRegistryApi, routeOf } from "../support/fake-registry-api";
import { makeTestCertificate, type TestCertificate } from "../support/tls-cert";

let certificate: TestCertificate;
beforeAll(() => {
  certificate = makeTestCertificate();
});
afterAll(() => certificate.remove());

let gateway: RemotingGateway | undefined;
const clients: RemotingClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await gateway?.close();
  gateway = undefined;
});

const route = routeOf("broker-a");
const brokerHeader = {
  brokerName: "broker-a",
  brokerAddr: "10.0.0.1:10911",
  clusterName: "DefaultCluster",
  haServerAddr: "10.0.0.1:10912",
  brokerId: "0",
};

async function start(mode: RemotingTlsMode, options: { idleTimeoutMs?: number } = {}) {
  const logs: string[] = [];
  const api = fakeRegistryApi({ getRouteInfoByTopic: () => ({ notModified: false, route }) });
  gateway = await startRemotingGateway({
    port: 0,
    client: api,
    routeCacheIntervalMs: 0,
    log: (line) => logs.push(line),
    tls: { mode, cert: certificate.cert, key: certificate.key },
    ...options,
  });
  const port = gateway.port;
  const client = (tls?: "verified" | "test mode") => {
    const c = new RemotingClient(`127.0.0.1:${port}`, {
      timeoutMs: 2000,
      connectTimeoutMs: 2000,
      ...(tls === undefined
        ? {}
        : { tls: tls === "verified" ? { ca: certificate.cert } : { rejectUnauthorized: false } }),
    });
    clients.push(c);
    return c;
  };
  return { api, logs, client, port, gateway };
}

async function askRoute(c: RemotingClient) {
  const answer = await c.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" });
  expect(answer.code).toBe(ResponseCode.SUCCESS);
  expect(answer.body?.toString()).toContain('"brokerAddrs":{"0":"10.0.0.1:10911"}');
}

describe("remoting over TLS", () => {
  it("enforcing: a TLS client verifying the certificate is answered, a plaintext one is closed", async () => {
    const { client, logs } = await start("enforcing");
    await askRoute(client("verified"));
    await askRoute(client("test mode"));
    await expect(client().invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).rejects.toThrow(
      RemotingConnectError,
    );
    expect(
      logs.some((l) => /plaintext connection from 127\.0\.0\.1:\d+ closed: TLS is enforced/.test(l)),
    ).toBe(true);
  });

  it("permissive: TLS and plaintext clients on the same port, both answered", async () => {
    const { client, gateway: g } = await start("permissive");
    const secure = client("verified");
    const plain = client();
    await askRoute(secure);
    await askRoute(plain);
    await askRoute(secure);
    expect(g.server.connectionCount).toBe(2);
  });

  it("without TLS configured (the default) a TLS client gets no handshake", async () => {
    gateway = await startRemotingGateway({
      port: 0,
      client: fakeRegistryApi(),
      routeCacheIntervalMs: 0,
      log: () => {},
    });
    const c = new RemotingClient(`127.0.0.1:${gateway.port}`, {
      tls: { rejectUnauthorized: false },
      connectTimeoutMs: 2000,
    });
    clients.push(c);
    await expect(c.invoke(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, {})).rejects.toThrow();
  });

  it("a broker registered over TLS is unregistered when its TLS connection closes", async () => {
    const { api, client } = await start("enforcing");
    const broker = client("verified");
    expect((await broker.invoke(RequestCode.REGISTER_BROKER, brokerHeader)).code).toBe(ResponseCode.SUCCESS);
    broker.close();
    await expect
      .poll(() => api.calls.map((c) => c.method), { timeout: 5000 })
      .toEqual(["registerBroker", "unregisterBroker"]);
  });

  it("an unfinished frame over TLS is held in the frame budget, and freed when the connection goes", async () => {
    const { client, gateway: g } = await start("permissive");
    const c = client("verified");
    // A frame announcing 100 bytes, of which 10 arrive.
    const partial = Buffer.alloc(14);
    partial.writeInt32BE(100, 0);
    await c.writeRaw(partial);
    await expect.poll(() => g.server.pendingFrameBytes).toBe(14);
    expect(g.server.framesInProgress).toBe(1);
    c.close();
    await expect.poll(() => g.server.pendingFrameBytes).toBe(0);
  });

  it("a connection that sends nothing is closed at the idle timeout, before and after a TLS handshake", async () => {
    const { logs, port, gateway: g } = await start("enforcing", { idleTimeoutMs: 200 });
    const silent = connect({ port, host: "127.0.0.1" });
    const silentClosed = new Promise((resolve) => silent.once("close", resolve));
    const handshaken = connectTls({ port, host: "127.0.0.1", ca: certificate.cert });
    handshaken.on("error", () => {});
    await new Promise((resolve) => handshaken.once("secureConnect", resolve));
    const handshakenClosed = new Promise((resolve) => handshaken.once("close", resolve));
    await Promise.all([silentClosed, handshakenClosed]);
    expect(logs.some((l) => /idle for 200 ms/.test(l))).toBe(true);
    await expect.poll(() => g.server.connectionCount).toBe(0);
  });

  it("on shutdown a TLS client newer than V5_3_1 is answered GO_AWAY, and the drain ends when it leaves", async () => {
    const { client, gateway: g } = await start("enforcing");
    const c = client("verified");
    await askRoute(c);
    const drained = g.shutdown(5000);
    const answer = await c.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" });
    expect(answer).toMatchObject({ code: ResponseCode.GO_AWAY, remark: "please go away" });
    c.close();
    const started = Date.now();
    await drained;
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it("a broken handshake is logged and closes that connection only; a client refusing the certificate too", async () => {
    const { logs, client, port, gateway: g } = await start("enforcing");
    const other = client("verified");
    await askRoute(other);
    // Looks like a handshake record for one byte, then is not one.
    const broken = connect({ port, host: "127.0.0.1" });
    broken.on("error", () => {});
    const brokenClosed = new Promise((resolve) => broken.once("close", resolve));
    broken.write(Buffer.concat([Buffer.from([0x16]), Buffer.from("not a TLS record at all\r\n")]));
    await brokenClosed;
    expect(logs.some((l) => /TLS handshake with 127\.0\.0\.1:\d+ failed/.test(l))).toBe(true);
    // A client that trusts no CA the certificate chains to (RocketMQ's tls.test.mode.enable=false without a trustCertPath).
    const strict = new RemotingClient(`127.0.0.1:${port}`, { tls: {}, connectTimeoutMs: 2000 });
    clients.push(strict);
    await expect(strict.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest" })).rejects.toThrow(
      /self-signed certificate/,
    );
    await askRoute(other);
    await expect.poll(() => g.server.connectionCount).toBe(1);
  });

  it("a certificate and key that do not make a pair are refused at start", async () => {
    const other = makeTestCertificate();
    try {
      await expect(
        startRemotingGateway({
          port: 0,
          client: fakeRegistryApi(),
          routeCacheIntervalMs: 0,
          tls: { mode: "enforcing", cert: certificate.cert, key: other.key },
        }),
      ).rejects.toThrow(/TLS certificate and key not usable/);
      await expect(
        startRemotingGateway({
          port: 0,
          client: fakeRegistryApi(),
          routeCacheIntervalMs: 0,
          tls: { mode: "enforcing", cert: Buffer.from("not a certificate"), key: certificate.key },
        }),
      ).rejects.toThrow(/TLS certificate and key not usable/);
    } finally {
      other.remove();
    }
  });
});
