/**
 * The history's retention on AWS: HISTORY_RETENTION_DAYS on every function that writes (and the
 * sweeper, which expires brokers and cleans up what the table's TTL has not yet).
 */
import { describe, expect, it } from "vitest";
import { synthNameServer } from "./synth";

const closed = synthNameServer();
describe("history retention", () => {
  it("30 days by default on the writers and the sweeper, configurable, validated", () => {
    const envOf = (synth: typeof closed, fn: { function: unknown }) =>
      synth.template.findResources("AWS::Lambda::Function")[synth.logicalId(fn.function as never)]?.Properties
        ?.Environment?.Variables ?? {};
    const writer = (synth: typeof closed) =>
      synth.stack.routeFunctions.get("SetWritePerm") as NonNullable<
        ReturnType<typeof synth.stack.routeFunctions.get>
      >;
    expect(envOf(closed, writer(closed)).HISTORY_RETENTION_DAYS).toBe("30");
    expect(envOf(closed, closed.stack.sweeper).HISTORY_RETENTION_DAYS).toBe("30");
    const week = synthNameServer({ historyRetentionDays: 7 });
    expect(envOf(week, week.stack.sweeper).HISTORY_RETENTION_DAYS).toBe("7");
    expect(() => synthNameServer({ historyRetentionDays: 0 })).toThrow(/historyRetentionDays/);
  });
});
