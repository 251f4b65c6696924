/**
 * Who is calling, for the history of changes (lib/domain/history.ts), without threading it through
 * every use case's signature: the HTTP layer runs each request inside `runAsCaller`, the sweeper
 * inside its own caller, and the use cases read `currentCaller()` when they record a change. Outside
 * any of those (a test calling a use case directly) the caller is anonymous.
 *
 * At the root of lib/ so that both lib/http (which sets it) and lib/app (which reads it) may import
 * it; its `Caller` has the shape of the domain's `HistoryCaller` (the domain imports nothing).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface Caller {
  actor: { kind: "iam"; principal: string } | { kind: "token" } | { kind: "anonymous" } | { kind: "sweeper" };
  sourceIp?: string;
  remoting?: { accessKey?: string; remoteAddress: string };
}

const storage = new AsyncLocalStorage<Caller>();

export const ANONYMOUS_CALLER: Caller = { actor: { kind: "anonymous" } };
export const SWEEPER_CALLER: Caller = { actor: { kind: "sweeper" } };

export function runAsCaller<T>(caller: Caller, run: () => Promise<T>): Promise<T> {
  return storage.run(caller, run);
}

export function currentCaller(): Caller {
  return storage.getStore() ?? ANONYMOUS_CALLER;
}
