/**
 * A whole-table dump for tests only (a Scan never belongs on a request path): items sorted by key,
 * so that two dumps taken before and after something compare with a plain deep equality.
 */
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";

export type TableItem = Record<string, unknown>;

export async function dumpTable(client: DynamoDBDocumentClient, tableName: string): Promise<TableItem[]> {
  const items: TableItem[] = [];
  let startKey: ScanCommand["input"]["ExclusiveStartKey"];
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }),
    );
    for (const item of page.Items ?? []) items.push(unmarshall(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  const key = (item: TableItem) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
