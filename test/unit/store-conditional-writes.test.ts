import { ConditionalCheckFailedException, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { describe, expect, it } from "vitest";
import { DynamoRegistryStore } from "../../lib/store/dynamo-registry-store";

/** A store over a client whose every request fails with `error`. */
const storeFailingWith = (error: unknown) => {
  const sent: string[] = [];
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      throw error;
    },
  } as unknown as DynamoDBDocumentClient;
  return { store: new DynamoRegistryStore({ client, tableName: "t" }), sent };
};

const conditionFailed = (item?: Record<string, unknown>) =>
  new ConditionalCheckFailedException({
    message: "The conditional request failed",
    $metadata: {},
    ...(item === undefined ? {} : { Item: marshall(item) }),
  });

const queueData = {
  topic: "T",
  brokerName: "b",
  epoch: "e1",
  readQueueNums: 4,
  writeQueueNums: 4,
  perm: 6,
  topicSysFlag: 0,
};

describe("the store's one conditional-write helper: a failed condition is an outcome, anything else an error", () => {
  it("a failed condition answers false / conflict / nothing, per the port's contract", async () => {
    const { store } = storeFailingWith(conditionFailed());
    expect(await store.updatePerm(queueData, 4)).toBe(false);
    expect(await store.deleteEmptyGroup("b", "e1")).toBe(false);
    expect(await store.removeMembers("b", "e1", [{ brokerId: 0, brokerAddr: "h:1" }])).toBe("conflict");
    await expect(store.finishWriteClear("b", "e1")).resolves.toBeUndefined();
    await expect(store.deleteStaleQueueData([queueData])).resolves.toBeUndefined();
  });

  it("a failed touch comes back with the group as the condition found it", async () => {
    const group = {
      brokerName: "b",
      clusterName: "C",
      enableActingMaster: false,
      epoch: "e1",
      topologyVersion: 3,
      members: {},
    };
    const { store } = storeFailingWith(conditionFailed(group));
    const touch = await store.touchAddress("b", "C", "h:1", 1000);
    expect(touch).toEqual({ ok: false, group });
    const none = await storeFailingWith(conditionFailed()).store.touchAddress("b", "C", "h:1", 1000);
    expect(none).toEqual({ ok: false, group: undefined });
  });

  it("a transaction cancelled by a failed condition is false; by contention, a 503", async () => {
    const cancelled = (code: string) =>
      new TransactionCanceledException({
        message: "Transaction cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: code }, { Code: "None" }],
      });
    const { store } = storeFailingWith(cancelled("ConditionalCheckFailed"));
    expect(await store.putQueueData([queueData], { brokerName: "b", epoch: "e1" })).toBe(false);
    expect(await store.deleteQueueDataOfEmptyGroup("b", "e1", [queueData])).toBe(false);
    const contended = storeFailingWith(cancelled("TransactionConflict")).store;
    await expect(contended.putQueueData([queueData], { brokerName: "b", epoch: "e1" })).rejects.toMatchObject(
      {
        code: "SERVICE_UNAVAILABLE",
      },
    );
  });

  it("any other error goes on", async () => {
    const bug = new TypeError("not a condition");
    const { store } = storeFailingWith(bug);
    await expect(store.updatePerm(queueData, 4)).rejects.toBe(bug);
    await expect(store.bumpTopology("b", { brokerId: 1 })).rejects.toBe(bug);
  });
});
