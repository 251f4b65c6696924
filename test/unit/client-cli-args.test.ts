import { describe, expect, it } from "vitest";
import { AllNameServersFailedError } from "../../lib/client/route-client";
import { NameServerRequestError, NameServerUnreachableError } from "../../lib/client/transport";
import type { TopicRouteData } from "../../lib/domain/model";
import type { AdminEndpoint, Endpoint } from "../../lib/tools/admin-endpoint";
import { type CliIo, commandNames, normalizeUrl, resolveGlobalOptions, runCli } from "../../lib/tools/cli";
import {
  describeError,
  describeRouteChange,
  permToString,
  renderTable,
  WHERE_HINT,
} from "../../lib/tools/format";

const ROUTE: TopicRouteData = {
  queueDatas: [
    { brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    { brokerName: "broker-b", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
  ],
  brokerDatas: [
    {
      cluster: "C1",
      brokerName: "broker-a",
      brokerAddrs: { "0": "10.0.0.1:10911" },
      enableActingMaster: false,
    },
    {
      cluster: "C2",
      brokerName: "broker-b",
      brokerAddrs: { "0": "10.0.0.2:10911" },
      enableActingMaster: false,
    },
  ],
  filterServerTable: {},
};

const notFound = (address: string, code: string) => new NameServerRequestError(address, 404, code, code);

/** A NameServer in memory that records every call: what each command line asks of it. */
function fakeRegistry(
  state: { topics?: Record<string, TopicRouteData>; kv?: Record<string, Record<string, string>> } = {},
) {
  const calls: string[] = [];
  const topics = { ...(state.topics ?? {}) };
  const kv: Record<string, Record<string, string>> = structuredClone(state.kv ?? {});
  const connected: Endpoint[] = [];
  const connect = (endpoint: Endpoint): AdminEndpoint => {
    connected.push(endpoint);
    const address = endpoint.kind === "http" ? endpoint.url : endpoint.address;
    const log = (call: string) => calls.push(`${address} ${call}`);
    return {
      address,
      protocol: endpoint.kind,
      async clusterInfo() {
        log("clusterInfo");
        return { brokerAddrTable: {}, clusterAddrTable: {} };
      },
      async topicList() {
        log("topicList");
        return Object.keys(topics).sort();
      },
      async topicsByCluster(cluster) {
        log(`topicsByCluster ${cluster}`);
        return [];
      },
      async route(topic, zone) {
        log(`route ${topic}${zone === undefined ? "" : ` zone=${zone}`}`);
        const route = topics[topic];
        if (route === undefined) throw notFound(address, "TOPIC_NOT_EXIST");
        return route;
      },
      async brokerMemberGroup(cluster, broker) {
        log(`brokerMemberGroup ${cluster} ${broker}`);
        return { cluster, brokerName: broker, brokerAddrs: { "0": "10.0.0.1:10911" } };
      },
      async setWritePerm(broker, writable) {
        log(`setWritePerm ${broker} ${writable}`);
        return 0;
      },
      async deleteTopic(topic, cluster) {
        log(`deleteTopic ${topic}${cluster === undefined ? "" : ` cluster=${cluster}`}`);
        delete topics[topic];
      },
      async getKv(namespace, key) {
        log(`getKv ${namespace} ${key}`);
        const value = kv[namespace]?.[key];
        if (value === undefined) throw notFound(address, "QUERY_NOT_FOUND");
        return value;
      },
      async putKv(namespace, key, value) {
        log(`putKv ${namespace} ${key} ${value}`);
        kv[namespace] = { ...kv[namespace], [key]: value };
      },
      async deleteKv(namespace, key) {
        log(`deleteKv ${namespace} ${key}`);
        delete kv[namespace]?.[key];
      },
      async kvList(namespace) {
        log(`kvList ${namespace}`);
        const table = kv[namespace];
        if (table === undefined) throw notFound(address, "QUERY_NOT_FOUND");
        return table;
      },
      async getConfig() {
        log("getConfig");
        return { orderMessageEnable: "false" };
      },
      async updateConfig(config) {
        log(`updateConfig ${JSON.stringify(config)}`);
      },
      async systemTopicList() {
        log("systemTopicList");
        return { topicList: ["C1"] };
      },
      async unitTopicList(kind) {
        log(`unitTopicList ${kind}`);
        return [];
      },
      close() {},
    };
  };
  return { calls, connected, connect, kv };
}

async function run(
  argv: string[],
  options: { env?: CliIo["env"]; registry?: ReturnType<typeof fakeRegistry> } = {},
) {
  const registry = options.registry ?? fakeRegistry();
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    env: options.env ?? {},
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    connect: registry.connect,
  });
  return {
    code,
    stdout: out.join(""),
    stderr: err.join(""),
    calls: registry.calls,
    connected: registry.connected,
  };
}

describe("global options", () => {
  it("takes -n like mqadmin: ';'-separated host:port addresses speak RocketMQ's protocol, URLs the HTTP API", () => {
    const options = resolveGlobalOptions({ namesrvAddr: ["10.0.0.1:9876;https://api.example.com/;"] }, {});

    expect(options.endpoints).toEqual([
      { kind: "remoting", address: "10.0.0.1:9876" },
      { kind: "http", url: "https://api.example.com" },
    ]);
  });

  it("reads NAMESRV_ADDR as RocketMQ's tools do, and NAMESRV_URL (HTTP) before it", () => {
    expect(resolveGlobalOptions({}, { NAMESRV_ADDR: "10.0.0.1:9876;10.0.0.2:9876" }).endpoints).toEqual([
      { kind: "remoting", address: "10.0.0.1:9876" },
      { kind: "remoting", address: "10.0.0.2:9876" },
    ]);
    expect(
      resolveGlobalOptions({}, { NAMESRV_ADDR: "10.0.0.1:9876", NAMESRV_URL: "10.0.0.3:9876" }).endpoints,
    ).toEqual([{ kind: "http", url: "http://10.0.0.3:9876" }]);
    expect(
      resolveGlobalOptions({ url: ["http://a:1"] }, { NAMESRV_ADDR: "10.0.0.1:9876" }).endpoints,
    ).toEqual([{ kind: "http", url: "http://a:1" }]);
  });

  it("defaults to the local registry", () => {
    expect(resolveGlobalOptions({}, {}).endpoints).toEqual([{ kind: "http", url: "http://127.0.0.1:9877" }]);
  });

  it("uses --token, else NAMESRV_TOKEN, as a bearer token, and SigV4 with a profile or a region", () => {
    expect(resolveGlobalOptions({ token: "t1" }, { NAMESRV_TOKEN: "t2" }).auth).toEqual({
      kind: "bearer",
      token: "t1",
    });
    expect(resolveGlobalOptions({}, { NAMESRV_TOKEN: "t2" }).auth).toEqual({ kind: "bearer", token: "t2" });
    expect(resolveGlobalOptions({ profile: "dev" }, { AWS_REGION: "eu-west-1" }).auth).toEqual({
      kind: "sigv4",
      profile: "dev",
      region: "eu-west-1",
    });
    expect(() => resolveGlobalOptions({ token: "t", profile: "p" }, {})).toThrow(/pick one/);
  });
});

describe("mqadmin's command lines", () => {
  it.each([
    [["topicRoute", "-t", "T", "-n", "10.0.0.1:9876"], "10.0.0.1:9876 route T"],
    [["-n", "10.0.0.1:9876", "topicRoute", "T"], "10.0.0.1:9876 route T"],
    [["topicRoute", "--topic", "T", "--zone", "az-1", "--url", "http://a:1"], "http://a:1 route T zone=az-1"],
    [["topicClusterList", "-t", "T", "-n", "h:1"], "h:1 route T"],
    [["clusterList", "-n", "h:1"], "h:1 clusterInfo"],
    [["topicList", "-n", "h:1"], "h:1 topicList"],
    [["topicList", "-c", "C1", "-n", "h:1"], "h:1 topicsByCluster C1"],
    [["topicList", "--system", "-n", "h:1"], "h:1 systemTopicList"],
    [["brokerMembers", "-c", "C1", "-b", "broker-a", "-n", "h:1"], "h:1 brokerMemberGroup C1 broker-a"],
    [["wipeWritePerm", "-b", "broker-a", "-n", "h:1"], "h:1 setWritePerm broker-a false"],
    [["addWritePerm", "-b", "broker-a", "-n", "h:1"], "h:1 setWritePerm broker-a true"],
    [["updateKvConfig", "-s", "NS", "-k", "K", "-v", "V", "-n", "h:1"], "h:1 putKv NS K V"],
    [["getKVListByNamespace", "-s", "NS", "-n", "h:1"], "h:1 kvList NS"],
    [
      ["updateOrderConf", "-t", "T", "-m", "put", "-v", "broker-a:4", "-n", "h:1"],
      "h:1 putKv ORDER_TOPIC_CONFIG T broker-a:4",
    ],
    [["getNamesrvConfig", "-n", "h:1"], "h:1 getConfig"],
    [
      ["updateNamesrvConfig", "-k", "orderMessageEnable", "-v", "true", "-n", "h:1"],
      'h:1 updateConfig {"orderMessageEnable":"true"}',
    ],
  ])("%j", async (argv, call) => {
    const result = await run(argv, {
      registry: fakeRegistry({ topics: { T: ROUTE }, kv: { NS: { K: "V" } } }),
    });

    expect(result.stderr).toBe("");
    expect(result.calls).toContain(call);
  });

  it("sends writes to every NameServer of the ';'-separated list", async () => {
    const result = await run(["updateKvConfig", "-s", "NS", "-k", "K", "-v", "V", "-n", "h:1;h:2"]);

    expect(result.code).toBe(0);
    expect(result.calls).toEqual(expect.arrayContaining(["h:1 putKv NS K V", "h:2 putKv NS K V"]));
    expect(result.stdout).toContain("h:1: created NS K = V");
    expect(result.stdout).toContain("h:2: created NS K = V");
  });

  it("says what really happened: deleteTopic of an unknown topic deletes nothing", async () => {
    const noMaster = "cluster C1 has no live master broker: no broker asked\n";
    const missing = await run(["deleteTopic", "-t", "NoSuchTopic", "-c", "C1", "-n", "h:1"]);
    expect(missing.code).toBe(0);
    expect(missing.stdout).toBe(`${noMaster}h:1: topic NoSuchTopic has no route: nothing deleted\n`);
    expect(missing.stdout).not.toMatch(/deleted topic/);

    const otherCluster = await run(["deleteTopic", "-t", "T", "-c", "C3", "-n", "h:1"], {
      registry: fakeRegistry({ topics: { T: ROUTE } }),
    });
    expect(otherCluster.stdout).toBe(
      `${noMaster.replace("C1", "C3")}h:1: topic T has no queue data on cluster C3: nothing deleted\n`,
    );

    const oneCluster = await run(["deleteTopic", "-t", "T", "-c", "C1", "-n", "h:1"], {
      registry: fakeRegistry({ topics: { T: ROUTE } }),
    });
    expect(oneCluster.calls).toContain("h:1 deleteTopic T cluster=C1");
    expect(oneCluster.stdout).toMatch(
      /deleted the queue data of topic T on cluster C1 \(broker-a\); 1 broker group/,
    );

    // mqadmin requires -c: without it the brokers' next registration would bring the topic back.
    const whole = await run(["deleteTopic", "-t", "T", "-n", "h:1"], {
      registry: fakeRegistry({ topics: { T: ROUTE } }),
    });
    expect(whole.code).toBe(2);
    expect(whole.calls).toEqual([]);
  });

  it("takes mqadmin's clusterList -m (said to be the brokers' own) and -i (repeats until Ctrl-C)", async () => {
    const more = await run(["clusterList", "-m", "-n", "h:1"]);
    expect(more.code).toBe(0);
    expect(more.stderr).toMatch(/-m: TPS and message counts are each broker's runtime statistics/);
    expect(more.stdout).toBe("(no live brokers)\n");

    const registry = fakeRegistry();
    const controller = new AbortController();
    const out: string[] = [];
    const code = await runCli(["clusterList", "-i", "1", "-n", "h:1"], {
      env: {},
      stdout: (text) => {
        out.push(text);
        if (out.length === 2) controller.abort();
      },
      stderr: () => {},
      connect: registry.connect,
      signal: controller.signal,
    });
    expect(code).toBe(0);
    expect(out).toHaveLength(2);
    expect(out[1]).toMatch(/^\d\d:\d\d:\d\d\n\(no live brokers\)\n$/);
    expect(registry.calls.filter((c) => c === "h:1 clusterInfo")).toHaveLength(2);
  });

  it("says whether a KV item was created, updated or absent", async () => {
    const registry = fakeRegistry({ kv: { NS: { K: "old" } } });

    expect(
      (await run(["updateKvConfig", "-s", "NS", "-k", "K", "-v", "new", "-n", "h:1"], { registry })).stdout,
    ).toBe("h:1: updated NS K = new (was old)\n");
    expect((await run(["deleteKvConfig", "-s", "NS", "-k", "K", "-n", "h:1"], { registry })).stdout).toBe(
      "h:1: deleted NS K\n",
    );
    const again = await run(["deleteKvConfig", "-s", "NS", "-k", "K", "-n", "h:1"], { registry });
    expect(again.stdout).toBe("h:1: no key K in namespace NS: nothing deleted\n");
    expect(again.calls.filter((c) => c.includes("deleteKv"))).toHaveLength(1);
  });

  it.each([
    [[], /a command is needed/],
    [["topicRout", "-t", "T"], /unknown command 'topicRout'\n\(Did you mean topicRoute\?\)/],
    [["topicRoute", "-t", "T", "--topc", "x"], /unknown option '--topc'\n\(Did you mean --topic\?\)/],
    [["topicRoute"], /topic \(-t\) is required/],
    [["topicRoute", "-t", "a", "b"], /given twice/],
    [["topicRoute", "a", "b"], /too many arguments/],
    [["topicRoute", "-t"], /argument missing/],
    [["updateKvConfig", "-s", "NS", "-k", "K"], /value \(-v\) is required/],
    [["updateOrderConf", "-t", "T", "-m", "frob"], /Allowed choices are get, put, delete/],
    [["updateOrderConf", "-t", "T", "-m", "put", "-v", "nonsense"], /brokerName:queueNum/],
    [["clusterList", "--timeout", "0"], /--timeout must be an integer/],
    [["clusterList", "--url", "ftp://x"], /not an http\(s\) URL/],
    [["clusterList", "-n", "nohost"], /neither host:port/],
    [["kv", "get", "ns"], /expected kv get/],
    [["kv", "frob", "ns"], /unknown kv action 'frob'/],
    [["demo-broker", "--period", "5"], /--period must be an integer from 10 to 60/],
    [["demo-broker", "--name", "bad name!"], /brokerName/],
    [["watch", "-t", "T", "-n", "h:1"], /speaks the HTTP API only/],
    [["register", "/nonexistent/file.json"], /cannot read \/nonexistent\/file.json: ENOENT/],
  ])("exits 2 on %j, saying why", async (argv, message) => {
    const result = await run(argv);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.calls).toEqual([]);
  });

  it("gives each command its own help, and a general help, with exit 0", async () => {
    for (const name of commandNames()) {
      const result = await run([name, "--help"]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: namesrv ${name}`);
    }
    const general = await run(["--help"]);
    expect(general.code).toBe(0);
    expect(general.stdout).toContain("Commands:");
    expect((await run(["help", "watch"])).stdout).toContain("Usage: namesrv watch");
  });

  it("offers every NameServer command of mqadmin", () => {
    expect(commandNames()).toEqual(
      expect.arrayContaining([
        "topicRoute",
        "clusterList",
        "topicList",
        "topicClusterList",
        "getNamesrvConfig",
        "updateNamesrvConfig",
        "updateKvConfig",
        "deleteKvConfig",
        "getKVConfig",
        "getKVListByNamespace",
        "updateOrderConf",
        "wipeWritePerm",
        "addWritePerm",
        "deleteTopic",
        "brokerMembers",
      ]),
    );
  });
});

describe("CLI output helpers", () => {
  it("aligns table columns and shows empty cells as '-'", () => {
    expect(
      renderTable(
        ["A", "LONGER"],
        [
          ["xx", ""],
          ["y", "z"],
        ],
      ),
    ).toBe("A   LONGER\nxx  -\ny   z");
  });

  it("writes perms the way RocketMQ's PermName.perm2String does", () => {
    expect([0, 2, 4, 6, 7].map(permToString)).toEqual(["---", "-W-", "R--", "RW-", "RWX"]);
  });

  it("says what to do when the local registry is not running", () => {
    const error = new NameServerUnreachableError("http://127.0.0.1:9876", "network");

    expect(describeError(error)).toBe(
      `cannot reach http://127.0.0.1:9876: is \`npm start\` running? ${WHERE_HINT}`,
    );
    expect(describeError(new AllNameServersFailedError([error]))).toBe(
      `cannot reach http://127.0.0.1:9876: is \`npm start\` running? ${WHERE_HINT}`,
    );
    // A registry on another PORT: the message says how to point the CLI at it.
    expect(WHERE_HINT).toMatch(/--url/);
    expect(WHERE_HINT).toMatch(/NAMESRV_URL/);
    expect(WHERE_HINT).toMatch(/-n host:port/);
  });

  it("points at --token for a local 401 and at AWS credentials for API Gateway's 403", () => {
    expect(
      describeError(new NameServerRequestError("http://127.0.0.1:9876", 401, "UNAUTHORIZED", "no")),
    ).toMatch(/--token or set NAMESRV_TOKEN/);
    expect(
      describeError(
        new NameServerRequestError(
          "https://x.execute-api.eu-west-1.amazonaws.com/prod",
          403,
          "HTTP_403",
          "Missing Authentication Token",
        ),
      ),
    ).toMatch(/--profile/);
  });

  it("shows a NameServer's error code, message and field details", () => {
    const error = new NameServerRequestError("http://n:1", 400, "INVALID_REQUEST", "bad", [
      { field: "brokerId", message: "must be an integer" },
    ]);

    expect(describeError(error)).toBe("http://n:1: INVALID_REQUEST: bad (brokerId: must be an integer)");
  });

  it("normalizes NameServer URLs", () => {
    expect(normalizeUrl("127.0.0.1:9876")).toBe("http://127.0.0.1:9876");
    expect(normalizeUrl("https://x.example.com/prod/")).toBe("https://x.example.com/prod");
    expect(() => normalizeUrl("http://")).toThrow(/not a URL/);
  });

  it("summarizes what changed in a route for watch", () => {
    const before: TopicRouteData = {
      queueDatas: [{ brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [
        {
          cluster: "c",
          brokerName: "broker-a",
          brokerAddrs: { "0": "m:1", "1": "s:1" },
          enableActingMaster: false,
        },
      ],
      filterServerTable: {},
    };
    const after: TopicRouteData = {
      queueDatas: [
        { brokerName: "broker-a", readQueueNums: 4, writeQueueNums: 4, perm: 4, topicSysFlag: 0 },
        { brokerName: "broker-b", readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
      ],
      brokerDatas: [
        { cluster: "c", brokerName: "broker-a", brokerAddrs: { "1": "s:1" }, enableActingMaster: false },
        { cluster: "c", brokerName: "broker-b", brokerAddrs: { "0": "b:1" }, enableActingMaster: false },
      ],
      filterServerTable: {},
      orderTopicConf: "broker-b:2",
    };

    expect(describeRouteChange(before, after)).toEqual([
      "- broker broker-a 0 m:1",
      "+ broker broker-b 0 b:1",
      "~ queue data of broker-a: 4/4 RW- → 4/4 R--",
      "+ queue data of broker-b",
      "~ orderTopicConf: none → broker-b:2",
    ]);
  });
});
