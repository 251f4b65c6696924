/**
 * BrokerHousekeepingService's unregister, across a registry outage. When a broker's connection closes
 * the gateway unregisters it; if the registry cannot be reached (or answers 503/429/5xx) at that
 * moment, the unregister is tried again after growing pauses, for about two minutes in all (the
 * default heartbeat timeout, after which the registry's own expiry removes the broker anyway). It is
 * never tried again once the broker has shown itself through this gateway since its connection
 * closed (REGISTER_BROKER, BROKER_HEARTBEAT or QUERY_DATA_VERSION for the same cluster and address):
 * a late unregister must not remove a broker that came back. A refusal (4xx) is final.
 */
import { NameServerRequestError, NameServerUnreachableError } from "../client/transport";
import type { BrokerIdentity } from "../remoting/processor";

/** Pauses before each retry: about 2 minutes in all. */
export const DEFAULT_UNREGISTER_RETRY_DELAYS_MS: readonly number[] = [
  1_000, 2_000, 4_000, 8_000, 15_000, 30_000, 30_000, 30_000,
];

/** A failure that may pass: the registry unreachable, busy, throttling or failing. */
export function isTransientRegistryError(error: unknown): boolean {
  if (error instanceof NameServerUnreachableError) return true;
  return error instanceof NameServerRequestError && (error.status === 429 || error.status >= 500);
}

export interface UnregisterOnCloseOptions {
  unregister(broker: BrokerIdentity): Promise<void>;
  /** True once the broker showed itself again through this gateway since its connection closed. */
  cameBack(): boolean;
  onUnregistered(broker: BrokerIdentity): void;
  log(line: string): void;
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
}

const describe = (broker: BrokerIdentity) => `broker ${broker.brokerName} (${broker.brokerAddr})`;

/** Unregisters `broker`, retrying transient failures (see above); never rejects. */
export async function unregisterOnClose(
  broker: BrokerIdentity,
  options: UnregisterOnCloseOptions,
): Promise<void> {
  const delays = options.delaysMs ?? DEFAULT_UNREGISTER_RETRY_DELAYS_MS;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref()));
  for (let attempt = 0; ; attempt++) {
    try {
      await options.unregister(broker);
      if (attempt > 0) options.log(`remoting: unregistered ${describe(broker)} at attempt ${attempt + 1}`);
      options.onUnregistered(broker);
      return;
    } catch (error) {
      const delay = delays[attempt];
      if (!isTransientRegistryError(error) || delay === undefined) {
        options.log(
          `remoting: could not unregister ${describe(broker)}${attempt > 0 ? ` after ${attempt + 1} attempts` : ""}: ${String(error)}` +
            (isTransientRegistryError(error) ? "; its heartbeat timeout will remove it" : ""),
        );
        return;
      }
      options.log(
        `remoting: could not unregister ${describe(broker)} (${String(error)}); trying again in ${delay} ms`,
      );
      await sleep(delay);
      if (options.cameBack()) {
        options.log(`remoting: ${describe(broker)} is back: its unregister is dropped`);
        return;
      }
    }
  }
}
