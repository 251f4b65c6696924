/**
 * The declared table access (lib/app/store-use.ts, lib/store/table-access.ts) is what the code really
 * does: every use case runs its branches over DynamoDB Local through a client that records each
 * request, and each request, as IAM sees it (action, table or index, leading keys), must be allowed by
 * the synthesized policy of every function whose handler calls that use case. A store method or use
 * case that starts touching something new fails here until its declaration (and so its grant) says so.
 */

import { beforeAll, describe, expect, it } from "vitest";
import type { NamesrvFunction } from "../../infra/namesrv-function";
import type { NameServer } from "../../lib/app/name-server";
import { handlerUseCases } from "../../lib/app/store-use";
import { ORDER_TOPIC_CONFIG_NAMESPACE } from "../../lib/domain/model";
import { DEFAULT_SELF_PRESERVATION } from "../../lib/domain/self-preservation";
import { routes } from "../../lib/http/routes";
import { synthNameServer } from "../infra/synth";
import { isAllowed, type Request, resolveIntrinsics, type Statement } from "../support/iam-evaluate";
import { registration, topics, useRegistryFixture } from "../support/registry-fixture";

const f = useRegistryFixture({
  selfPreservation: { ...DEFAULT_SELF_PRESERVATION, enabled: false, expiryRatio: 1, minExpired: 0 },
});
let current: keyof NameServer | undefined;
const recorded = new Map<keyof NameServer, { command: string; request: Request }[]>();

// Synthesized after the table exists (a synth keeps the CPU busy for seconds; the table's creation
// has a request timeout).
let synth: ReturnType<typeof synthNameServer>;
let tableArn: string;

/** The IAM requests one document-client command makes (a transaction: one per item). */
function iamRequestsOf(command: {
  constructor: { name: string };
  input: Record<string, unknown>;
}): Request[] {
  // biome-ignore lint/suspicious/noExplicitAny: command inputs of every kind, read by their documented fields
  const input = command.input as Record<string, any>;
  const item = (action: string, key: { pk: string }) => ({
    action: `dynamodb:${action}`,
    resource: tableArn,
    context: { "dynamodb:LeadingKeys": [key.pk] },
  });
  switch (command.constructor.name) {
    case "GetCommand":
      return [item("GetItem", input.Key)];
    case "PutCommand":
      return [item("PutItem", input.Item)];
    case "UpdateCommand":
      return [item("UpdateItem", input.Key)];
    case "DeleteCommand":
      return [item("DeleteItem", input.Key)];
    case "QueryCommand": {
      const indexName = input.IndexName as string | undefined;
      const values = input.ExpressionAttributeValues as Record<string, string>;
      if (indexName !== undefined)
        // On an index, the leading key is the index's partition key (gsi1pk).
        return [
          {
            action: "dynamodb:Query",
            resource: `${tableArn}/index/${indexName}`,
            context: { "dynamodb:LeadingKeys": [values[":pk"] as string] },
          },
        ];
      return [item("Query", { pk: values[":pk"] as string })];
    }
    case "BatchGetCommand": {
      const keys = Object.values(input.RequestItems as Record<string, { Keys: { pk: string }[] }>).flatMap(
        (entry) => entry.Keys,
      );
      return [
        { ...item("BatchGetItem", { pk: "" }), context: { "dynamodb:LeadingKeys": keys.map((k) => k.pk) } },
      ];
    }
    case "BatchWriteCommand": {
      const writes = Object.values(
        input.RequestItems as Record<
          string,
          { PutRequest?: { Item: { pk: string } }; DeleteRequest?: { Key: { pk: string } } }[]
        >,
      ).flat();
      const pks = writes.map((w) => (w.PutRequest?.Item ?? w.DeleteRequest?.Key)?.pk ?? "");
      return [{ ...item("BatchWriteItem", { pk: "" }), context: { "dynamodb:LeadingKeys": pks } }];
    }
    case "TransactWriteCommand":
      return (
        input.TransactItems as unknown as Record<string, { Key?: { pk: string }; Item?: { pk: string } }>[]
      ).map((entry) => {
        const [kind, body] = Object.entries(entry)[0] as [
          string,
          { Key?: { pk: string }; Item?: { pk: string } },
        ];
        const action = {
          Put: "PutItem",
          Update: "UpdateItem",
          Delete: "DeleteItem",
          ConditionCheck: "ConditionCheckItem",
        }[kind];
        return item(action ?? kind, (body.Key ?? body.Item) as { pk: string });
      });
    default:
      throw new Error(`unmapped command ${command.constructor.name}: add it to iamRequestsOf`);
  }
}

beforeAll(async () => {
  synth = synthNameServer();
  tableArn = `${synth.logicalId(synth.stack.table)}.Arn`;
  const send = f.table.client.send.bind(f.table.client);
  // biome-ignore lint/suspicious/noExplicitAny: wraps the client's overloaded send
  (f.table.client as any).send = (command: any, ...rest: unknown[]) => {
    if (current !== undefined) {
      for (const request of iamRequestsOf(command)) {
        const list = recorded.get(current) ?? [];
        list.push({ command: command.constructor.name, request });
        recorded.set(current, list);
      }
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above
    return (send as any)(command, ...rest);
  };
});

async function as<T>(useCase: keyof NameServer, run: () => Promise<T>): Promise<T | undefined> {
  current = useCase;
  try {
    return await run();
  } catch {
    return undefined; // 404s and the like are answers too; what they read still counts
  } finally {
    current = undefined;
  }
}

function statementsOf(fn: NamesrvFunction): Statement[] {
  const roleId = synth.logicalId(fn.role);
  const resources = synth.template.toJSON().Resources as Record<
    string,
    { Type: string; Properties: Record<string, unknown> }
  >;
  return Object.values(resources)
    .filter(
      (r) =>
        r.Type === "AWS::IAM::Policy" &&
        JSON.stringify(r.Properties.Roles).includes(JSON.stringify({ Ref: roleId })),
    )
    .flatMap((r) => (resolveIntrinsics(r.Properties.PolicyDocument) as { Statement: Statement[] }).Statement);
}

const functionOfHandler = (handler: string): NamesrvFunction =>
  handler === "sweeper"
    ? synth.stack.sweeper
    : (synth.stack.routeFunctions.get(
        routes.find((r) => r.handler === handler)?.id ?? "",
      ) as NamesrvFunction);

describe("every DynamoDB request a use case makes is allowed to the functions that call it", () => {
  it("runs every branch of the use cases, recording their requests", async () => {
    const ns = f.nameServer;
    const a = { brokerName: "access-a", enableActingMaster: true, topicConfigTable: topics(3, "AccessA") };
    await as("registerBroker", () =>
      ns.registerBroker(registration({ ...a, brokerId: 1, brokerAddr: "10.9.0.2:10911" })),
    );
    await as("registerBroker", () => ns.registerBroker(registration({ ...a, brokerAddr: "10.9.0.1:10911" })));
    await as("registerBroker", () => ns.registerBroker(registration({ ...a, brokerAddr: "10.9.0.1:10911" })));
    await as("registerBroker", () =>
      ns.registerBroker(registration({ ...a, brokerAddr: "10.9.0.1:10911", topicConfigTable: undefined })),
    );
    await as("registerBroker", () =>
      ns.registerBroker(
        registration({
          ...a,
          brokerAddr: "10.9.0.1:10911",
          dataVersion: { stateVersion: 1, timestamp: 2, counter: 3 },
        }),
      ),
    );
    const member = { clusterName: "DefaultCluster", brokerName: "access-a", brokerAddr: "10.9.0.1:10911" };
    await as("touchBroker", () => ns.touchBroker(member));
    await as("touchBroker", () => ns.touchBroker({ ...member, brokerAddr: "10.9.9.9:10911" }));
    await as("queryDataVersion", () =>
      ns.queryDataVersion({
        ...member,
        brokerId: 0,
        dataVersion: { stateVersion: 1, timestamp: 2, counter: 3 },
      }),
    );
    await as("registerTopic", () =>
      ns.registerTopic({
        topic: "AccessRegistered",
        queueDatas: [
          { brokerName: "access-a", readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
        ],
      }),
    );
    await as("getSystemTopicList", () => ns.getSystemTopicList());
    await as("getUnitTopicList", () => ns.getUnitTopicList("unit"));
    await as("getConfig", () => ns.getConfig());
    await as("updateConfig", () => ns.updateConfig({ deleteTopicWithBrokerRegistration: "true" }));
    await as("updateConfig", () => ns.updateConfig({ returnOrderTopicConfigToBroker: "true" }));
    await as("getRouteInfoByTopic", () => ns.getRouteInfoByTopic("AccessA0"));
    await as("getRouteInfoByTopic", () => ns.getRouteInfoByTopic("Nowhere"));
    await as("getRoutes", () => ns.getRoutes(["AccessA0", "Nowhere"]));
    await as("getChanges", () => ns.getChanges(f.clock.time - 60_000));
    await as("getBrokerMemberGroup", () => ns.getBrokerMemberGroup("DefaultCluster", "access-a"));
    await as("getBrokerClusterInfo", () => ns.getBrokerClusterInfo());
    await as("listBrokers", () => ns.listBrokers());
    await as("getAllTopicList", () => ns.getAllTopicList());
    await as("getTopicsByCluster", () => ns.getTopicsByCluster("DefaultCluster"));
    await as("setWritePerm", () => ns.setWritePerm("access-a", false));
    await as("setWritePerm", () => ns.setWritePerm("access-a", true));
    await as("deleteTopic", () => ns.deleteTopic("AccessA1", "DefaultCluster"));
    await as("deleteTopic", () => ns.deleteTopic("AccessA2"));
    await as("putKvConfig", () => ns.putKvConfig("ns-a", "k", "v"));
    await as("putKvConfig", () => ns.putKvConfig(ORDER_TOPIC_CONFIG_NAMESPACE, "AccessA0", "access-a:4"));
    await as("getKvConfig", () => ns.getKvConfig("ns-a", "k"));
    await as("getKvList", () => ns.getKvList("ns-a"));
    await as("deleteKvConfig", () => ns.deleteKvConfig("ns-a", "k"));
    await as("deleteKvConfig", () => ns.deleteKvConfig(ORDER_TOPIC_CONFIG_NAMESPACE, "AccessA0"));
    await as("health", () => ns.health());
    await as("getHistory", () => ns.getHistory({ limit: 10 }));
    // The master leaves an acting-master group: WRITE is cleared; then the slave leaves: the group goes.
    await as("unregisterBroker", () =>
      ns.unregisterBroker({
        clusterName: "DefaultCluster",
        brokerName: "access-a",
        brokerId: 0,
        brokerAddr: "10.9.0.1:10911",
      }),
    );
    await as("unregisterBroker", () =>
      ns.unregisterBroker({
        clusterName: "DefaultCluster",
        brokerName: "access-a",
        brokerId: 1,
        brokerAddr: "10.9.0.2:10911",
      }),
    );
    // Expiry: a master and a slave die; the sweep clears WRITE, then removes the emptied group.
    const b = { brokerName: "access-b", enableActingMaster: true, heartbeatTimeoutMillis: 1000 };
    await ns.registerBroker(
      registration({ ...b, brokerAddr: "10.9.1.1:10911", topicConfigTable: topics(2, "AccessB") }),
    );
    await ns.registerBroker(registration({ ...b, brokerId: 1, brokerAddr: "10.9.1.2:10911" }));
    f.clock.advance(5000);
    await as("sweep", () => ns.sweep());
    await as("sweep", () => ns.sweep());
    // The first sweep of an hour cleans the history past its retention.
    f.clock.advance(3_600_000);
    await as("sweep", () => ns.sweep());

    for (const useCase of Object.values(handlerUseCases).flat()) {
      expect(recorded.get(useCase)?.length ?? 0, `${useCase} made no request`).toBeGreaterThan(0);
    }
  });

  it.each(Object.entries(handlerUseCases))("%s", (handler, useCases) => {
    const statements = statementsOf(functionOfHandler(handler));
    const denied = useCases
      .flatMap((useCase) => recorded.get(useCase) ?? [])
      .filter(({ request }) => !isAllowed(statements, request))
      .map(
        ({ command, request }) =>
          `${command}: ${request.action} ${JSON.stringify(request.context ?? request.resource)}`,
      );
    expect(denied).toEqual([]);
  });
});
