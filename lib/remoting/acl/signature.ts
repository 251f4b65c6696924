/**
 * RocketMQ's request signature (`AclClientRPCHook` on the sending side, `AclUtils` /
 * `AclSigner` for the bytes): the sender adds `AccessKey` (and, when it has one, `SecurityToken`)
 * to the ext fields, then signs
 *
 *   the values of every ext field except `Signature`, in the order of their keys (Java's
 *   `TreeMap<String, …>`: UTF-16 code units), concatenated and UTF-8 encoded, followed by the body
 *
 * with HmacSHA1 under the secret key, and sends the Base64 of the MAC as the `Signature` ext field.
 * The signature carries no timestamp and no nonce: a recorded frame verifies again (see the
 * README's threat model). This module knows the bytes and nothing of accounts.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** `SessionCredentials.ACCESS_KEY`, `SECURITY_TOKEN`, `SIGNATURE`: the ext field names. */
export const ACCESS_KEY = "AccessKey";
export const SECURITY_TOKEN = "SecurityToken";
export const SIGNATURE = "Signature";

export interface SessionCredentials {
  accessKey: string;
  secretKey: string;
  securityToken?: string;
}

/** Java's `String#compareTo`: by UTF-16 code unit, which is what `<` on JS strings does. */
function javaOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The signed bytes of a request (`AclUtils.combineRequestContent` over its sorted ext fields). */
export function signatureContent(extFields: Readonly<Record<string, string>>, body?: Buffer): Buffer {
  const keys = Object.keys(extFields)
    .filter((key) => key !== SIGNATURE)
    .sort(javaOrder);
  const text = keys.map((key) => extFields[key]).join("");
  const head = Buffer.from(text, "utf8");
  return body === undefined || body.length === 0 ? head : Buffer.concat([head, body]);
}

/** `AclSigner.calSignature`: Base64(HmacSHA1(secretKey as UTF-8, content)). */
export function calSignature(content: Buffer, secretKey: string): string {
  return createHmac("sha1", Buffer.from(secretKey, "utf8")).update(content).digest("base64");
}

/**
 * The ext fields a request carries once `AclClientRPCHook` has run: the given ones plus
 * `AccessKey`, `SecurityToken` (when given) and `Signature`. For tests and for the project's own
 * remoting client; the gateway only verifies.
 */
export function signExtFields(
  extFields: Readonly<Record<string, string>>,
  body: Buffer | undefined,
  credentials: SessionCredentials,
): Record<string, string> {
  const signed: Record<string, string> = { ...extFields, [ACCESS_KEY]: credentials.accessKey };
  if (credentials.securityToken !== undefined) signed[SECURITY_TOKEN] = credentials.securityToken;
  signed[SIGNATURE] = calSignature(signatureContent(signed, body), credentials.secretKey);
  return signed;
}

/** Whether a request's `Signature` is the one its ext fields and body make under this secret (constant time). */
export function signatureMatches(
  extFields: Readonly<Record<string, string>>,
  body: Buffer | undefined,
  secretKey: string,
): boolean {
  const sent = extFields[SIGNATURE];
  if (sent === undefined) return false;
  const expected = Buffer.from(calSignature(signatureContent(extFields, body), secretKey), "utf8");
  const actual = Buffer.from(sent, "utf8");
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
