/**
 * A small IAM policy evaluator for the infra tests: does a set of synthesized policy statements allow
 * one request (action, resource ARN, condition context)? It knows what the stack's policies use and
 * refuses everything else loudly, so a test can never pass by a construct it silently ignores:
 * Allow/Deny, Action/Resource with `*` and `?` wildcards, and the condition operators StringEquals,
 * StringLike, their ForAllValues:/ForAnyValue: forms, Bool. An explicit Deny wins; no Allow is a deny.
 *
 * CloudFormation intrinsics in resources are resolved first (`resolveIntrinsics`): Ref of a logical
 * id gives the id itself, pseudo parameters give fixed values, Fn::GetAtt gives `<id>.<attribute>`.
 */

export const FAKE = { partition: "aws", region: "eu-west-1", account: "123456789012" } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PSEUDO: Record<string, string> = {
  "AWS::Partition": FAKE.partition,
  "AWS::Region": FAKE.region,
  "AWS::AccountId": FAKE.account,
  "AWS::URLSuffix": "amazonaws.com",
};

export function resolveIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [name, arg] = entries[0] as [string, unknown];
    if (name === "Ref") return PSEUDO[arg as string] ?? String(arg);
    if (name === "Fn::GetAtt") {
      const [id, attribute] = arg as [string, string];
      return `${id}.${attribute}`;
    }
    if (name === "Fn::Join") {
      const [separator, parts] = arg as [string, unknown[]];
      return parts.map((part) => String(resolveIntrinsics(part))).join(separator);
    }
    if (name.startsWith("Fn::")) throw new Error(`resolveIntrinsics: ${name} is not supported`);
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v)]));
}

export interface Statement {
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
  [other: string]: Json | undefined;
}

export interface Request {
  action: string;
  resource: string;
  /** Condition keys of the request; multi-valued keys (dynamodb:LeadingKeys) as arrays. */
  context?: Record<string, string | string[] | boolean>;
}

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function globToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&")))
    .join("");
  return new RegExp(`^${body}$`, caseInsensitive ? "i" : "");
}

const matches = (pattern: string, value: string, caseInsensitive = false) =>
  globToRegExp(pattern, caseInsensitive).test(value);

function conditionHolds(operator: string, key: string, expected: unknown, context: Request["context"]) {
  const given = context?.[key];
  const values = list(expected as string | string[]).map(String);
  const [qualifier, base] = operator.includes(":") ? operator.split(":") : [undefined, operator];
  const compare = (actual: string) => {
    if (base === "StringEquals") return values.includes(actual);
    if (base === "StringLike") return values.some((pattern) => matches(pattern, actual));
    if (base === "Bool") return values.includes(actual);
    throw new Error(`condition operator ${operator} is not supported by this evaluator`);
  };
  if (qualifier === "ForAllValues") {
    // True when every value of the request matches (and vacuously when the key is absent: as in IAM).
    return list(given as string | string[] | undefined).every((actual) => compare(String(actual)));
  }
  if (qualifier === "ForAnyValue") {
    return list(given as string | string[] | undefined).some((actual) => compare(String(actual)));
  }
  if (qualifier !== undefined) throw new Error(`condition qualifier ${qualifier} is not supported`);
  if (given === undefined || Array.isArray(given)) return false;
  return compare(String(given));
}

function applies(statement: Statement, request: Request): boolean {
  for (const unsupported of ["NotAction", "NotResource", "NotPrincipal"]) {
    if (unsupported in statement) throw new Error(`${unsupported} is not supported by this evaluator`);
  }
  if (!list(statement.Action).some((pattern) => matches(pattern, request.action, true))) return false;
  if (!list(statement.Resource).some((pattern) => matches(pattern, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, expected, request.context)) return false;
    }
  }
  return true;
}

/** `true` when some statement allows the request and none denies it. */
export function isAllowed(statements: readonly Statement[], request: Request): boolean {
  const applicable = statements.filter((statement) => applies(statement, request));
  if (applicable.some((statement) => statement.Effect === "Deny")) return false;
  return applicable.some((statement) => statement.Effect === "Allow");
}
