/**
 * Sums what the store's CapacityRecorder reports (one call per DynamoDB request): the request counts
 * and capacity units that tests assert and benchmarks print.
 */
import type { ConsumedCapacity } from "@aws-sdk/client-dynamodb";

export interface CapacityTotals {
  requests: number;
  rcu: number;
  wcu: number;
}

export interface CapacityCount extends CapacityTotals {
  /** Per DynamoDB operation name of the store (`GetTopic`, `SteadyHeartbeat`, ...). */
  byOperation: Record<string, CapacityTotals>;
}

const round = (n: number) => Math.round(n * 100) / 100;

export class CapacityLog {
  private entries: Array<{ operation: string; rcu: number; wcu: number }> = [];

  /** A CapacityRecorder: pass it to the store. */
  record = (operation: string, consumed: ConsumedCapacity[]): void => {
    let rcu = 0;
    let wcu = 0;
    for (const c of consumed) {
      rcu += c.ReadCapacityUnits ?? 0;
      wcu += c.WriteCapacityUnits ?? 0;
      // DynamoDB Local reports only CapacityUnits for some operations: the name says which kind.
      if (c.ReadCapacityUnits === undefined && c.WriteCapacityUnits === undefined) {
        if (/^(Get|List|Query)/.test(operation)) rcu += c.CapacityUnits ?? 0;
        else wcu += c.CapacityUnits ?? 0;
      }
    }
    this.entries.push({ operation, rcu, wcu });
  };

  reset(): void {
    this.entries = [];
  }

  /** Requests and units since the last reset. */
  get totals(): CapacityTotals {
    return {
      requests: this.entries.length,
      rcu: round(this.entries.reduce((n, e) => n + e.rcu, 0)),
      wcu: round(this.entries.reduce((n, e) => n + e.wcu, 0)),
    };
  }

  /** The totals, and the same per store operation. */
  count(): CapacityCount {
    const byOperation: Record<string, CapacityTotals> = {};
    for (const e of this.entries) {
      const op = byOperation[e.operation] ?? { requests: 0, rcu: 0, wcu: 0 };
      byOperation[e.operation] = {
        requests: op.requests + 1,
        rcu: round(op.rcu + e.rcu),
        wcu: round(op.wcu + e.wcu),
      };
    }
    return { ...this.totals, byOperation };
  }
}
