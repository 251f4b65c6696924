/**
 * TLS settings of the remoting port, as RocketMQ's NameServer takes them (`tls.server.mode`,
 * `tls.server.certPath`, `tls.server.keyPath`): read from the environment (`npm start`) or flags
 * (`namesrv gateway`), checked before anything starts, each message naming the setting to fix.
 */
import { readFile } from "node:fs/promises";
import { createSecureContext } from "node:tls";
import type { RemotingTlsMode, RemotingTlsOptions } from "./server";

/** RocketMQ's `tls.server.mode` values; `disabled` (plaintext only) is the default here. */
export const TLS_MODES = ["disabled", "permissive", "enforcing"] as const;

export interface RemotingTlsSettings {
  mode: RemotingTlsMode;
  certPath: string;
  keyPath: string;
}

/** How each setting is called where it was given (an environment variable, a flag). */
export interface TlsSettingNames {
  mode: string;
  cert: string;
  key: string;
}

export type TlsSettingsResult =
  | { ok: true; settings?: RemotingTlsSettings }
  | { ok: false; errors: string[] };

/** Empty values count as unset. No settings (plaintext only) unless the mode turns TLS on. */
export function parseTlsSettings(
  raw: { mode?: string | undefined; cert?: string | undefined; key?: string | undefined },
  names: TlsSettingNames,
): TlsSettingsResult {
  const value = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());
  const mode = value(raw.mode) ?? "disabled";
  const certPath = value(raw.cert);
  const keyPath = value(raw.key);
  if (!(TLS_MODES as readonly string[]).includes(mode)) {
    return { ok: false, errors: [`${names.mode} must be ${TLS_MODES.join(", ")}, got "${mode}"`] };
  }
  if (mode === "disabled") {
    const given = [
      certPath === undefined ? undefined : names.cert,
      keyPath === undefined ? undefined : names.key,
    ];
    const set = given.filter((n) => n !== undefined);
    // A certificate given with TLS left off would look like TLS while serving plaintext.
    return set.length === 0
      ? { ok: true }
      : {
          ok: false,
          errors: [
            `${set.join(" and ")} ${set.length > 1 ? "are" : "is"} set but ${names.mode} is disabled: set ${names.mode} to permissive or enforcing to serve TLS`,
          ],
        };
  }
  const errors: string[] = [];
  if (certPath === undefined) {
    errors.push(`${names.cert} (a PEM certificate file) is required when ${names.mode} is ${mode}`);
  }
  if (keyPath === undefined) {
    errors.push(
      `${names.key} (a PEM private key file, unencrypted) is required when ${names.mode} is ${mode}`,
    );
  }
  if (certPath === undefined || keyPath === undefined) return { ok: false, errors };
  return { ok: true, settings: { mode: mode as RemotingTlsMode, certPath, keyPath } };
}

/** Reads the certificate and key and checks that they make a usable pair; throws naming the setting. */
export async function loadTlsSettings(
  settings: RemotingTlsSettings,
  names: TlsSettingNames,
): Promise<RemotingTlsOptions> {
  const read = async (path: string, name: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new Error(`${name}: cannot read "${path}": ${(error as Error).message}`);
    }
  };
  const cert = await read(settings.certPath, names.cert);
  const key = await read(settings.keyPath, names.key);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new Error(
      `${names.cert} and ${names.key}: not a usable PEM certificate and private key: ${(error as Error).message}`,
    );
  }
  return { mode: settings.mode, cert, key };
}
