/**
 * The restart budget of `npm start`'s DynamoDB Local (README "Security": at most 3 restarts a minute),
 * with fake JVMs and a fake clock: a restart that fails is tried again within the budget, the attempt
 * past it is fatal, attempts older than a minute no longer count, and nothing restarts while stopping.
 */
import { describe, expect, it } from "vitest";
import type { DynamoDbLocal } from "../../lib/local/dynamodb-local";
import { superviseDynamoDbLocal } from "../../lib/local/dynamodb-supervisor";

interface FakeJvm extends DynamoDbLocal {
  kill(signal?: string): void;
}

let nextPid = 100;
function fakeJvm(): FakeJvm {
  let reason: string | undefined;
  let exit!: (code: number | null) => void;
  const exited = new Promise<number | null>((r) => {
    exit = r;
  });
  return {
    endpoint: "http://127.0.0.1:1",
    port: 1,
    pid: nextPid++,
    exited,
    exitReason: () => reason,
    output: () => "",
    stop: async () => undefined,
    kill(signal = "SIGKILL") {
      reason = `signal ${signal}`;
      exit(null);
    },
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function harness(restartResults: (() => Promise<DynamoDbLocal>)[]) {
  let clock = 1_000_000;
  let stopping = false;
  const events: string[] = [];
  const current: { db: DynamoDbLocal | undefined } = { db: undefined };
  const first = fakeJvm();
  superviseDynamoDbLocal(first, {
    maxRestartsPerMinute: 3,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
    stopping: () => stopping,
    restart: () => {
      const next = restartResults.shift();
      if (next === undefined) throw new Error("no more restarts scripted");
      return next();
    },
    onRestarting: (reason, attempt) => events.push(`attempt ${attempt}: ${reason}`),
    onRestarted: (db) => {
      current.db = db;
      events.push(`serving ${db.pid}`);
    },
    onFatal: (error) => events.push(`fatal: ${error.message}`),
  });
  return {
    first,
    events,
    current,
    advance: (ms: number) => {
      clock += ms;
    },
    stop: () => {
      stopping = true;
    },
  };
}

describe("DynamoDB Local supervision", () => {
  it("restarts a JVM killed by a signal, and retries a restart that fails", async () => {
    const replacement = fakeJvm();
    const h = harness([
      () => Promise.reject(new Error("DynamoDB Local exited (signal SIGKILL) before it answered")),
      () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:1")),
      () => Promise.resolve(replacement),
    ]);
    h.first.kill();
    await settle();
    await settle();
    expect(h.events).toEqual([
      "attempt 1: exited (signal SIGKILL)",
      "attempt 2: could not be restarted (DynamoDB Local exited (signal SIGKILL) before it answered)",
      "attempt 3: could not be restarted (connect ECONNREFUSED 127.0.0.1:1)",
      `serving ${replacement.pid}`,
    ]);
    expect(h.current.db).toBe(replacement);
  });

  it("gives up at the fourth attempt within a minute, saying why", async () => {
    const [a, b, c] = [fakeJvm(), fakeJvm(), fakeJvm()];
    const h = harness([a, b, c].map((jvm) => () => Promise.resolve(jvm)));
    h.first.kill();
    await settle();
    h.advance(10_000);
    a.kill();
    await settle();
    h.advance(10_000);
    b.kill();
    await settle();
    h.advance(10_000);
    c.kill("SIGTERM");
    await settle();
    expect(h.events.at(-1)).toBe(
      "fatal: DynamoDB Local exited (signal SIGTERM), after 3 restarts within a minute (at most 3); giving up",
    );
    expect(h.events.filter((e) => e.startsWith("serving"))).toHaveLength(3);
  });

  it("counts only the attempts of the last minute", async () => {
    const jvms = [fakeJvm(), fakeJvm(), fakeJvm(), fakeJvm(), fakeJvm()];
    const h = harness(jvms.map((jvm) => () => Promise.resolve(jvm)));
    let dying: FakeJvm = h.first;
    for (const jvm of jvms) {
      dying.kill();
      await settle();
      h.advance(25_000); // three exits every 75 s: never more than three within a minute
      dying = jvm;
    }
    expect(h.events.some((e) => e.startsWith("fatal"))).toBe(false);
    expect(h.current.db).toBe(jvms[4]);
  });

  it("restarts nothing once the registry is stopping", async () => {
    const h = harness([() => Promise.resolve(fakeJvm())]);
    h.stop();
    h.first.kill("SIGTERM");
    await settle();
    expect(h.events).toEqual([]);
  });
});
