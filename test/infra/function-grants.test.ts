/**
 * Least privilege per function (README "Security"), asserted on the synthesized role policies with
 * the IAM evaluator: each function may call only the DynamoDB actions its use cases call, on the
 * partitions (leading keys) they touch. The public health function reads the sweeper state and
 * nothing else; KV writers cannot touch broker items; readers write nothing; nobody may Scan.
 */
import { describe, expect, it } from "vitest";
import type { NamesrvFunction } from "../../infra/namesrv-function";
import { routes } from "../../lib/http/routes";
import { isAllowed, resolveIntrinsics, type Statement } from "../support/iam-evaluate";
import { synthNameServer } from "./synth";

const synth = synthNameServer();
const resources = synth.template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;
const tableArn = `${synth.logicalId(synth.stack.table)}.Arn`;
const indexArn = `${tableArn}/index/gsi1`;

function statementsOf(fn: NamesrvFunction): Statement[] {
  const roleId = synth.logicalId(fn.role);
  return Object.values(resources)
    .filter(
      (resource) =>
        resource.Type === "AWS::IAM::Policy" &&
        JSON.stringify(resource.Properties.Roles).includes(JSON.stringify({ Ref: roleId })),
    )
    .flatMap(
      (resource) =>
        (resolveIntrinsics(resource.Properties.PolicyDocument) as { Statement: Statement[] }).Statement,
    );
}

const functionOf = (handler: string): NamesrvFunction => {
  if (handler === "sweeper") return synth.stack.sweeper;
  const route = routes.find((candidate) => candidate.handler === handler);
  const fn = route && synth.stack.routeFunctions.get(route.id);
  if (fn === undefined) throw new Error(`no function for ${handler}`);
  return fn;
};

/** A request on one item (or a Query of one partition) whose partition key is `pk`. */
const on = (action: string, pk: string) => ({
  action: `dynamodb:${action}`,
  resource: tableArn,
  context: { "dynamodb:LeadingKeys": [pk] },
});
/** A Query of the group index whose partition key (gsi1pk) is `pk`. */
const indexQueryOn = (pk: string) => ({
  action: "dynamodb:Query",
  resource: indexArn,
  context: { "dynamodb:LeadingKeys": [pk] },
});
const QUEUE_DATA_OF_GROUP = "QD#broker-a";

const GROUPS = "GROUPS";
const TOPIC = "TOPIC#TopicTest";
const KV = "KV#ns-a";
const CONFIG = "CONFIG";
const HISTORY = "HISTORY#2026-12-07";
const LIVENESS = "LIVENESS";
const ALL_ACTIONS = [
  "GetItem",
  "BatchGetItem",
  "Query",
  "Scan",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "ConditionCheckItem",
  "DescribeTable",
  "GetRecords",
] as const;

/** handler → the (action, pk) pairs it must be allowed; everything else on those keys is denied. */
const expected: Record<string, { allowed: [string, string][]; index: boolean }> = {
  health: { allowed: [["GetItem", GROUPS]], index: false },
  "get-broker-cluster-info": { allowed: [["Query", GROUPS]], index: false },
  "list-brokers": { allowed: [["Query", GROUPS]], index: false },
  "get-broker-member-group": { allowed: [["BatchGetItem", GROUPS]], index: false },
  "get-route-info-by-topic": {
    allowed: [
      ["GetItem", CONFIG],
      ["Query", TOPIC],
      ["BatchGetItem", GROUPS],
    ],
    index: false,
  },
  "get-all-topic-list": {
    allowed: [
      ["GetItem", CONFIG],
      ["Query", GROUPS],
    ],
    index: true,
  },
  "get-topics-by-cluster": {
    allowed: [
      ["GetItem", CONFIG],
      ["Query", GROUPS],
    ],
    index: true,
  },
  "touch-broker": { allowed: [["UpdateItem", GROUPS]], index: false },
  "query-data-version": { allowed: [["UpdateItem", GROUPS]], index: false },
  "register-topic": {
    allowed: [
      ["BatchGetItem", GROUPS],
      ["ConditionCheckItem", GROUPS],
      ["Query", TOPIC],
      ["BatchWriteItem", TOPIC],
      ["PutItem", TOPIC],
      ["PutItem", HISTORY],
    ],
    index: false,
  },
  "get-namesrv-config": { allowed: [["GetItem", CONFIG]], index: false },
  "get-history": { allowed: [["Query", HISTORY]], index: false },
  "update-namesrv-config": {
    allowed: [
      ["GetItem", CONFIG],
      ["UpdateItem", CONFIG],
      ["Query", GROUPS],
      ["UpdateItem", GROUPS],
      ["PutItem", HISTORY],
    ],
    index: false,
  },
  "get-kv-config": { allowed: [["GetItem", KV]], index: false },
  "get-kv-list": { allowed: [["Query", KV]], index: false },
  "get-kv": {
    allowed: [
      ["GetItem", KV],
      ["Query", KV],
    ],
    index: false,
  },
  "get-routes": {
    allowed: [
      ["GetItem", CONFIG],
      ["Query", TOPIC],
      ["BatchGetItem", GROUPS],
      // The change feed (`changesSince`): the history and the sweeper's liveness digest.
      ["Query", HISTORY],
      ["GetItem", LIVENESS],
    ],
    index: false,
  },
  "put-kv-config": {
    allowed: [
      ["GetItem", KV],
      ["PutItem", KV],
      ["PutItem", TOPIC],
      ["PutItem", HISTORY],
    ],
    index: false,
  },
  "delete-kv-config": {
    allowed: [
      ["GetItem", KV],
      ["DeleteItem", KV],
      ["DeleteItem", TOPIC],
      ["PutItem", HISTORY],
    ],
    index: false,
  },
  "set-write-perm": {
    allowed: [
      ["GetItem", GROUPS],
      ["UpdateItem", TOPIC],
      ["PutItem", HISTORY],
    ],
    index: true,
  },
  "delete-topic": {
    allowed: [
      ["Query", TOPIC],
      ["BatchGetItem", GROUPS],
      ["BatchWriteItem", TOPIC],
      ["UpdateItem", GROUPS],
      ["PutItem", HISTORY],
    ],
    index: false,
  },
  "register-broker": {
    allowed: [
      ["GetItem", CONFIG],
      ["Query", KV],
      ["PutItem", GROUPS],
      ["UpdateItem", GROUPS],
      ["GetItem", GROUPS],
      ["ConditionCheckItem", GROUPS],
      ["PutItem", TOPIC],
      ["BatchWriteItem", TOPIC],
      ["DeleteItem", TOPIC],
      ["PutItem", HISTORY],
    ],
    index: true,
  },
  "unregister-broker": {
    allowed: [
      ["GetItem", GROUPS],
      ["UpdateItem", GROUPS],
      ["DeleteItem", GROUPS],
      ["ConditionCheckItem", GROUPS],
      ["UpdateItem", TOPIC],
      ["DeleteItem", TOPIC],
      ["PutItem", HISTORY],
    ],
    index: true,
  },
  sweeper: {
    allowed: [
      ["Query", GROUPS],
      ["PutItem", GROUPS],
      ["GetItem", GROUPS],
      ["UpdateItem", GROUPS],
      ["DeleteItem", GROUPS],
      ["ConditionCheckItem", GROUPS],
      ["UpdateItem", TOPIC],
      ["DeleteItem", TOPIC],
      ["PutItem", HISTORY],
      ["Query", HISTORY],
      ["BatchWriteItem", HISTORY],
      ["PutItem", LIVENESS],
    ],
    index: true,
  },
};

describe("each function's table grant", () => {
  it("covers every function with a table", () => {
    const handlers = new Set([...routes.map((route) => route.handler), "sweeper"]);
    expect([...handlers].sort()).toEqual(Object.keys(expected).sort());
  });

  describe.each(Object.entries(expected))("%s", (handler, { allowed, index }) => {
    const statements = statementsOf(functionOf(handler));

    it("allows exactly the actions it calls, on the partitions it touches", () => {
      for (const pk of [GROUPS, TOPIC, KV, CONFIG, HISTORY, LIVENESS]) {
        for (const action of ALL_ACTIONS) {
          const want = allowed.some(([a, p]) => a === action && p === pk);
          expect(isAllowed(statements, on(action, pk)), `${action} on ${pk}`).toBe(want);
        }
      }
      expect(isAllowed(statements, indexQueryOn(QUEUE_DATA_OF_GROUP)), "Query gsi1").toBe(index);
    });

    it("queries the group index for queue data only, never for another partition's keys", () => {
      for (const pk of [GROUPS, TOPIC, KV, CONFIG, "KV#QD#x"]) {
        expect(isAllowed(statements, indexQueryOn(pk)), `Query gsi1 on ${pk}`).toBe(false);
      }
      const mixed = {
        ...indexQueryOn(QUEUE_DATA_OF_GROUP),
        context: { "dynamodb:LeadingKeys": [QUEUE_DATA_OF_GROUP, KV] },
      };
      expect(isAllowed(statements, mixed), "Query gsi1 on QD# + KV#").toBe(false);
    });

    it("binds every table and index statement to leading keys, and allows no Scan of anything", () => {
      const onTable = statements.filter((s) => [tableArn, indexArn].includes(String(s.Resource)));
      expect(onTable.length).toBeGreaterThan(0);
      for (const statement of onTable) {
        expect(statement.Condition, JSON.stringify(statement)).toHaveProperty([
          "ForAllValues:StringLike",
          "dynamodb:LeadingKeys",
        ]);
      }
      expect(isAllowed(statements, { action: "dynamodb:Scan", resource: tableArn })).toBe(false);
      expect(isAllowed(statements, { action: "dynamodb:Scan", resource: indexArn })).toBe(false);
    });

    it("cannot reach a partition outside its own through a batch that mixes keys", () => {
      for (const [action, pk] of allowed) {
        const other = pk === GROUPS ? KV : GROUPS;
        if (allowed.some(([a, p]) => a === action && p === other)) continue;
        const mixed = { ...on(action, pk), context: { "dynamodb:LeadingKeys": [pk, other] } };
        expect(isAllowed(statements, mixed), `${action} on ${pk} + ${other}`).toBe(false);
      }
    });
  });
});
