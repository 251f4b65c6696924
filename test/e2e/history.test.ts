/**
 * The history end to end: a signed RocketMQ request through the remoting gateway (accounts on) is
 * recorded with its signer and address beside the HTTP caller; GET /history answers the contract
 * (filters, a 400 naming the parameter); `namesrv history` prints it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { RemotingAccessControl } from "../../lib/gateway/acl/access";
import { parseAclConfig } from "../../lib/gateway/acl/acl-config";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { registryApiOf } from "../../lib/gateway/registry-api";
import { remotingCallerHeaders } from "../../lib/gateway/remoting-caller";
import type { LocalRegistry } from "../../lib/local/registry";
import { signExtFields } from "../../lib/remoting/acl/signature";
import { RequestCode, ResponseCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { client as httpClient, registration, startE2eRegistry, topicConfig } from "../support/e2e";
import { runCli } from "./client-helpers";

const ADMIN = { accessKey: "ops-admin", secretKey: "ops-secret-1" };

let registry: LocalRegistry;
let gateway: RemotingGateway;
let remoting: RemotingClient;

beforeAll(async () => {
  registry = await startE2eRegistry("history");
  gateway = await startRemotingGateway({
    port: 0,
    client: registryApiOf(
      new NameServerClient(registry.url, new Transport({ contextHeaders: remotingCallerHeaders })),
    ),
    acl: new RemotingAccessControl(
      parseAclConfig(JSON.stringify({ anonymous: "read", accounts: [{ ...ADMIN, role: "admin" }] })),
    ),
    routeCacheIntervalMs: 0,
    log: () => {},
  });
  remoting = new RemotingClient(`127.0.0.1:${gateway.port}`, { timeoutMs: 20_000 });
}, 120_000);
afterAll(async () => {
  remoting?.close();
  await gateway?.close();
  await registry?.stop();
});

describe("the history end to end", () => {
  it("records a signed wipeWritePerm with its signer and address; GET /history and namesrv history show it", async () => {
    const api = httpClient(registry.url);
    const registered = await api.post(
      "/brokers/heartbeat",
      registration({
        brokerName: "hist-a",
        brokerAddr: "10.70.0.1:10911",
        topicConfigTable: { HistT: topicConfig("HistT") },
      }),
    );
    expect(registered.status).toBe(200);

    const wipe = await remoting.invoke(
      RequestCode.WIPE_WRITE_PERM_OF_BROKER,
      signExtFields({ brokerName: "hist-a" }, undefined, ADMIN),
    );
    expect(wipe.code).toBe(ResponseCode.SUCCESS);

    const page = await api.get("/history?broker=hist-a");
    expect(page.status).toBe(200);
    const actions = page.body.entries.map((e: { action: string }) => e.action);
    expect(actions).toEqual(["broker.registered", "writePerm.wiped"]);
    const wiped = page.body.entries[1];
    expect(wiped.caller.actor).toEqual({ kind: "anonymous" });
    expect(wiped.caller.remoting.accessKey).toBe(ADMIN.accessKey);
    expect(wiped.caller.remoting.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(wiped.changes).toEqual([{ field: "topics.HistT.perm", before: 6, after: 4 }]);
    expect(page.body.retentionDays).toBe(30);

    const byTopic = await api.get("/history?topic=HistT&limit=1");
    expect(byTopic.body.entries).toHaveLength(1);
    expect(byTopic.body.nextCursor).toBe(byTopic.body.entries[0].id);

    const printed = await runCli(["history", "-b", "hist-a", "--url", registry.url]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain("writePerm.wiped  DefaultCluster/hist-a  by anonymous");
    expect(printed.stdout).toContain(`via remoting ${ADMIN.accessKey}@127.0.0.1:`);
    expect(printed.stdout).toContain("topics.HistT.perm: 6 -> 4");
  }, 120_000);

  it("a bad parameter is a 400 naming it, and the remoting side cannot read the history", async () => {
    const api = httpClient(registry.url);
    for (const [query, field] of [
      ["limit=0", "query.limit"],
      ["since=yesterday", "query.since"],
      ["cursor=abc", "query.cursor"],
      ["brokr=x", "query.brokr"],
    ] as const) {
      const answer = await api.get(`/history?${query}`);
      expect(answer.status, query).toBe(400);
      expect(JSON.stringify(answer.body.error.details), query).toContain(field);
    }
    const viaRemoting = await runCli(["history", "-n", `127.0.0.1:${gateway.port}`]);
    expect(viaRemoting.code).toBe(2);
    expect(viaRemoting.stderr).toContain("history needs the registry's HTTP API");
  }, 60_000);
});
