/**
 * The `namesrv` CLI as a child process against the real local registry: every command, as a table and
 * as JSON, with its exit codes (0 done, 1 request failed, 2 usage).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BrokerAgent } from "../../lib/client/broker-agent";
import { freePort } from "../../lib/local/dynamodb-local";
import { type LocalRegistry, startLocalRegistry } from "../../lib/local/registry";
import type { RequestLogEntry } from "../../lib/local/request-log";
import { startRemotingServer } from "../../lib/remoting/server";
import { WHERE_HINT } from "../../lib/tools/format";
import { DELETE_TOPIC_IN_BROKER } from "../../lib/tools/remoting-endpoint";
import {
  brokerIdentity,
  REPO_ROOT,
  type RunningCli,
  runCli,
  startCli,
  startRegistry,
  topicStateOf,
  topicTable,
  unique,
} from "./client-helpers";

let registry: LocalRegistry;
/** Every HTTP request the registry answered. */
const answered: RequestLogEntry[] = [];
let url: string;
let workDir: string;
const agents: BrokerAgent[] = [];

beforeAll(async () => {
  registry = await startRegistry({ onRequest: (entry) => answered.push(entry) });
  url = registry.url;
  workDir = await mkdtemp(join(tmpdir(), "namesrv-cli-"));
});

afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.stop({ unregister: false })));
  await registry?.stop();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

/** A broker group registered through the agent, with its topics. */
async function registerBroker(
  options: { clusterName?: string; zoneName?: string; topics?: string[]; brokerAddr?: string } = {},
) {
  const broker = brokerIdentity({
    ...(options.brokerAddr === undefined ? {} : { brokerAddr: options.brokerAddr }),
    ...(options.clusterName === undefined ? {} : { clusterName: options.clusterName }),
    ...(options.zoneName === undefined ? {} : { zoneName: options.zoneName }),
  });
  const topics = options.topics ?? [unique("Topic")];
  const agent = new BrokerAgent({
    broker,
    nameServers: [url],
    topicState: topicStateOf(topicTable(topics)).topicState,
  });
  agents.push(agent);
  await agent.start();
  return { broker, topics, agent };
}

const cli = (...args: string[]) => runCli([...args, "--url", url]);

/** Any program as a child process (for the npm script and the package bin). */
function runCommand(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout }));
  });
}

function json<T = Record<string, unknown>>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

describe("namesrv read commands", () => {
  it("clusterList prints the live brokers as a table and as JSON", async () => {
    const { broker } = await registerBroker();

    const [table, asJson] = await Promise.all([cli("clusterList"), cli("clusterList", "--json")]);

    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^CLUSTER\s+BROKER\s+BID\s+ADDR\s+ZONE\s+ACTING-MASTER$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${broker.clusterName}\\s+${broker.brokerName}\\s+0\\s+127\\.0\\.0\\.1:10911\\s`, "m"),
    );
    expect(asJson.code).toBe(0);
    expect(json(asJson.stdout)).toMatchObject({
      brokerAddrTable: {
        [broker.brokerName]: { cluster: broker.clusterName, brokerAddrs: { "0": broker.brokerAddr } },
      },
      clusterAddrTable: { [broker.clusterName]: [broker.brokerName] },
    });
  });

  it("topicList lists all topics, or a cluster's", async () => {
    const { broker, topics } = await registerBroker({ topics: [unique("TopicA"), unique("TopicB")] });

    const [all, ofCluster, ofUnknown] = await Promise.all([
      cli("topicList"),
      cli("topicList", "-c", broker.clusterName, "--json"),
      cli("topicList", "--clusterName", unique("nobody")),
    ]);

    expect(all.code).toBe(0);
    expect(all.stdout.split("\n")).toEqual(expect.arrayContaining(topics));
    expect(json(ofCluster.stdout)).toEqual({ topicList: [...topics].sort() });
    expect(ofUnknown.stdout).toBe("(no topics)\n");
  });

  it("topicRoute prints queue data and brokers, filters by zone, and exits 1 for an unknown topic", async () => {
    const topic = unique("Topic");
    const clusterName = unique("cluster");
    const inZone = await registerBroker({ clusterName, zoneName: "az-1", topics: [topic] });
    await registerBroker({ clusterName, zoneName: "az-2", topics: [topic] });

    const [table, zoned, missing] = await Promise.all([
      cli("topicRoute", topic),
      cli("topicRoute", topic, "--zone", "az-1", "--json"),
      cli("topicRoute", unique("Nope")),
    ]);

    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`Topic ${topic}`);
    expect(table.stdout).toMatch(/^BROKER\s+READ-QUEUES\s+WRITE-QUEUES\s+PERM\s+SYSFLAG$/m);
    expect(table.stdout).toMatch(
      new RegExp(`^${inZone.broker.brokerName}\\s+4\\s+4\\s+RW- \\(6\\)\\s+0$`, "m"),
    );
    const route = json<{ brokerDatas: Array<{ brokerName: string; zoneName: string }> }>(zoned.stdout);
    expect(route.brokerDatas.map((b) => b.brokerName)).toEqual([inZone.broker.brokerName]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      /^namesrv topicRoute: .*TOPIC_NOT_EXIST: No topic route info in name server for the topic: /,
    );
    expect(missing.stdout).toBe("");
  });

  it("brokerMembers lists a group's live members", async () => {
    const { broker } = await registerBroker();

    const [table, asJson] = await Promise.all([
      cli("brokerMembers", broker.clusterName, broker.brokerName),
      cli("brokerMembers", broker.clusterName, broker.brokerName, "--json"),
    ]);

    expect(table.stdout).toMatch(
      new RegExp(`^${broker.clusterName}\\s+${broker.brokerName}\\s+0\\s+127\\.0\\.0\\.1:10911$`, "m"),
    );
    expect(json(asJson.stdout)).toEqual({
      cluster: broker.clusterName,
      brokerName: broker.brokerName,
      brokerAddrs: { "0": broker.brokerAddr },
    });
  });
});

describe("namesrv write commands", () => {
  it("wipeWritePerm and addWritePerm change the perm of every topic of a group", async () => {
    const { broker, topics } = await registerBroker({ topics: [unique("Topic"), unique("Topic")] });
    const topic = topics[0] ?? "";
    const permOf = async () =>
      json<{ queueDatas: Array<{ perm: number }> }>((await cli("topicRoute", topic, "--json")).stdout)
        .queueDatas[0]?.perm;

    const wiped = await cli("wipeWritePerm", "-b", broker.brokerName);
    const permAfterWipe = await permOf();
    const added = await cli("addWritePerm", broker.brokerName, "--json");
    const permAfterAdd = await permOf();

    expect(wiped.code).toBe(0);
    expect(wiped.stdout).toBe(`${url}: wiped write perm of ${broker.brokerName}: 2 topic(s) changed\n`);
    expect(permAfterWipe).toBe(4);
    expect(added.code).toBe(0);
    expect(json(added.stdout)).toEqual([
      {
        nameServer: url,
        ok: true,
        result: expect.stringContaining("2 topic(s) changed"),
        affectedTopicCount: 2,
      },
    ]);
    expect(permAfterAdd).toBe(6);
  });

  it("deleteTopic -c: the cluster's masters first (DELETE_TOPIC_IN_BROKER), then the registry", async () => {
    const deletedOnBroker: string[] = [];
    const master = await startRemotingServer({
      port: 0,
      processors: new Map([
        [
          DELETE_TOPIC_IN_BROKER,
          async (request) => {
            deletedOnBroker.push(request.extFields?.topic ?? "");
            return { code: 0 };
          },
        ],
      ]),
      log: () => {},
    });
    try {
      const topic = unique("Topic");
      const first = await registerBroker({ topics: [topic], brokerAddr: `127.0.0.1:${master.port}` });
      const second = await registerBroker({ topics: [topic], brokerAddr: `127.0.0.1:${master.port}` });

      const noCluster = await cli("deleteTopic", "-t", topic);
      const missing = await cli("deleteTopic", "-t", unique("NoSuchTopic"), "-c", unique("NoBrokers"));
      const fromCluster = await cli("deleteTopic", "-t", topic, "-c", first.broker.clusterName);
      const route = json<{ queueDatas: Array<{ brokerName: string }> }>(
        (await cli("topicRoute", topic, "--json")).stdout,
      );
      const whole = await cli("deleteTopic", topic, "-c", second.broker.clusterName, "--json");
      const gone = await cli("topicRoute", topic);

      expect(noCluster.code).toBe(2);
      expect(noCluster.stderr).toMatch(/cluster \(-c\) is required: as mqadmin/);
      expect(missing.code).toBe(0);
      expect(missing.stdout).toMatch(
        /has no live master broker: no broker asked\n.*has no route: nothing deleted\n$/s,
      );
      expect(fromCluster.code).toBe(0);
      expect(fromCluster.stdout).toBe(
        `broker ${first.broker.brokerName} (127.0.0.1:${master.port}): deleted topic ${topic}\n` +
          `${url}: deleted the queue data of topic ${topic} on cluster ${first.broker.clusterName} (${first.broker.brokerName}); 1 broker group(s) of other clusters keep it\n`,
      );
      expect(route.queueDatas.map((q) => q.brokerName)).toEqual([second.broker.brokerName]);
      expect(json(whole.stdout)).toEqual({
        brokers: [{ brokerName: second.broker.brokerName, brokerAddr: `127.0.0.1:${master.port}`, ok: true }],
        nameServers: [
          {
            nameServer: url,
            ok: true,
            result: `deleted the queue data of topic ${topic} on cluster ${second.broker.clusterName} (${second.broker.brokerName}); the topic is gone`,
            deleted: true,
            brokers: [second.broker.brokerName],
          },
        ],
      });
      expect(deletedOnBroker).toEqual([topic, topic]);
      expect(gone.code).toBe(1);
    } finally {
      await master.close();
    }
  });

  it("deleteTopic names a master it cannot reach: the topic will come back from it", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const topic = unique("Topic");
    const unreachable = await registerBroker({ topics: [topic], brokerAddr: `127.0.0.1:${closedPort}` });

    const result = await cli("deleteTopic", "-t", topic, "-c", unreachable.broker.clusterName);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `broker ${unreachable.broker.brokerName} (127.0.0.1:${closedPort}) still has topic ${topic}`,
    );
    expect(result.stderr).toMatch(/its next registration brings the topic back/);
    // The registry's copy is deleted all the same (until that registration).
    expect(result.stdout).toMatch(/the topic is gone\n$/);
  });

  it("kv put, get, list and delete", async () => {
    const namespace = unique("NS");

    const put = await cli("kv", "put", namespace, "key one", "value 1");
    const [got, listed, listedJson] = await Promise.all([
      cli("kv", "get", namespace, "key one"),
      cli("kv", "list", namespace),
      cli("kv", "list", namespace, "--json"),
    ]);
    const deleted = await cli("kv", "delete", namespace, "key one");
    const missing = await cli("kv", "get", namespace, "key one", "--json");

    expect(put.code).toBe(0);
    expect(got.stdout).toBe("value 1\n");
    expect(listed.stdout).toMatch(/^KEY\s+VALUE\nkey one\s+value 1\n$/);
    expect(json(listedJson.stdout)).toEqual({ table: { "key one": "value 1" } });
    expect(deleted.code).toBe(0);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`QUERY_NOT_FOUND: No config item, Namespace: ${namespace} Key: key one`);
  });

  it("getNamesrvConfig and updateNamesrvConfig show and change a setting; topicList --system and --unit", {
    timeout: 120_000,
  }, async () => {
    const { broker } = await registerBroker();
    const updated = await cli("updateNamesrvConfig", "-k", "supportActingMaster", "-v", "true");
    const [shown, table, refused, system, unit] = await Promise.all([
      cli("getNamesrvConfig", "--json"),
      cli("getNamesrvConfig"),
      cli("updateNamesrvConfig", "-k", "noSuchSetting", "-v", "true"),
      cli("topicList", "--system"),
      cli("topicList", "--unit", "unit", "--json"),
    ]);
    await cli("updateNamesrvConfig", "-k", "supportActingMaster", "-v", "false");

    expect(updated.code).toBe(0);
    // One answer per NameServer, as the writes report theirs.
    expect(
      json<Array<{ nameServer: string; ok: boolean; config: Record<string, string> }>>(shown.stdout),
    ).toEqual([
      { nameServer: url, ok: true, config: expect.objectContaining({ supportActingMaster: "true" }) },
    ]);
    expect(updated.stdout).toBe(`${url}: supportActingMaster = true (was false)\n`);
    expect(table.stdout).toMatch(/^enableTopicList\s+= true$/m);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("config.noSuchSetting");
    expect(system.stdout.split("\n")).toEqual(
      expect.arrayContaining([broker.clusterName, broker.brokerName]),
    );
    expect(json(unit.stdout)).toEqual({ topicList: [] });
  });

  it("register sends a registration file to every NameServer and exits 1 if one of them failed", async () => {
    const broker = brokerIdentity();
    const topic = unique("Topic");
    const file = join(workDir, "registration.json");
    await writeFile(
      file,
      JSON.stringify({
        ...broker,
        dataVersion: { stateVersion: 0, timestamp: Date.now(), counter: 1 },
        topicConfigTable: topicTable([topic]),
      }),
    );
    const deadUrl = `http://127.0.0.1:${await freePort()}`;

    const registered = await cli("register", file);
    const partly = await runCli(["register", file, "--json", "--url", deadUrl, "--url", url]);

    expect(registered.code).toBe(0);
    expect(registered.stdout).toContain(
      `${url}: registered ${broker.brokerName} (id 0, ${broker.brokerAddr}); topicConfigApplied=true`,
    );
    expect((await cli("topicRoute", topic)).code).toBe(0);
    expect(partly.code).toBe(1);
    expect(json<unknown[]>(partly.stdout)).toEqual([
      {
        nameServer: deadUrl,
        ok: false,
        error: {
          code: "UNREACHABLE",
          message: `cannot reach ${deadUrl}: is \`npm start\` running? ${WHERE_HINT}`,
        },
      },
      expect.objectContaining({ nameServer: url, ok: true }),
    ]);
  });

  it("register exits 2 on a file that is not a valid registration", async () => {
    const file = join(workDir, "invalid.json");
    await writeFile(
      file,
      JSON.stringify({ clusterName: "c", brokerName: "b", brokerId: -1, brokerAddr: "x" }),
    );

    const result = await cli("register", file);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is not a valid registration: .*brokerId/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("namesrv errors and configuration", () => {
  it("exits 2 on usage errors and 1 when the NameServer cannot be reached", async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;

    const [usage, unknown, unreachable] = await Promise.all([
      cli("topicRoute"),
      cli("frobnicate"),
      runCli(["clusterList", "--url", deadUrl]),
    ]);

    expect(usage.code).toBe(2);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^namesrv: unknown command 'frobnicate'\n/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe(
      `namesrv clusterList: cannot reach ${deadUrl}: is \`npm start\` running? ${WHERE_HINT}\n`,
    );
  });

  it("reads NAMESRV_URL, ';'-separated, and fails over to the next NameServer", async () => {
    const { broker } = await registerBroker();
    const deadUrl = `http://127.0.0.1:${await freePort()}`;

    const result = await runCli(["brokerMembers", broker.clusterName, broker.brokerName, "--json"], {
      NAMESRV_URL: `${deadUrl};${url}`,
    });

    expect(result.code).toBe(0);
    expect(json(result.stdout)).toMatchObject({ brokerAddrs: { "0": broker.brokerAddr } });
  });

  it("sends --token or NAMESRV_TOKEN to a registry in token mode, and says what to do without it", async () => {
    const guarded = await startLocalRegistry({
      dynamodbEndpoint: registry.dynamodbEndpoint,
      tableName: registry.tableName,
      token: "s3cret",
      logLevel: "WARN",
    });
    try {
      const [without, withFlag, withEnv] = await Promise.all([
        runCli(["topicList", "--url", guarded.url]),
        runCli(["topicList", "--url", guarded.url, "--token", "s3cret", "--json"]),
        runCli(["topicList", "--url", guarded.url], { NAMESRV_TOKEN: "s3cret" }),
      ]);

      expect(without.code).toBe(1);
      expect(without.stderr).toMatch(/401 UNAUTHORIZED.*pass --token or set NAMESRV_TOKEN/);
      expect(withFlag.code).toBe(0);
      expect(json(withFlag.stdout)).toHaveProperty("topicList");
      expect(withEnv.code).toBe(0);
    } finally {
      await guarded.stop();
    }
  });

  it("prints help per command, and runs through the npm script", async () => {
    const [help, commandHelp, viaNpm, viaBin] = await Promise.all([
      runCli(["--help"]),
      runCli(["updateKvConfig", "--help"]),
      runCommand("npm", ["run", "--silent", "namesrv", "--", "topicRoute", "--help"], REPO_ROOT),
      runCommand(
        "npm",
        ["run", "--silent", "namesrv", "--", "clusterList", "--json", "--url", url],
        REPO_ROOT,
      ),
    ]);

    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: namesrv [options] [command]");
    expect(commandHelp.stdout).toContain("-s, --namespace <namespace>");
    expect(viaNpm.code).toBe(0);
    expect(viaNpm.stdout).toContain("Usage: namesrv topicRoute [options] [topic]");
    expect(viaNpm.stdout).toContain("-t, --topic <topic>");
    expect(viaBin.code).toBe(0);
    expect(json(viaBin.stdout)).toHaveProperty("clusterAddrTable");
  });
});

describe("namesrv demo-broker and watch", () => {
  it("runs a master and a slave until Ctrl-C, then unregisters", { timeout: 120_000 }, async () => {
    const clusterName = unique("cluster");
    const brokerName = unique("broker");
    const common = ["--url", url, "--cluster", clusterName, "--name", brokerName, "--topics", "2"];
    const master = startCli(["demo-broker", ...common]);
    let slave: RunningCli | undefined;
    try {
      await master.waitForOutput(/registered with 2 topic\(s\) \[firstContact\]/);
      // Started once its master is live, the slave hears the master's addresses in its first answer.
      slave = startCli(["demo-broker", ...common, "--id", "1"]);
      await slave.waitForOutput(/master 127\.0\.0\.1:10911, HA 127\.0\.0\.1:10912/);
      const members = json<{ brokerAddrs: Record<string, string> }>(
        (await cli("brokerMembers", clusterName, brokerName, "--json")).stdout,
      );
      expect(members.brokerAddrs).toEqual({ "0": "127.0.0.1:10911", "1": "127.0.0.1:10921" });

      expect(await master.stop("SIGINT")).toBe(0);
      expect(master.output()).toContain(`${url}: unregistered`);
      expect(master.output()).toMatch(/stopped: unregistered from every NameServer\n$/);
      const afterMaster = json<{ brokerAddrs: Record<string, string> }>(
        (await cli("brokerMembers", clusterName, brokerName, "--json")).stdout,
      );
      expect(afterMaster.brokerAddrs).toEqual({ "1": "127.0.0.1:10921" });
      // A terminal's Ctrl-C reaches the process once from the terminal and again relayed by npm/tsx:
      // the repeat within a moment is the same Ctrl-C, and the broker still unregisters and exits 0.
      slave.child.kill("SIGINT");
      expect(await slave.stop("SIGINT")).toBe(0);
      expect(slave.output()).toContain(`${url}: unregistered`);
      expect(slave.output()).toMatch(/stopped: unregistered from every NameServer\n$/);
    } finally {
      await Promise.all([master.stop("SIGINT"), slave?.stop("SIGINT")]);
    }
  });

  it("watch prints a route as it appears, and its removal when a killed broker expires", async () => {
    const prefix = unique("Watched");
    const topic = `${prefix}-0`;
    const watch = startCli(["watch", topic, "--url", url, "--interval", "0.5"]);
    let broker: RunningCli | undefined;
    try {
      await watch.waitForOutput(/no route yet \(TOPIC_NOT_EXIST\)/);
      broker = startCli([
        "demo-broker",
        "--url",
        url,
        "--cluster",
        unique("cluster"),
        "--topics",
        "1",
        "--topic-prefix",
        prefix,
        "--period",
        "10",
        "--heartbeat-timeout",
        "11",
      ]);
      await broker.waitForOutput(/registered with 1 topic/);
      await watch.waitForOutput(new RegExp(`${topic}: route found`));

      // kill -9: no unregistration; the registry stops returning the broker once its heartbeat is 11 s old.
      expect(await broker.stop("SIGKILL")).toBe("SIGKILL");
      await watch.waitForOutput(new RegExp(`${topic}: no route any more`));
      // Polls go on (every 0.5 s) and find no route: that is no news, and nothing more is printed.
      // The watch polls one query at a time: once the registry has answered four more, the watch had
      // handled (and printed whatever it would print for) at least three of them.
      const queries = () => answered.filter((e) => e.path === "/route" && e.topic === topic).length;
      const seen = queries();
      await expect.poll(queries, { timeout: 20_000, interval: 100 }).toBeGreaterThanOrEqual(seen + 4);
      const stateLines = () =>
        watch
          .output()
          .split("\n")
          .filter((l) => / (no route|route found)/.test(l));

      expect(await watch.stop("SIGINT")).toBe(0);
      expect(stateLines().map((l) => l.replace(/^\S+ /, ""))).toEqual([
        `${topic}: no route yet (TOPIC_NOT_EXIST)`,
        `${topic}: route found (from ${url})`,
        `${topic}: no route any more (TOPIC_NOT_EXIST)`,
      ]);
      expect(watch.output()).toMatch(new RegExp(`stopped watching ${topic}\n$`));
    } finally {
      await Promise.all([broker?.stop("SIGKILL"), watch.stop("SIGINT")]);
    }
  }, 120_000);
});
