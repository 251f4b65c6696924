import { describe, expect, it } from "vitest";
import { commandNames, normalizeUrl, type ParseResult, parseCommandLine, runCli } from "../../lib/client/cli";
import { describeError, describeRouteChange, permToString, renderTable } from "../../lib/client/cli-format";
import { AllNameServersFailedError } from "../../lib/client/route-client";
import { NameServerRequestError, NameServerUnreachableError } from "../../lib/client/transport";
import type { TopicRouteData } from "../../lib/domain/model";

function parsed(result: ParseResult) {
  if (result.kind !== "run") throw new Error(`expected a runnable command line, got ${result.kind}`);
  return result.parsed;
}

function usageMessage(result: ParseResult): string {
  if (result.kind !== "usage") throw new Error(`expected a usage error, got ${result.kind}`);
  return result.error.message;
}

describe("parseCommandLine", () => {
  it("finds the command after global options and keeps its arguments", () => {
    const line = parsed(
      parseCommandLine(["--url", "http://a:1", "topicRoute", "TopicTest", "--zone", "az-1", "--json"], {}),
    );

    expect(line.command.name).toBe("topicRoute");
    expect(line.positionals).toEqual(["TopicTest"]);
    expect(line.values.zone).toBe("az-1");
    expect(line.global).toMatchObject({
      urls: ["http://a:1"],
      json: true,
      auth: { kind: "none" },
      timeoutMillis: 5000,
    });
  });

  it("takes repeated --url in order, over NAMESRV_URL", () => {
    const line = parsed(
      parseCommandLine(["clusterList", "--url", "http://a:1", "--url=http://b:2"], {
        NAMESRV_URL: "http://c:3",
      }),
    );

    expect(line.global.urls).toEqual(["http://a:1", "http://b:2"]);
  });

  it("splits NAMESRV_URL on ';' like RocketMQ's namesrvAddr and accepts host:port", () => {
    const line = parsed(
      parseCommandLine(["clusterList"], { NAMESRV_URL: "10.0.0.1:9876;http://10.0.0.2:9876/;" }),
    );

    expect(line.global.urls).toEqual(["http://10.0.0.1:9876", "http://10.0.0.2:9876"]);
  });

  it("defaults to the local registry", () => {
    expect(parsed(parseCommandLine(["clusterList"], {})).global.urls).toEqual(["http://127.0.0.1:9877"]);
  });

  it("uses --token, else NAMESRV_TOKEN, as a bearer token", () => {
    expect(
      parsed(parseCommandLine(["clusterList", "--token", "t1"], { NAMESRV_TOKEN: "t2" })).global.auth,
    ).toEqual({
      kind: "bearer",
      token: "t1",
    });
    expect(parsed(parseCommandLine(["clusterList"], { NAMESRV_TOKEN: "t2" })).global.auth).toEqual({
      kind: "bearer",
      token: "t2",
    });
  });

  it("signs with SigV4 when given a profile or a region, with AWS_REGION as the fallback region", () => {
    expect(
      parsed(parseCommandLine(["clusterList", "--profile", "dev"], { AWS_REGION: "eu-west-1" })).global.auth,
    ).toEqual({
      kind: "sigv4",
      profile: "dev",
      region: "eu-west-1",
    });
    expect(parsed(parseCommandLine(["clusterList", "--region", "us-east-2"], {})).global.auth).toEqual({
      kind: "sigv4",
      region: "us-east-2",
    });
    expect(
      parsed(parseCommandLine(["clusterList", "--sigv4"], { NAMESRV_TOKEN: "ignored" })).global.auth,
    ).toEqual({
      kind: "sigv4",
    });
  });

  it("refuses a token together with SigV4", () => {
    expect(usageMessage(parseCommandLine(["clusterList", "--token", "t", "--profile", "p"], {}))).toMatch(
      /pick one/,
    );
  });

  it.each([
    [[], /a command is needed/],
    [["nope"], /unknown command 'nope'/],
    [["topicRoute"], /expected: namesrv topicRoute <topic>/],
    [["topicRoute", "a", "b"], /expected/],
    [["topicRoute", "a", "--bogus"], /unknown option '--bogus'/],
    [["topicRoute", "a", "--zone"], /needs a value/],
    [["clusterList", "--timeout", "0"], /--timeout must be an integer/],
    [["clusterList", "--url", "ftp://x"], /not an http\(s\) URL/],
  ])("rejects %j", (argv, message) => {
    expect(usageMessage(parseCommandLine(argv, {}))).toMatch(message);
  });

  it("gives each command its own help, and a general help", () => {
    for (const name of commandNames) {
      const result = parseCommandLine([name, "--help"], {});
      expect(result.kind).toBe("help");
      if (result.kind === "help") expect(result.text).toContain(`Usage: namesrv ${name}`);
    }
    const general = parseCommandLine(["--help"], {});
    expect(general.kind === "help" && general.text).toContain("Commands:");
    const viaHelp = parseCommandLine(["help", "watch"], {});
    expect(viaHelp.kind === "help" && viaHelp.text).toContain("Usage: namesrv watch");
  });

  it("parses the demo broker's options", () => {
    const line = parsed(
      parseCommandLine(["demo-broker", "--name", "broker-b", "--id", "1", "--topics", "3"], {}),
    );

    expect(line.values).toMatchObject({ name: "broker-b", id: "1", topics: "3" });
  });
});

describe("runCli", () => {
  function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: { env: {}, stdout: (t: string) => void out.push(t), stderr: (t: string) => void err.push(t) },
      out,
      err,
    };
  }

  it("exits 2 with a one-line hint on a usage error", async () => {
    const { io, err } = capture();

    const code = await runCli(["topicRoute"], io);

    expect(code).toBe(2);
    expect(err.join("")).toMatch(/^namesrv topicRoute: .*see `namesrv topicRoute --help`.*\n$/);
  });

  it("exits 2 on invalid demo-broker values before sending anything", async () => {
    const { io, err } = capture();

    expect(await runCli(["demo-broker", "--period", "5"], io)).toBe(2);
    expect(err.join("")).toMatch(/--period must be an integer from 10 to 60/);
    expect(await runCli(["demo-broker", "--name", "bad name!"], io)).toBe(2);
    expect(err.join("")).toMatch(/brokerName/);
  });

  it("exits 2 when kv is given the wrong arguments", async () => {
    const { io, err } = capture();

    expect(await runCli(["kv", "get", "ns"], io)).toBe(2);
    expect(await runCli(["kv", "frob", "ns"], io)).toBe(2);
    expect(err.join("")).toMatch(/unknown kv action 'frob'/);
  });

  it("exits 2 when the registration file is missing or invalid", async () => {
    const { io, err } = capture();

    expect(await runCli(["register", "/nonexistent/file.json"], io)).toBe(2);
    expect(err.join("")).toMatch(/cannot read \/nonexistent\/file.json: ENOENT/);
  });

  it("prints the general help with exit 0", async () => {
    const { io, out } = capture();

    expect(await runCli(["--help"], io)).toBe(0);
    expect(out.join("")).toContain("Usage: namesrv <command>");
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

    expect(describeError(error)).toBe("cannot reach http://127.0.0.1:9876: is `npm start` running?");
    expect(describeError(new AllNameServersFailedError([error]))).toBe(
      "cannot reach http://127.0.0.1:9876: is `npm start` running?",
    );
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
