/**
 * Who is calling, for the history (lib/domain/history.ts), without threading it through every use
 * case's signature: the HTTP layer runs each request inside `runAsCaller`, the sweeper inside its own
 * caller, and the use cases read `currentCaller()` when they record a change. Outside any of those
 * (a test calling the service directly) the caller is anonymous.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { HistoryCaller } from "../domain/history";

const storage = new AsyncLocalStorage<HistoryCaller>();

export const ANONYMOUS_CALLER: HistoryCaller = { actor: { kind: "anonymous" } };
export const SWEEPER_CALLER: HistoryCaller = { actor: { kind: "sweeper" } };

export function runAsCaller<T>(caller: HistoryCaller, run: () => Promise<T>): Promise<T> {
  return storage.run(caller, run);
}

export function currentCaller(): HistoryCaller {
  return storage.getStore() ?? ANONYMOUS_CALLER;
}
