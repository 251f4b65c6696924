/**
 * Who may send what over remoting, once accounts are configured (acl-config.ts):
 *
 * - a signed request (`AccessKey` + `Signature`, signature.ts) must come from a known account and
 *   verify under its secret; unsigned requests get what `anonymous` allows (`none`, or `read`);
 * - `admin` accounts may send every request code;
 * - `client` accounts (and anonymous `read`) the reads: routes, cluster info, topic lists, KV reads,
 *   the NameServer's configuration, a broker group's members;
 * - `broker` accounts the reads, plus what a broker sends about itself (REGISTER_BROKER,
 *   UNREGISTER_BROKER, BROKER_HEARTBEAT, QUERY_DATA_VERSION, GET_BROKER_MEMBER_GROUP,
 *   REGISTER_TOPIC_IN_NAMESRV) for its own groups only: the request's broker name (for
 *   REGISTER_TOPIC_IN_NAMESRV every queue's) must be one of the account's `brokerNames`, and its
 *   cluster the account's `cluster`, when the account names them.
 *
 * Anything else is refused with NO_PERMISSION (16) and a remark naming the reason; a refused
 * request reaches no processor, so it changes nothing.
 */

import { ACCESS_KEY, SIGNATURE, signatureMatches } from "../../remoting/acl/signature";
import type { RemotingCommand } from "../../remoting/codec";
import { parseLenientJson } from "../../remoting/fastjson";
import { RequestCode, requestCodeName } from "../../remoting/protocol";
import type { AclAccount, AclConfig, AclRole } from "./acl-config";

/** Codes that only read (what `client` accounts and anonymous `read` may send). */
export const READ_CODES: ReadonlySet<number> = new Set([
  RequestCode.GET_KV_CONFIG,
  RequestCode.GET_KVLIST_BY_NAMESPACE,
  RequestCode.GET_ROUTEINFO_BY_TOPIC,
  RequestCode.GET_BROKER_CLUSTER_INFO,
  RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
  RequestCode.GET_TOPICS_BY_CLUSTER,
  RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS,
  RequestCode.GET_UNIT_TOPIC_LIST,
  RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST,
  RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST,
  RequestCode.GET_NAMESRV_CONFIG,
  RequestCode.GET_BROKER_MEMBER_GROUP,
]);

/** What a broker sends about itself: a broker account may send these for its own groups. */
export const BROKER_CODES: ReadonlySet<number> = new Set([
  RequestCode.REGISTER_BROKER,
  RequestCode.UNREGISTER_BROKER,
  RequestCode.BROKER_HEARTBEAT,
  RequestCode.QUERY_DATA_VERSION,
  RequestCode.GET_BROKER_MEMBER_GROUP,
  RequestCode.REGISTER_TOPIC_IN_NAMESRV,
]);

/** Who sent a request that was let through. */
export interface RemotingCaller {
  /** Undefined for an unsigned (anonymous) request. */
  accessKey?: string;
  role: AclRole | "anonymous";
}

export type AccessDecision = { allowed: true; caller: RemotingCaller } | { allowed: false; reason: string };

function codeName(code: number): string {
  const name = requestCodeName(code);
  return name === undefined ? `request code ${code}` : `${name} (${code})`;
}

/** The broker names a REGISTER_TOPIC_IN_NAMESRV body's queue data name; undefined when unreadable. */
function queueBrokerNames(body: Buffer | undefined): string[] | undefined {
  if (body === undefined) return [];
  let parsed: unknown;
  try {
    parsed = parseLenientJson(body.toString("utf8"));
  } catch {
    return undefined;
  }
  const queueDatas = (parsed as { queueDatas?: unknown } | null)?.queueDatas;
  if (queueDatas === undefined || queueDatas === null) return [];
  if (!Array.isArray(queueDatas)) return undefined;
  const names: string[] = [];
  for (const q of queueDatas) {
    const name = (q as { brokerName?: unknown } | null)?.brokerName;
    if (typeof name !== "string") return undefined;
    names.push(name);
  }
  return names;
}

function brokerScope(account: AclAccount, request: RemotingCommand): string | undefined {
  const ext = request.extFields;
  const what = codeName(request.code);
  if (account.cluster !== undefined && request.code !== RequestCode.REGISTER_TOPIC_IN_NAMESRV) {
    const cluster = ext.clusterName;
    if (cluster !== account.cluster) {
      return `broker account "${account.accessKey}" may send ${what} for cluster "${account.cluster}" only, not "${cluster ?? ""}"`;
    }
  }
  if (account.brokerNames === undefined) return undefined;
  const allowed = new Set(account.brokerNames);
  const names =
    request.code === RequestCode.REGISTER_TOPIC_IN_NAMESRV
      ? queueBrokerNames(request.body)
      : [ext.brokerName ?? ""];
  if (names === undefined) {
    return `broker account "${account.accessKey}": the ${what} body's queue data cannot be read to check its broker names`;
  }
  const foreign = names.find((name) => !allowed.has(name));
  if (foreign === undefined) return undefined;
  return `broker account "${account.accessKey}" may send ${what} for its own groups (${account.brokerNames.join(", ")}) only, not "${foreign}"`;
}

export class RemotingAccessControl {
  private readonly accounts: ReadonlyMap<string, AclAccount>;

  constructor(readonly config: AclConfig) {
    this.accounts = new Map(config.accounts.map((a) => [a.accessKey, a]));
  }

  check(request: RemotingCommand): AccessDecision {
    const ext = request.extFields;
    const what = codeName(request.code);
    const accessKey = ext[ACCESS_KEY];
    const signature = ext[SIGNATURE];
    if (accessKey === undefined && signature === undefined) {
      if (this.config.anonymous === "read" && READ_CODES.has(request.code)) {
        return { allowed: true, caller: { role: "anonymous" } };
      }
      return {
        allowed: false,
        reason: `unsigned request: ${what} needs a signed request (AccessKey and Signature) of an account allowed to send it (anonymous access is ${this.config.anonymous})`,
      };
    }
    if (accessKey === undefined) return { allowed: false, reason: `${what}: Signature without AccessKey` };
    if (signature === undefined)
      return { allowed: false, reason: `${what}: AccessKey "${accessKey}" without Signature` };
    const account = this.accounts.get(accessKey);
    if (account === undefined) return { allowed: false, reason: `unknown AccessKey "${accessKey}"` };
    if (!signatureMatches(ext, request.body, account.secretKey)) {
      return {
        allowed: false,
        reason: `signature mismatch for AccessKey "${accessKey}": the request was not signed with this account's secret key, or was changed on the way`,
      };
    }
    const caller: RemotingCaller = { accessKey, role: account.role };
    if (account.role === "admin") return { allowed: true, caller };
    if (account.role === "broker" && BROKER_CODES.has(request.code)) {
      const refused = brokerScope(account, request);
      return refused === undefined ? { allowed: true, caller } : { allowed: false, reason: refused };
    }
    if (READ_CODES.has(request.code)) return { allowed: true, caller };
    return {
      allowed: false,
      reason: `${account.role} account "${accessKey}" may not send ${what}${account.role === "client" ? " (client accounts may only read)" : ""}`,
    };
  }
}
