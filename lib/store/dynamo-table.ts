/**
 * The request layer of the DynamoDB adapter: every request goes through `send` (capacity recording,
 * SDK errors that mean "unavailable" become ServiceUnavailableError), a write whose condition may fail
 * through `sendConditional` (the one place a failed condition is caught), paging and batching.
 */
import {
  ConditionalCheckFailedException,
  type ConsumedCapacity,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { mapLimit } from "../concurrency";
import { ServiceUnavailableError } from "../domain/errors";

/** Called after every DynamoDB request with what it consumed (benchmarks and capacity tests). */
export type CapacityRecorder = (operation: string, consumed: ConsumedCapacity[]) => void;

export interface DynamoRegistryStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  recorder?: CapacityRecorder;
  /** Parallel batch requests of one large registration or cascade. */
  writeConcurrency?: number;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const UNAVAILABLE_ERRORS = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "ResourceNotFoundException",
  "TimeoutError",
  "RequestTimeout",
  "TransactionInProgressException",
  // A write that met a transaction in flight on the same item: contention, worth a retry (503).
  "TransactionConflictException",
]);

/** Why a transaction is cancelled when it is contention or throttling rather than a failed condition. */
const RETRYABLE_CANCELLATIONS = new Set([
  "TransactionConflict",
  "ThrottlingError",
  "ProvisionedThroughputExceeded",
]);

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof TransactionCanceledException) {
    // Another request held one of its items (or throttling), and no condition failed: contention is
    // a 503 with Retry-After, never a 500. (Real DynamoDB does this under load; DynamoDB Local not.)
    const codes = (error.CancellationReasons ?? []).map((r) => r.Code ?? "None");
    const contended = codes.some((code) => RETRYABLE_CANCELLATIONS.has(code));
    return contended && !codes.includes("ConditionalCheckFailed");
  }
  const code = (error as { code?: string }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return (
    UNAVAILABLE_ERRORS.has(error.name) ||
    (code !== undefined &&
      /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/.test(code)) ||
    (status !== undefined && status >= 500) ||
    error.name === "AbortError" ||
    /socket hang up|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT/.test(error.message)
  );
}

/** A transaction cancelled because one of its conditions failed (not a conflict with another one). */
function conditionFailedInTransaction(error: unknown): boolean {
  return (
    error instanceof TransactionCanceledException &&
    (error.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed")
  );
}

/** A conditional write's outcome: its output, or the failed condition (with the item as it was, when asked for). */
export type Conditional<O> = { ok: true; output: O } | { ok: false; item?: Record<string, unknown> };

export abstract class DynamoTable {
  protected readonly client: DynamoDBDocumentClient;
  protected readonly tableName: string;
  protected readonly recorder: CapacityRecorder | undefined;
  protected readonly writeConcurrency: number;

  constructor(options: DynamoRegistryStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.recorder = options.recorder;
    this.writeConcurrency = options.writeConcurrency ?? 8;
  }

  /** Every request goes through here: capacity recording and SDK error → domain error. */
  protected async send<O = Record<string, unknown>>(
    operation: string,
    // biome-ignore lint/suspicious/noExplicitAny: the document client's command union is not worth spelling out
    command: any,
  ): Promise<O> {
    if (this.recorder) command.input.ReturnConsumedCapacity = "TOTAL";
    try {
      const output = (await this.client.send(command)) as {
        ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
      };
      this.record(operation, output.ConsumedCapacity);
      return output as O;
    } catch (error) {
      const consumed = (error as { ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[] })
        .ConsumedCapacity;
      this.record(operation, consumed);
      if (isUnavailable(error)) throw new ServiceUnavailableError();
      throw error;
    }
  }

  private record(operation: string, consumed: ConsumedCapacity | ConsumedCapacity[] | undefined): void {
    if (!this.recorder) return;
    this.recorder(operation, consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]);
  }

  protected async queryAll(operation: string, input: Omit<QueryCommandInput, "TableName">) {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send<{
        Items?: Record<string, unknown>[];
        LastEvaluatedKey?: Record<string, unknown>;
      }>(operation, new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }));
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
    return items;
  }

  /**
   * A write (or transaction) whose condition may fail: `{ ok: false }` instead of
   * ConditionalCheckFailedException or a transaction cancelled by a failed condition, with the item as
   * it is when the write asked for it (`ReturnValuesOnConditionCheckFailure`). Every other error goes on.
   */
  protected async sendConditional<O = Record<string, unknown>>(
    operation: string,
    // biome-ignore lint/suspicious/noExplicitAny: as send
    command: any,
  ): Promise<Conditional<O>> {
    try {
      return { ok: true, output: await this.send<O>(operation, command) };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        return error.Item ? { ok: false, item: unmarshall(error.Item) } : { ok: false };
      }
      if (conditionFailedInTransaction(error)) return { ok: false };
      throw error;
    }
  }

  /** BatchWriteItem in chunks of 25, several in flight, UnprocessedItems retried with backoff. */
  protected async batchWrite(
    operation: string,
    requests: ReadonlyArray<Record<string, unknown>>,
  ): Promise<void> {
    await mapLimit(chunk(requests, 25), this.writeConcurrency, async (batch) => {
      let pending: ReadonlyArray<Record<string, unknown>> = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(25 * 2 ** attempt, 1000) * (0.5 + Math.random() / 2));
        if (attempt > 10) throw new ServiceUnavailableError();
        const out: { UnprocessedItems?: Record<string, Record<string, unknown>[]> } = await this.send(
          operation,
          new BatchWriteCommand({ RequestItems: { [this.tableName]: [...pending] } }),
        );
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    });
  }
}
