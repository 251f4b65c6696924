/**
 * The one DynamoDB client module. Timeouts and retries are tuned so that a table that is down or
 * throttling turns into a 503 within a few seconds, far below API Gateway's 30 s limit.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler } from "@smithy/node-http-handler";

const MAX_SOCKETS = 512;

export interface DynamoClientOptions {
  /** A DynamoDB endpoint other than AWS's (DynamoDB Local); local dummy credentials are used with it. */
  endpoint?: string;
  region?: string;
  /**
   * Per attempt; the SDK makes 3. The default keeps the worst case (a table that accepts connections
   * but never answers) near 10 s, under the Lambda's 15 s. Tests that flood DynamoDB Local on purpose
   * may wait longer.
   */
  requestTimeoutMs?: number;
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
    requestHandler: new NodeHttpHandler({
      // Above the kernel's first SYN retransmit (1 s): a burst of new connections that overflows the
      // listen backlog (DynamoDB Local under load) connects on the retransmit instead of failing.
      connectionTimeout: 2000,
      requestTimeout: options.requestTimeoutMs ?? 3000,
      // Without this the SDK only logs a warning when requestTimeout passes and keeps waiting: a table
      // that accepts connections but never answers (a hung server, a half-open connection) held the
      // request until the Lambda itself timed out, instead of a 503 with Retry-After.
      throwOnRequestTimeout: true,
      // The connection timeout also runs while a request waits for a free socket: with the SDK's
      // default of 50 sockets, a burst of concurrent requests (the local server, a large cascade)
      // queued for more than a second and came back as a false "unreachable" 503. Waiting for a
      // socket is our own backpressure, not the table being down.
      httpAgent: { maxSockets: MAX_SOCKETS },
      httpsAgent: { maxSockets: MAX_SOCKETS },
    }),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
