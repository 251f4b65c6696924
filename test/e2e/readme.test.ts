/**
 * The README's outputs are real: every output block of the walkthrough is produced here by running its
 * commands (the CLI as a child process, `examples/quickstart.ts`, the `curl` requests of "Try it")
 * against a real local registry, and compared with the README after normalizing what differs per run
 * (clock times, the process id, the registry's URL). The TypeScript snippet is `examples/quickstart.ts`
 * itself, and no link leaves the repository. `UPDATE_README=1` rewrites the blocks from the run.
 *
 * Markers in the README: `<!-- readme-output: <id> -->` before a fenced block it produces here,
 * `<!-- readme-source: <file> -->` before a block that must be that file verbatim.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { freePort } from "../../lib/local/dynamodb-local";
import { type LocalRegistry, spawnLocalRegistry } from "../../lib/local/registry";
import { RequestCode } from "../../lib/remoting/protocol";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { REPO_ROOT, type RunningCli, runCli, startCli, startRegistry } from "./client-helpers";

const run = promisify(execFile);
const README = join(REPO_ROOT, "README.md");
/** The URL the README's commands use (npm start's default). */
const README_URL = "http://127.0.0.1:9877";
const UPDATE = process.env.UPDATE_README === "1";

interface Block {
  id: string;
  kind: "output" | "source";
  /** Offsets of the block's content (between the fences) in the README. */
  start: number;
  end: number;
  content: string;
}

function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  const marker = /<!-- readme-(output|source): (\S+) -->\n```[a-z]*\n/g;
  for (let match = marker.exec(text); match !== null; match = marker.exec(text)) {
    const start = match.index + match[0].length;
    const end = text.indexOf("\n```", start - 1);
    blocks.push({
      id: match[2] ?? "",
      kind: match[1] as Block["kind"],
      start,
      end: end + 1,
      content: text.slice(start, end + 1),
    });
  }
  return blocks;
}

let registry: LocalRegistry;
/** What each output block is, from this run. */
const produced = new Map<string, string>();
const running: RunningCli[] = [];

/** Clock times and the pid vary per run; the registry's URL is the README's. */
function normalize(text: string): string {
  return (
    text
      .replaceAll(registry?.url ?? README_URL, README_URL)
      .replace(/\b\d\d:\d\d:\d\d(\.\d{3})?\b/g, "hh:mm:ss")
      .replace(/\(pid \d+\)/g, "(pid N)")
      // RocketMQ's producer starts its round-robin at a random queue.
      .replace(/ queue \d+ at /g, " queue N at ")
  );
}

/** What UPDATE_README writes: the run's output, with the README's URL and pid. */
function forReadme(text: string): string {
  return text.replaceAll(registry?.url ?? README_URL, README_URL).replace(/\(pid \d+\)/g, "(pid 26712)");
}

/** The lines of `output` up to and including the first line matching `last`. */
function through(output: string, last: RegExp): string {
  const lines = output.split("\n");
  const index = lines.findIndex((line) => last.test(line));
  return `${lines.slice(0, index + 1).join("\n")}\n`;
}

function linesMatching(output: string, pattern: RegExp): string {
  return `${output
    .split("\n")
    .filter((line) => pattern.test(line))
    .join("\n")}\n`;
}

const env = () => ({ NAMESRV_URL: registry.url });

/**
 * Step 1: `npm start` itself (lib/local/main.ts with its own DynamoDB Local), then the three requests
 * the README shows it logging. Ports, paths, durations and the number of "still waiting" lines vary.
 */
async function npmStart(): Promise<string> {
  const dataRoot = mkdtempSync(join(tmpdir(), "readme-start-"));
  const started = await spawnLocalRegistry({
    dataDir: join(dataRoot, ".namesrv-data"),
    remotingPort: await freePort(),
    env: { LOG_FORMAT: "human" },
  });
  const remoting = new RemotingClient(started.remotingAddr ?? "", { timeoutMs: 20_000 });
  try {
    const register = await fetch(`${started.url}/brokers/heartbeat`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        clusterName: "DefaultCluster",
        brokerName: "broker-a",
        brokerId: 0,
        brokerAddr: "127.0.0.1:10911",
        dataVersion: { stateVersion: 0, timestamp: 1, counter: 1 },
        topicConfigTable: {
          "TopicTest-0": { topicName: "TopicTest-0", readQueueNums: 4, writeQueueNums: 4, perm: 6 },
        },
      }),
    });
    expect(register.status).toBe(200);
    expect((await fetch(`${started.url}/topics/TopicTest-0/route`)).status).toBe(200);
    expect((await remoting.invoke(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: "TopicTest-0" })).code).toBe(
      0,
    );
    // vi.waitFor, not expect.poll: this runs in beforeAll.
    await vi.waitFor(
      () => expect(started.output(), "the remoting request line").toMatch(/remoting GET_ROUTEINFO_BY_TOPIC/),
      { timeout: 20_000, interval: 100 },
    );
    return started.output();
  } finally {
    remoting.close();
    expect(await started.stop()).toBe(0);
    rmSync(dataRoot, { recursive: true, force: true });
  }
}

function normalizeStart(text: string): string {
  return `${normalize(text)
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("{") && !/still waiting for DynamoDB Local/.test(line))
    .join("\n")
    .replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:N")
    .replace(/data in \/\S*?\.namesrv-data/g, "data in /…/.namesrv-data")
    .replace(/ready after \d+\.\d s/g, "ready after N s")
    .replace(/ \d+ ms\b/g, " N ms")}\n`;
}

beforeAll(async () => {
  const startRun = npmStart();
  registry = await startRegistry();
  const cli = (...args: string[]) => {
    const child = startCli(args, env());
    running.push(child);
    return child;
  };

  // "Try it": the curl commands, as written, against this registry.
  produced.set("try-it", await tryIt());

  // 2. A master and a slave. The master gets a short heartbeat timeout (not shown: same output), so
  // that step 5 does not wait 120 s.
  const master = cli("demo-broker", "--heartbeat-timeout", "11");
  await master.waitForOutput(/registered with 2 topic\(s\)/);
  const slave = cli("demo-broker", "--id", "1");
  await slave.waitForOutput(/master 127\.0\.0\.1:10911/);
  // 4. The watch, started now so that it sees the route as it is.
  const watch = cli("watch", "TopicTest-0");
  await watch.waitForOutput(/route found/);
  await Promise.all([
    master.waitForOutput(/heartbeat ok/, 60_000),
    slave.waitForOutput(/heartbeat ok/, 60_000),
  ]);
  produced.set("demo-master", through(master.output(), /heartbeat ok/));
  produced.set("demo-slave", linesMatching(through(slave.output(), /heartbeat ok/), /^\d\d:/));

  // 3. Queries.
  const queries = await Promise.all([
    runCli(["clusterList"], env()),
    runCli(["topicRoute", "-t", "TopicTest-0"], env()),
    runCli(["brokerMembers", "-c", "DefaultCluster", "-b", "broker-a"], env()),
  ]);
  produced.set("queries", queries.map((q) => q.stdout).join("\n"));
  produced.set("watch-found", watch.output());

  // 5. The master dies without unregistering; the watch reports it once its heartbeat is too old.
  const seen = watch.output().length;
  expect(await master.stop("SIGKILL")).toBe("SIGKILL");
  await watch.waitForOutput(/route changed/, 90_000);
  await new Promise((resolveWait) => setTimeout(resolveWait, 500));
  produced.set("watch-changed", watch.output().slice(seen));

  // ... then the slave stops cleanly, the route goes, the watch stops.
  const beforeSlaveStop = watch.output().length;
  expect(await slave.stop("SIGINT")).toBe(0);
  await watch.waitForOutput(/no route any more/, 60_000);
  const slaveLines = slave.output().split("\n");
  produced.set(
    "demo-slave-stop",
    `${slaveLines.slice(slaveLines.findIndex((l) => l.includes("stopping:"))).join("\n")}`,
  );
  expect(await watch.stop("SIGINT")).toBe(0);
  produced.set("watch-gone", watch.output().slice(beforeSlaveStop));

  // 6. The quickstart.
  const quickstart = await run(process.execPath, ["--import", "tsx", "examples/quickstart.ts"], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env(), AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  produced.set("quickstart", quickstart.stdout);
  produced.set("npm-start", await startRun);
}, 400_000);

afterAll(async () => {
  await Promise.all(running.map((r) => r.stop("SIGKILL")));
  await registry?.stop();
});

/** Runs the curl commands of the "try-it-commands" block; their output is each command's answer. */
async function tryIt(): Promise<string> {
  const text = readFileSync(README, "utf8");
  const block = blocksOf(text).find((b) => b.id === "try-it");
  if (block === undefined) throw new Error("README has no readme-output: try-it block");
  const commands = block.content
    .split(/\n(?=curl )/)
    .map((chunk) =>
      chunk
        .split("\n")
        .filter((line) => !line.startsWith("#"))
        .join("\n")
        .replace(/\\\n/g, " ")
        .trim(),
    )
    .filter((c) => c.startsWith("curl "));
  let out = "";
  for (const command of commands) {
    const { stdout } = await run("sh", ["-c", command.replaceAll(README_URL, registry.url)]);
    out += `${command.replace(/ {2,}/g, " ")}\n# ${stdout.trim()}\n`;
  }
  return out;
}

/** The README's try-it block in the same one-line form as tryIt() prints. */
function tryItFromReadme(content: string): string {
  let out = "";
  for (const chunk of content.split(/\n(?=curl )/)) {
    const lines = chunk.split("\n").filter((l) => l !== "");
    const command = lines
      .filter((l) => !l.startsWith("#"))
      .join("\n")
      .replace(/\\\n/g, " ")
      .replace(/ {2,}/g, " ")
      .trim();
    const answer = lines
      .filter((l) => l.startsWith("#"))
      .map((l) => l.replace(/^# ?/, ""))
      .join("");
    out += `${command}\n# ${answer}\n`;
  }
  return out;
}

describe("the README", () => {
  it("shows the output its commands really print", () => {
    let text = readFileSync(README, "utf8");
    const blocks = blocksOf(text).filter((b) => b.kind === "output");
    expect(blocks.map((b) => b.id).sort()).toEqual([...produced.keys()].sort());
    for (const block of [...blocks].reverse()) {
      const actual = normalize(produced.get(block.id) ?? "");
      const shown =
        block.id === "try-it" ? normalize(tryItFromReadme(block.content)) : normalize(block.content);
      if (block.id === "npm-start") {
        expect(normalizeStart(block.content), "README block npm-start").toBe(
          normalizeStart(produced.get(block.id) ?? ""),
        );
        continue;
      }
      if (UPDATE && block.id !== "try-it" && shown !== actual) {
        text = `${text.slice(0, block.start)}${forReadme(produced.get(block.id) ?? "")}${text.slice(block.end)}`;
        continue;
      }
      if (block.id === "try-it") {
        // JSON answers: the README may elide with `…`; what it shows must be the start of each answer.
        const shownAnswers = shown.split("\n").filter((l) => l.startsWith("# "));
        const actualAnswers = actual.split("\n").filter((l) => l.startsWith("# "));
        expect(shownAnswers).toHaveLength(actualAnswers.length);
        shownAnswers.forEach((answer, i) => {
          const [prefix] = answer.replace(/\s+/g, "").split("…");
          expect(actualAnswers[i]?.replace(/\s+/g, "")).toContain(prefix ?? "");
        });
        continue;
      }
      expect(shown, `README block ${block.id}`).toBe(actual);
    }
    if (UPDATE) writeFileSync(README, text);
  });

  it("quotes examples/quickstart.ts verbatim", () => {
    const text = readFileSync(README, "utf8");
    const sources = blocksOf(text).filter((b) => b.kind === "source");
    expect(sources.map((b) => b.id)).toContain("examples/quickstart.ts");
    for (const block of sources) {
      expect(block.content).toBe(readFileSync(join(REPO_ROOT, block.id), "utf8"));
    }
  });

  it("links only to files of the repository, and they exist", () => {
    const docs = [
      README,
      ...readdirSync(join(REPO_ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => join(REPO_ROOT, "docs", f)),
    ];
    for (const file of docs) {
      const text = readFileSync(file, "utf8");
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (target === undefined || /^(https?:|mailto:|#)/.test(target)) continue;
        const path = resolve(dirname(file), target.split("#")[0] ?? "");
        expect(path.startsWith(REPO_ROOT), `${file} links outside the repository: ${target}`).toBe(true);
        expect(existsSync(path), `${file} links to a missing file: ${target}`).toBe(true);
      }
    }
  });
});
