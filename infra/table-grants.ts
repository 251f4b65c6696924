/**
 * Least privilege per function (README "Security"): the DynamoDB statements of one handler module,
 * from the use cases it calls (lib/app/store-use.ts) and what each store method does to the table
 * (lib/store/table-access.ts). Each statement names only the actions called on one partition, bound by
 * a `dynamodb:LeadingKeys` condition (`GROUPS`, `TOPIC#*`, `KV#*`, `CONFIG`); group-index queries name
 * the one index and are bound to its queue-data keys (`QD#*`) the same way. No Scan, no DescribeTable, no stream reads: nothing calls them.
 */
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import { storeMethodsOfHandler } from "../lib/app/store-use";
import {
  type DynamoAction,
  groupIndexKeyPattern,
  leadingKeyPattern,
  type Partition,
  storeMethodAccess,
} from "../lib/store/table-access";
import { tableDefinition } from "../lib/store/table-definition";

export interface TableGrantPlan {
  /** Actions per partition, sorted. */
  readonly partitions: ReadonlyMap<Partition, readonly DynamoAction[]>;
  /** Whether the function queries the group index. */
  readonly groupIndexQuery: boolean;
}

export function tableGrantPlan(handlerModule: string): TableGrantPlan {
  const partitions = new Map<Partition, Set<DynamoAction>>();
  let groupIndexQuery = false;
  for (const method of storeMethodsOfHandler(handlerModule)) {
    for (const access of storeMethodAccess[method]) {
      if ("groupIndex" in access) {
        groupIndexQuery = true;
        continue;
      }
      for (const partition of access.partitions) {
        const actions = partitions.get(partition) ?? new Set<DynamoAction>();
        for (const action of access.actions) actions.add(action);
        partitions.set(partition, actions);
      }
    }
  }
  return {
    partitions: new Map([...partitions].map(([partition, actions]) => [partition, [...actions].sort()])),
    groupIndexQuery,
  };
}

export function tableGrantStatements(table: ITable, handlerModule: string): iam.PolicyStatement[] {
  const plan = tableGrantPlan(handlerModule);
  const statements = [...plan.partitions].map(
    ([partition, actions]) =>
      new iam.PolicyStatement({
        sid: `Table${partition[0]?.toUpperCase()}${partition.slice(1)}`,
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [table.tableArn],
        conditions: {
          "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [leadingKeyPattern[partition]] },
        },
      }),
  );
  if (plan.groupIndexQuery) {
    statements.push(
      new iam.PolicyStatement({
        sid: "GroupIndexQuery",
        actions: ["dynamodb:Query"],
        resources: [`${table.tableArn}/index/${tableDefinition.groupIndex.name}`],
        conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [groupIndexKeyPattern] } },
      }),
    );
  }
  return statements;
}
