/**
 * Keeps the DynamoDB Local of `npm start` running: when the JVM exits (a crash, `kill -9`, the OOM
 * killer), a replacement is started from the same data directory on the same port (the handlers hold
 * the endpoint). A restart that fails (the replacement died too, or the table could not be ensured)
 * is tried again, all within one budget: at most `maxRestartsPerMinute` attempts in any 60 s. Past
 * that, the registry cannot go on and `onFatal` says why: it never answers 503 forever.
 */
import type { DynamoDbLocal } from "./dynamodb-local";

export interface DynamoDbSupervisorOptions {
  /** Starts a replacement and makes it ready to serve; rejects (having stopped it) when it cannot. */
  restart(): Promise<DynamoDbLocal>;
  /** Restart attempts allowed in any 60 s; the next one is fatal. */
  maxRestartsPerMinute: number;
  /** True once the registry is stopping: an exit is then expected, and nothing is restarted. */
  stopping(): boolean;
  /** A replacement serves now. */
  onRestarted(next: DynamoDbLocal): void;
  /** Restarts are over budget; the caller stops the registry. */
  onFatal(error: Error): void;
  /** Before each attempt: why (the exit, or the previous attempt's failure) and which attempt it is. */
  onRestarting?(reason: string, attempt: number): void;
  /** Pause after a failed attempt before the next (a port still held, a JVM still dying). */
  retryDelayMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const WINDOW_MS = 60_000;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Watches `first` and every replacement until the registry stops or the budget is spent. */
export function superviseDynamoDbLocal(first: DynamoDbLocal, options: DynamoDbSupervisorOptions): void {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const attempts: number[] = [];

  const recover = async (exitedDb: DynamoDbLocal) => {
    let reason = `exited (${exitedDb.exitReason() ?? "unknown"})`;
    for (;;) {
      if (options.stopping()) return;
      const at = now();
      while (attempts.length > 0 && at - (attempts[0] as number) >= WINDOW_MS) attempts.shift();
      if (attempts.length >= options.maxRestartsPerMinute) {
        options.onFatal(
          new Error(
            `DynamoDB Local ${reason}, after ${attempts.length} restarts within a minute (at most ` +
              `${options.maxRestartsPerMinute}); giving up`,
          ),
        );
        return;
      }
      attempts.push(at);
      options.onRestarting?.(reason, attempts.length);
      try {
        const next = await options.restart();
        if (options.stopping()) return void (await next.stop());
        options.onRestarted(next);
        watch(next);
        return;
      } catch (error) {
        reason = `could not be restarted (${messageOf(error).split("\n")[0]})`;
        await sleep(retryDelayMs);
      }
    }
  };
  const watch = (db: DynamoDbLocal) => {
    void db.exited.then(() => recover(db));
  };
  watch(first);
}
