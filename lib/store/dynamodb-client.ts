/**
 * The one DynamoDB client module. Timeouts and retries are tuned so that a table that is down or
 * throttling turns into a 503 within a few seconds, far below API Gateway's 30 s limit.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export interface DynamoClientOptions {
  /** A DynamoDB endpoint other than AWS's (DynamoDB Local); local dummy credentials are used with it. */
  endpoint?: string;
  region?: string;
}

export function createDocumentClient(options: DynamoClientOptions = {}): DynamoDBDocumentClient {
  const local = options.endpoint !== undefined;
  const client = new DynamoDBClient({
    ...(local
      ? {
          endpoint: options.endpoint,
          region: options.region ?? "local",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
        }
      : { region: options.region }),
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1000, requestTimeout: 3000 }),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
