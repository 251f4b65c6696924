/**
 * Which RocketMQ request the gateway is forwarding, for the registry's history: the gateway runs each
 * let-through request inside `withRemotingCaller`, and its HTTP transport adds
 * `x-namesrv-remoting-caller: accessKey=<key>; remote=<host:port>` to the calls made meanwhile. The
 * registry records it beside the principal the gateway itself authenticates as (never instead of it).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { RemotingCaller } from "./acl/access";

type Forwarded = RemotingCaller & { remoteAddress: string };

const storage = new AsyncLocalStorage<Forwarded>();

export const REMOTING_CALLER_HEADER = "x-namesrv-remoting-caller";

export function withRemotingCaller<T>(caller: Forwarded, run: () => Promise<T>): Promise<T> {
  return storage.run(caller, run);
}

/** The header for the request being forwarded now; undefined outside one. */
export function remotingCallerHeaders(): Record<string, string> | undefined {
  const caller = storage.getStore();
  if (caller === undefined) return undefined;
  const remote = caller.remoteAddress.replace(/[;\r\n]/g, "");
  const key = caller.accessKey?.replace(/[;\r\n]/g, "");
  return {
    [REMOTING_CALLER_HEADER]: key === undefined ? `remote=${remote}` : `accessKey=${key}; remote=${remote}`,
  };
}
