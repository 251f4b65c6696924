/**
 * Real Apache RocketMQ for the interop tests: NameServers, brokers and mqadmin from the jars that
 * test/interop/fetch-rocketmq.sh put in .cache/rocketmq/<version>/lib. Every JVM runs with a small
 * heap, on loopback, with its own fresh ROCKETMQ_HOME / user.home / store under one temp folder,
 * in its own process group; `stopAllRocketMq()` (called from every test file's afterAll, and on
 * process exit) SIGKILLs every group still alive.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROCKETMQ_VERSION = "5.3.3";
/** The newest 4.x on Maven Central (4.9.8 was never published there): the 4.x wire dialect. */
export const ROCKETMQ_4X_VERSION = "4.9.7";
const CACHE = resolve(process.env.ROCKETMQ_CACHE ?? join(import.meta.dirname, "../../../.cache/rocketmq"));

export function rocketMqClasspath(version: string = ROCKETMQ_VERSION): string {
  const dir = join(CACHE, version);
  if (!existsSync(join(dir, ".complete"))) {
    throw new Error(`RocketMQ ${version} is not in ${dir}: run test/interop/fetch-rocketmq.sh`);
  }
  return `${join(dir, "lib")}/*`;
}

/** JVM flags for short-lived, small processes: C1 only (faster starts), class-data sharing if present. */
const FAST_START = [
  "-XX:TieredStopAtLevel=1",
  "-Xshare:auto",
  "-XX:+UseSerialGC",
  "-Djava.net.preferIPv4Stack=true",
];

// ---------------------------------------------------------------------------------------------
// Ports: the interop range is 24000-24999 (RocketMQ's defaults are never bound). A broker takes
// listenPort-2 (fastListenPort), listenPort and listenPort+1 (HA), so every allocation is a block
// of 10 whose ports are all free right now.

let nextBlock = 24000 + 10 * Math.floor(Math.random() * 40);

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once("error", () => resolvePort(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolvePort(true)));
  });
}

/** A block of 10 free ports in 24000-24999; returns its base + 2 (a broker's listenPort). */
export async function allocatePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = nextBlock;
    nextBlock = nextBlock + 10 >= 25000 ? 24000 : nextBlock + 10;
    const checks = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => portIsFree(base + i)));
    if (checks.every(Boolean)) return base + 2;
  }
  throw new Error("no free block of ports in 24000-24999");
}

// ---------------------------------------------------------------------------------------------
// Processes

const live = new Set<ChildProcess>();
let root: string | undefined;

/** One temp folder per test process for every JVM's home, store and logs. */
function workRoot(): string {
  root ??= mkdtempSync(join(tmpdir(), "interop-rocketmq-"));
  return root;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL"): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

process.once("exit", () => {
  for (const child of live) killGroup(child);
});

/** SIGKILLs every RocketMQ JVM this process started and still running; removes their temp folder. */
export async function stopAllRocketMq(): Promise<void> {
  await Promise.all([...live].map((child) => stopChild(child)));
  if (root !== undefined && process.env.INTEROP_KEEP_LOGS === undefined) {
    rmSync(root, { recursive: true, force: true });
    root = undefined;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolveStop) => {
    child.once("exit", () => {
      live.delete(child);
      resolveStop();
    });
    killGroup(child);
  });
}

interface Spawned {
  child: ChildProcess;
  home: string;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray>;
}

function spawnJava(name: string, javaArgs: string[], home: string): Spawned {
  const child = spawn("java", javaArgs, {
    cwd: home,
    env: { ...process.env, ROCKETMQ_HOME: home, HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  live.add(child);
  let output = "";
  const onData = (chunk: Buffer) => {
    // logback's own status lines ("...|-INFO in ...") are noise.
    for (const line of chunk.toString().split("\n")) if (!line.includes("|-")) output += `${line}\n`;
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  child.once("exit", () => live.delete(child));
  return {
    child,
    home,
    output: () => output,
    waitFor(pattern, timeoutMs, what) {
      return new Promise((resolveWait, reject) => {
        const started = Date.now();
        const check = () => {
          const match = pattern.exec(output);
          if (match !== null) return resolveWait(match);
          if (child.exitCode !== null || child.signalCode !== null) {
            return reject(
              new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${output}`),
            );
          }
          if (Date.now() - started > timeoutMs) {
            return reject(new Error(`${name}: no ${what} within ${timeoutMs} ms:\n${output}`));
          }
          setTimeout(check, 100);
        };
        check();
      });
    },
  };
}

function freshHome(name: string): string {
  const home = join(workRoot(), `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(home, { recursive: true });
  return home;
}

function properties(values: Record<string, string | number | boolean>): string {
  return Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join("\n");
}

export interface RocketMqNameServer {
  addr: string;
  port: number;
  stop(): Promise<void>;
}

/** Apache RocketMQ's own NameServer (the oracle of the differential tests), on 127.0.0.1. */
export async function startRocketMqNameServer(
  options: { port?: number; config?: Record<string, string | number | boolean> } = {},
): Promise<RocketMqNameServer> {
  const port = options.port ?? (await allocatePort());
  const home = freshHome(`namesrv-${port}`);
  writeFileSync(
    join(home, "namesrv.conf"),
    properties({ listenPort: port, bindAddress: "127.0.0.1", ...options.config }),
  );
  const jvm = spawnJava(
    `NameServer :${port}`,
    [
      "-Xms128m",
      "-Xmx256m",
      ...FAST_START,
      `-Duser.home=${home}`,
      "-cp",
      rocketMqClasspath(),
      "org.apache.rocketmq.namesrv.NamesrvStartup",
      "-c",
      join(home, "namesrv.conf"),
    ],
    home,
  );
  await jvm.waitFor(/The Name Server boot success/, 60_000, "boot");
  return { addr: `127.0.0.1:${port}`, port, stop: () => stopChild(jvm.child) };
}

export interface BrokerOptions {
  version?: string;
  /** NameServer addresses, `;`-separated, as in broker.conf. */
  namesrvAddr: string;
  clusterName?: string;
  brokerName?: string;
  brokerId?: number;
  listenPort?: number;
  /** More broker.conf entries (enableSlaveActingMaster, compressedRegister, brokerRole, ...). */
  config?: Record<string, string | number | boolean>;
  /** More JVM options, e.g. `-Dtls.enable=true`. */
  javaOptions?: string[];
}

export interface RocketMqBroker {
  addr: string;
  listenPort: number;
  brokerName: string;
  brokerId: number;
  version: string;
  /** The broker's own log (broker.log under its user.home). */
  log(): string;
  /** Resolves once the broker logs a completed registration with this NameServer address. */
  waitRegistered(namesrvAddr: string, timeoutMs?: number): Promise<void>;
  /** Registrations completed with this address so far. */
  registrations(namesrvAddr: string): number;
  /** SIGKILL (kill -9): no unregistration, the TCP connections just close. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

const LOGBACK_4X = `<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>\${user.home}/logs/rocketmqlogs/broker.log</file>
    <encoder><pattern>%d{yyyy-MM-dd HH:mm:ss} %p %t - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="FILE"/></root>
</configuration>
`;

export async function startRocketMqBroker(options: BrokerOptions): Promise<RocketMqBroker> {
  const version = options.version ?? ROCKETMQ_VERSION;
  const listenPort = options.listenPort ?? (await allocatePort());
  const brokerName = options.brokerName ?? "broker-a";
  const brokerId = options.brokerId ?? 0;
  const home = freshHome(`broker-${brokerName}-${brokerId}-${listenPort}`);
  const store = join(home, "store");
  writeFileSync(
    join(home, "broker.conf"),
    properties({
      brokerClusterName: options.clusterName ?? "DefaultCluster",
      brokerName,
      brokerId,
      brokerRole: brokerId === 0 ? "ASYNC_MASTER" : "SLAVE",
      brokerIP1: "127.0.0.1",
      brokerIP2: "127.0.0.1",
      listenPort,
      namesrvAddr: options.namesrvAddr,
      storePathRootDir: store,
      storePathCommitLog: join(store, "commitlog"),
      autoCreateTopicEnable: true,
      // Small files: a broker maps its CommitLog and queue files up front.
      mappedFileSizeCommitLog: 16 * 1024 * 1024,
      mappedFileSizeConsumeQueue: 6000 * 20,
      diskMaxUsedSpaceRatio: 95,
      ...options.config,
    }),
  );
  if (version.startsWith("4.")) {
    // 4.x brokers read their logback configuration from ROCKETMQ_HOME/conf (5.x carry one in the jar).
    mkdirSync(join(home, "conf"), { recursive: true });
    writeFileSync(join(home, "conf", "logback_broker.xml"), LOGBACK_4X);
  }
  const jvm = spawnJava(
    `Broker ${brokerName}/${brokerId} ${version}`,
    [
      "-Xms256m",
      "-Xmx512m",
      "-XX:MaxDirectMemorySize=256m",
      ...FAST_START,
      ...(options.javaOptions ?? []),
      `-Duser.home=${home}`,
      "-cp",
      rocketMqClasspath(version),
      "org.apache.rocketmq.broker.BrokerStartup",
      "-c",
      join(home, "broker.conf"),
    ],
    home,
  );
  await jvm.waitFor(/The broker\[.*\] boot success/, 90_000, "boot");
  const logFile = join(home, "logs", "rocketmqlogs", "broker.log");
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  // 5.x: "Registering current broker to name server completed. TargetHost=<addr>";
  // 4.x: "register broker[<id>]to name server <addr> OK".
  const registrations = (namesrvAddr: string) => {
    const text = log();
    return (
      text.split(`Registering current broker to name server completed. TargetHost=${namesrvAddr}`).length -
      1 +
      text.split(`]to name server ${namesrvAddr} OK`).length -
      1
    );
  };
  return {
    addr: `127.0.0.1:${listenPort}`,
    listenPort,
    brokerName,
    brokerId,
    version,
    log,
    registrations,
    async waitRegistered(namesrvAddr, timeoutMs = 60_000) {
      const started = Date.now();
      while (registrations(namesrvAddr) === 0) {
        if (jvm.child.exitCode !== null)
          throw new Error(`broker exited before registering:\n${jvm.output()}`);
        if (Date.now() - started > timeoutMs) {
          throw new Error(
            `broker ${brokerName}/${brokerId} did not register with ${namesrvAddr} within ${timeoutMs} ms`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    kill9: () => stopChild(jvm.child),
    async stop() {
      if (jvm.child.exitCode !== null || jvm.child.signalCode !== null) return;
      // SIGTERM: the broker's shutdown hook unregisters from every NameServer.
      const exited = new Promise<void>((r) => jvm.child.once("exit", () => r()));
      killGroup(jvm.child, "SIGTERM");
      const timer = setTimeout(() => killGroup(jvm.child), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// mqadmin

export interface MqAdminResult {
  code: number | null;
  /** stdout and stderr without logback's status lines and JVM warnings. */
  output: string;
}

let mqadminHome: string | undefined;
let archiving = false;

/**
 * Class-data sharing for mqadmin's many JVM starts: the first invocation dumps the classes it loaded
 * into an archive next to the jars (-XX:ArchiveClassesAtExit), later ones map it. A stale or
 * unusable archive is ignored by the JVM (sharing is only "auto").
 */
function classDataSharing(): string[] {
  const archive = join(CACHE, ROCKETMQ_VERSION, "mqadmin.jsa");
  if (existsSync(archive)) return [`-XX:SharedArchiveFile=${archive}`, "-Xlog:cds=off"];
  if (archiving) return [];
  archiving = true;
  return [`-XX:ArchiveClassesAtExit=${archive}`, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"];
}

/**
 * A home for mqadmin runs that sign their requests: `conf/tools.yml` with the account's keys, which
 * MQAdminStartup turns into an `AclClientRPCHook` (pass it as `mqadmin(args, timeout, home)`).
 */
export function mqadminHomeWithCredentials(accessKey: string, secretKey: string): string {
  const home = freshHome(`mqadmin-${accessKey}`);
  mkdirSync(join(home, "conf"), { recursive: true });
  writeFileSync(join(home, "conf", "tools.yml"), `accessKey: ${accessKey}\nsecretKey: ${secretKey}\n`);
  return home;
}

/** One `mqadmin` (MQAdminStartup) invocation: one JVM start, so keep the count reasonable. */
export function mqadmin(
  args: string[],
  timeoutMs = 60_000,
  homeDir?: string,
  /** More JVM options, e.g. `-Dtls.enable=true`. */
  javaOptions: string[] = [],
): Promise<MqAdminResult> {
  mqadminHome ??= freshHome("mqadmin");
  const home = homeDir ?? mqadminHome;
  return new Promise((resolveRun) => {
    execFile(
      "java",
      [
        "-Xmx128m",
        ...FAST_START,
        ...classDataSharing(),
        ...javaOptions,
        `-Duser.home=${home}`,
        "-cp",
        rocketMqClasspath(),
        "org.apache.rocketmq.tools.command.MQAdminStartup",
        ...args,
      ],
      {
        cwd: home,
        env: { ...process.env, ROCKETMQ_HOME: home, HOME: home },
        timeout: timeoutMs,
        maxBuffer: 16 << 20,
      },
      (error, stdout, stderr) => {
        const clean = (text: string) =>
          text
            .split("\n")
            .filter(
              (line) =>
                !line.includes("|-") &&
                !line.startsWith("OpenJDK 64-Bit Server VM warning") &&
                !/^\[[0-9.]+s\]\[warning\]/.test(line),
            )
            .join("\n");
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolveRun({ code, output: `${clean(stdout)}${clean(stderr)}`.trim() });
      },
    );
  });
}

/**
 * mqadmin that must succeed; returns its output. A send that fails with the producer's own 3 s
 * budget spent ("sendDefaultImpl call timeout": a JVM still starting on a busy machine) is tried
 * again, up to three times; any other failure fails at once.
 */
export async function mqadminOk(args: string[]): Promise<string> {
  let result = await mqadmin(args);
  for (let retry = 0; retry < 2 && /sendDefaultImpl call timeout/.test(result.output); retry++) {
    result = await mqadmin(args);
  }
  if (result.code !== 0 || /Exception|command failed/.test(result.output)) {
    throw new Error(`mqadmin ${args.join(" ")} failed (${result.code}):\n${result.output}`);
  }
  return result.output;
}
