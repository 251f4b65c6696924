/**
 * Interop global setup: fetches Apache RocketMQ once (test/interop/fetch-rocketmq.sh skips what is
 * already in .cache/rocketmq) and starts one DynamoDB Local (in memory) for every registry of the run.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../../lib/local/dynamodb-local";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}

export default async function setup(project: TestProject) {
  execFileSync("bash", [join(import.meta.dirname, "../fetch-rocketmq.sh")], { stdio: "inherit" });
  const ddb = await startDynamoDbLocal({ dataDir: ":memory:" });
  project.provide("dynamodbEndpoint", ddb.endpoint);
  return async () => {
    await ddb.stop();
  };
}
