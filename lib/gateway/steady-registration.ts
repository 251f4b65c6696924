/**
 * The gateway's steady registration. RocketMQ 5.x brokers send their whole topic table in every
 * REGISTER_BROKER, every 30 s (`forceRegister=true`), almost always the very table the registry
 * already holds. When a broker's REGISTER_BROKER is byte for byte the one the registry last accepted
 * from it through this gateway (same header fields, same body), the gateway sends the light heartbeat
 * instead (API.md: no `topicConfigTable`, conditional on the stored `dataVersion`): the same liveness
 * renewal, a few hundred bytes instead of the table. The full body goes on any change, on a `409
 * FULL_REGISTRATION_REQUIRED` (the registry no longer holds that dataVersion: swept, restarted,
 * replaced) and at least every `fullEvery`-th registration, so that what only a full registration
 * repairs (a topic an operator deleted while the broker still lists it) is repaired within
 * `fullEvery` × 30 s, as RocketMQ does with `forceRegister=false` and its periodic full registration.
 *
 * An unchanged registration (light, or the periodic full one) does not invalidate the gateway's cached
 * routes: it changed nothing a route shows, except a broker's liveness, which the next refresh (within
 * the route cache's interval) brings, as a RocketMQ client's next poll would.
 */
import { createHash } from "node:crypto";
import type { DataVersion } from "../domain/model";

/** Default: the full body at least every 10th registration (5 minutes at RocketMQ's 30 s). */
export const DEFAULT_FULL_REGISTRATION_EVERY = 10;

interface Accepted {
  fingerprint: string;
  dataVersion: DataVersion;
  /** Light heartbeats sent since the last full registration. */
  light: number;
}

export interface SteadyRegistrationStats {
  light: number;
  full: number;
  /** Light heartbeats the registry refused with 409 (then sent in full). */
  refused: number;
}

export class SteadyRegistrations {
  private readonly accepted = new Map<string, Accepted>();
  readonly stats: SteadyRegistrationStats = { light: 0, full: 0, refused: 0 };

  /** `fullEvery` 1 sends every registration in full (the lever off). */
  constructor(private readonly fullEvery = DEFAULT_FULL_REGISTRATION_EVERY) {
    if (!Number.isInteger(fullEvery) || fullEvery < 1) {
      throw new Error(`fullEvery must be a whole number ≥ 1, got ${fullEvery}`);
    }
  }

  /** What identifies a REGISTER_BROKER's content: its header fields (sorted) and its body bytes. */
  static fingerprint(version: number, extFields: Readonly<Record<string, string>>, body?: Buffer): string {
    const hash = createHash("sha1");
    hash.update(String(version));
    for (const key of Object.keys(extFields).sort()) hash.update(`\u0000${key}\u0001${extFields[key]}`);
    hash.update("\u0002");
    if (body !== undefined) hash.update(body);
    return hash.digest("base64");
  }

  /** The dataVersion to renew with a light heartbeat, or undefined when the full body must go. */
  lightFor(broker: string, fingerprint: string): DataVersion | undefined {
    const last = this.accepted.get(broker);
    if (last === undefined || last.fingerprint !== fingerprint || last.light + 1 >= this.fullEvery) {
      return undefined;
    }
    return last.dataVersion;
  }

  /** Whether this is the content the registry last accepted from the broker through this gateway. */
  matches(broker: string, fingerprint: string): boolean {
    return this.accepted.get(broker)?.fingerprint === fingerprint;
  }

  lightAccepted(broker: string): void {
    const last = this.accepted.get(broker);
    if (last !== undefined) last.light++;
    this.stats.light++;
  }

  lightRefused(broker: string): void {
    this.accepted.delete(broker);
    this.stats.refused++;
  }

  fullAccepted(broker: string, fingerprint: string, dataVersion: DataVersion): void {
    this.accepted.set(broker, { fingerprint, dataVersion, light: 0 });
    this.stats.full++;
  }

  forget(broker: string): void {
    this.accepted.delete(broker);
  }

  get size(): number {
    return this.accepted.size;
  }
}
