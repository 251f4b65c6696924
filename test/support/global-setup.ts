/**
 * Vitest global setup: starts one DynamoDB Local (in memory) for the whole run and hands its
 * endpoint to the tests (`inject("dynamodbEndpoint")`). Tests create their own uniquely named tables.
 */
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../lib/local/dynamodb-local";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  project.provide("dynamodbEndpoint", ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
