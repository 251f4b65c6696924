/**
 * The same `namesrv` command over both protocols: `-n host:port` speaks RocketMQ's remoting protocol
 * (here to the gateway of lib/remoting in front of the real registry, as it would to RocketMQ's own
 * NameServer), `--url http://…` the HTTP API of the same registry. Each admin command must print the
 * same thing either way and change the registry the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerAgent } from "../../lib/client/broker-agent";
import { NameServerClient } from "../../lib/client/name-server-client";
import { Transport } from "../../lib/client/transport";
import { type RemotingGateway, startRemotingGateway } from "../../lib/gateway/gateway";
import { registryApiOf } from "../../lib/gateway/registry-api";
import type { LocalRegistry } from "../../lib/local/registry";
import { brokerIdentity, runCli, startRegistry, topicStateOf, topicTable, unique } from "./client-helpers";

let registry: LocalRegistry;
let gateway: RemotingGateway;
let addr: string;
let agent: BrokerAgent;
const broker = brokerIdentity();
const topics = [unique("RemTopic"), unique("RemTopic")];

beforeAll(async () => {
  registry = await startRegistry();
  gateway = await startRemotingGateway({
    port: 0,
    client: registryApiOf(new NameServerClient(registry.url, new Transport())),
    routeCacheIntervalMs: 0,
    log: () => {},
  });
  addr = `127.0.0.1:${gateway.port}`;
  agent = new BrokerAgent({
    broker,
    nameServers: [registry.url],
    topicState: topicStateOf(topicTable(topics)).topicState,
  });
  await agent.start();
});

afterAll(async () => {
  await agent?.stop({ unregister: false });
  await gateway?.close();
  await registry?.stop();
});

/** Runs a command over remoting (-n) and over HTTP (--url); the output names the address it used. */
async function both(...args: string[]) {
  const [remoting, http] = await Promise.all([
    runCli([...args, "-n", addr]),
    runCli([...args, "--url", registry.url]),
  ]);
  return {
    remoting: { ...remoting, stdout: remoting.stdout.replaceAll(addr, "<ns>") },
    http: { ...http, stdout: http.stdout.replaceAll(registry.url, "<ns>") },
  };
}

describe("namesrv -n host:port (RocketMQ's protocol) and --url (HTTP) print the same", () => {
  it.each([
    ["clusterList", "-c", broker.clusterName],
    ["topicRoute", "-t", topics[0] ?? ""],
    ["topicClusterList", "-t", topics[0] ?? ""],
    ["brokerMembers", "-c", broker.clusterName, "-b", broker.brokerName],
    ["topicList", "-c", broker.clusterName],
    ["topicRoute", "-t", "NoSuchTopic", "--json"],
    ["getNamesrvConfig"],
    ["topicList", "--system"],
    // --json: the same bytes whichever protocol answered (README "3. Query the registry").
    ["clusterList", "--json"],
    ["topicRoute", "-t", topics[0] ?? "", "--json"],
    ["brokerMembers", "-c", broker.clusterName, "-b", broker.brokerName, "--json"],
    ["topicList", "--json"],
    ["topicClusterList", "-t", topics[0] ?? "", "--json"],
    ["getNamesrvConfig", "--json"],
    // mqadmin's habits: topicRoute -l, allocateMQ.
    ["topicRoute", "-t", topics[0] ?? "", "-l"],
    ["allocateMQ", "-t", topics[0] ?? "", "-i", "10.0.0.1,10.0.0.2,10.0.0.3"],
    ["allocateMQ", "-t", topics[0] ?? "", "-i", "10.0.0.1,10.0.0.2", "--json"],
  ])("%s %s %s", async (...args) => {
    const { remoting, http } = await both(...args);

    expect(remoting.code).toBe(http.code);
    expect(remoting.stdout).toBe(http.stdout);
    expect(remoting.stdout + remoting.stderr).not.toBe("");
  });

  it("writes through RocketMQ's protocol reach the registry, and say what happened", async () => {
    const namespace = unique("NS");
    const put = await runCli(["updateKvConfig", "-s", namespace, "-k", "k1", "-v", "v1", "-n", addr]);
    const viaHttp = await new NameServerClient(registry.url, new Transport()).getKvConfig(namespace, "k1");
    const deleted = await runCli(["deleteKvConfig", "-s", namespace, "-k", "k1", "-n", addr]);
    const again = await runCli(["deleteKvConfig", "-s", namespace, "-k", "k1", "-n", addr]);
    const wiped = await runCli(["wipeWritePerm", "-b", broker.brokerName, "-n", addr]);
    const added = await runCli(["addWritePerm", "-b", broker.brokerName, "-n", addr]);
    const missingTopic = await runCli([
      "deleteTopic",
      "-t",
      unique("NoSuchTopic"),
      "-c",
      "NoBrokers",
      "-n",
      addr,
    ]);

    expect(put.stdout).toBe(`${addr}: created ${namespace} k1 = v1\n`);
    expect(viaHttp).toBe("v1");
    expect(deleted.stdout).toBe(`${addr}: deleted ${namespace} k1\n`);
    expect(again.stdout).toBe(`${addr}: no key k1 in namespace ${namespace}: nothing deleted\n`);
    expect(wiped.stdout).toBe(`${addr}: wiped write perm of ${broker.brokerName}: 2 topic(s) changed\n`);
    expect(added.stdout).toBe(`${addr}: added write perm of ${broker.brokerName}: 2 topic(s) changed\n`);
    expect(missingTopic.stdout).toMatch(/has no route: nothing deleted\n$/);
  });

  it("reads NAMESRV_ADDR as mqadmin does", async () => {
    const result = await runCli(["topicRoute", "-t", topics[1] ?? "", "--json"], { NAMESRV_ADDR: addr });

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ queueDatas: [{ brokerName: broker.brokerName }] });
  });
});
