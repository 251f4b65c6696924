/**
 * Vitest global setup of the tiers that need DynamoDB Local (integration, e2e, infra): starts one
 * DynamoDB Local (in memory) and hands its endpoint to the tests (`inject("dynamodbEndpoint")`).
 * Tests create their own uniquely named tables. When several tiers run in one `vitest run`, each
 * project calls this setup, but they share one instance (reference-counted on globalThis), so one
 * JVM serves the whole run. The unit tier has no global setup and starts nothing.
 */
import type { TestProject } from "vitest/node";
import { type DynamoDbLocal, startDynamoDbLocal } from "../../lib/local/dynamodb-local";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

interface Shared {
  instance: Promise<DynamoDbLocal>;
  users: number;
}

const KEY = Symbol.for("serverless-namesrv.test.dynamodb-local");
const holder = globalThis as { [KEY]?: Shared };

export default async function setup(project: TestProject) {
  let shared = holder[KEY];
  if (shared === undefined) {
    shared = { instance: startDynamoDbLocal({ dataDir: ":memory:" }), users: 0 };
    holder[KEY] = shared;
  }
  shared.users += 1;
  const ddb = await shared.instance;
  project.provide("dynamodbEndpoint", ddb.endpoint);
  return async () => {
    const current = holder[KEY];
    if (current === undefined) return;
    current.users -= 1;
    if (current.users > 0) return;
    delete holder[KEY];
    await ddb.stop();
  };
}
