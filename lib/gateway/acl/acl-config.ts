/**
 * The remoting side's accounts (`NAMESRV_ACL_FILE`, `namesrv gateway --acl-file`, or the secret the
 * stack names): who may sign requests, with which role, and what an unsigned request may do.
 *
 *   { "anonymous": "none" | "read",
 *     "accounts": [ { "accessKey", "secretKey", "role": "admin" | "broker" | "client",
 *                     "cluster"?, "brokerNames"?: [...] } ] }
 *
 * The same in YAML, where RocketMQ's `plain_acl.yml` field names are understood too: an account
 * with `admin: true` is an admin, any other account of that file a client (plain_acl has no broker
 * role; add `role: broker` and `brokerNames` to one). `anonymous` defaults to `none`: a file given
 * means unsigned requests are refused unless it says otherwise.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

export type AclRole = "admin" | "broker" | "client";
export type AnonymousAccess = "none" | "read";

export interface AclAccount {
  accessKey: string;
  secretKey: string;
  role: AclRole;
  /** A broker account's cluster: its requests must name this cluster. */
  cluster?: string;
  /** A broker account's groups: its requests must name one of these broker names. */
  brokerNames?: readonly string[];
}

export interface AclConfig {
  anonymous: AnonymousAccess;
  accounts: readonly AclAccount[];
}

export class AclConfigError extends Error {}

const text = z.union([z.string(), z.number()]).transform((v) => String(v));

const account = z
  .object({
    accessKey: text.pipe(z.string().min(1, "must not be empty")),
    secretKey: text.pipe(z.string().min(1, "must not be empty")),
    role: z.enum(["admin", "broker", "client"]).optional(),
    /** plain_acl.yml */
    admin: z.boolean().optional(),
    cluster: z.string().min(1).optional(),
    brokerNames: z.array(z.string().min(1)).min(1, "must name at least one broker group").optional(),
  })
  .passthrough();

const document = z.object({
  anonymous: z.enum(["none", "read"]).optional(),
  accounts: z.array(account),
});

function describe(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length === 0 ? "(document)" : issue.path.join(".")}: ${issue.message}`)
    .join("; ");
}

/** Parses the text of an ACL file (JSON, or YAML when `format` is yaml or the text is not JSON). */
export function parseAclConfig(source: string, format: "json" | "yaml" | "auto" = "auto"): AclConfig {
  let raw: unknown;
  const trimmed = source.trim();
  const asJson = format === "json" || (format === "auto" && trimmed.startsWith("{"));
  try {
    raw = asJson ? JSON.parse(trimmed) : parseYaml(source);
  } catch (error) {
    throw new AclConfigError(`not valid ${asJson ? "JSON" : "YAML"}: ${(error as Error).message}`);
  }
  const parsed = document.safeParse(raw);
  if (!parsed.success) throw new AclConfigError(describe(parsed.error.issues));
  const seen = new Set<string>();
  const accounts: AclAccount[] = parsed.data.accounts.map((a, index) => {
    if (seen.has(a.accessKey)) {
      throw new AclConfigError(`accounts.${index}.accessKey: "${a.accessKey}" is listed twice`);
    }
    seen.add(a.accessKey);
    const role: AclRole = a.role ?? (a.admin === true ? "admin" : "client");
    if (role !== "broker" && (a.brokerNames !== undefined || a.cluster !== undefined)) {
      throw new AclConfigError(
        `accounts.${index}: cluster and brokerNames only apply to role "broker" (this one is "${role}")`,
      );
    }
    return {
      accessKey: a.accessKey,
      secretKey: a.secretKey,
      role,
      ...(a.cluster === undefined ? {} : { cluster: a.cluster }),
      ...(a.brokerNames === undefined ? {} : { brokerNames: a.brokerNames }),
    };
  });
  return { anonymous: parsed.data.anonymous ?? "none", accounts };
}

/** Reads an ACL file: `.yml` / `.yaml` as YAML, anything else as JSON (or YAML if it is not JSON). */
export function loadAclFile(path: string): AclConfig {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (error) {
    throw new AclConfigError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  try {
    return parseAclConfig(source, /\.ya?ml$/i.test(path) ? "yaml" : "auto");
  } catch (error) {
    if (error instanceof AclConfigError) throw new AclConfigError(`${path}: ${error.message}`);
    throw error;
  }
}

/** A one-line description for a startup banner: never a secret. */
export function describeAclConfig(config: AclConfig): string {
  const count = (role: AclRole) => config.accounts.filter((a) => a.role === role).length;
  return `${config.accounts.length} account(s) (${count("admin")} admin, ${count("broker")} broker, ${count("client")} client), anonymous ${config.anonymous}`;
}
