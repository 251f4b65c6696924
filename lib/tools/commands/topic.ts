/**
 * mqadmin's topic commands: topicList, topicRoute, topicClusterList, allocateMQ, deleteTopic.
 */
import { Option } from "commander";
import type { TopicRouteData } from "../../domain/model";
import {
  type AdminEndpoint,
  clustersOfRoute,
  queueBrokersOfCluster,
  type UnitTopicKind,
} from "../admin-endpoint";
import {
  type CommandKit,
  type Context,
  collectWrites,
  EXIT_OK,
  EXIT_REQUEST_FAILED,
  either,
  isCode,
  printJson,
  printWriteLines,
  read,
  required,
  UsageError,
  type WriteReport,
  writeOutcomesJson,
} from "../context";
import { describeError, renderRoute, renderRouteList, renderTable } from "../format";
import { deleteTopicInBroker } from "../remoting-endpoint";
import { allocateAveragely, subscribeQueues } from "./allocate";

export function registerTopicCommands({ cmd, run }: CommandKit): void {
  cmd(
    "topicList",
    "List all topics, or a cluster's (GET_ALL_TOPIC_LIST_FROM_NAMESERVER, GET_TOPICS_BY_CLUSTER).",
  )
    .option(
      "-c, --clusterName [cluster]",
      "with a cluster: only its topics; alone: print each topic's clusters",
    )
    .option("--system", "the system topic list: cluster and broker names (GET_SYSTEM_TOPIC_LIST_FROM_NS)")
    .addOption(
      new Option("--unit <kind>", "topics with a unit flag (GET_UNIT_TOPIC_LIST and kin)").choices([
        "unit",
        "unit-sub",
        "unit-sub-ununit",
      ]),
    )
    .action((opts: { clusterName?: string | true; system?: boolean; unit?: UnitTopicKind }) =>
      run(async (context) => {
        const { io, global } = context;
        if (opts.system === true) {
          const list = await read(context, (e) => e.systemTopicList());
          if (global.json) printJson(io, list);
          else
            io.stdout(
              `${list.topicList.join("\n")}${list.brokerAddr === undefined ? "" : `\n(brokerAddr ${list.brokerAddr})`}\n`,
            );
          return EXIT_OK;
        }
        if (opts.unit !== undefined) {
          const kind = opts.unit;
          const topicList = await read(context, (e) => e.unitTopicList(kind));
          if (global.json) printJson(io, { topicList });
          else io.stdout(topicList.length === 0 ? "(no topics)\n" : `${topicList.join("\n")}\n`);
          return EXIT_OK;
        }
        if (opts.clusterName === true) {
          // mqadmin's `topicList -c`: each topic with the clusters its route reaches.
          const topics = await read(context, (e) => e.topicList());
          const rows: string[][] = [];
          for (const topic of topics) {
            let clusters: string[] = [];
            try {
              clusters = clustersOfRoute(await read(context, (e) => e.route(topic)));
            } catch (error) {
              if (!isCode(error, "TOPIC_NOT_EXIST")) throw error;
            }
            rows.push([clusters.join(",") || "", topic]);
          }
          if (global.json)
            printJson(
              io,
              rows.map(([clusters, topic]) => ({ topic, clusters: clusters?.split(",").filter(Boolean) })),
            );
          else
            io.stdout(rows.length === 0 ? "(no topics)\n" : `${renderTable(["CLUSTER", "TOPIC"], rows)}\n`);
          return EXIT_OK;
        }
        const cluster = opts.clusterName;
        const topicList = await read(context, (e) =>
          cluster === undefined ? e.topicList() : e.topicsByCluster(cluster),
        );
        if (global.json) printJson(io, { topicList });
        else io.stdout(topicList.length === 0 ? "(no topics)\n" : `${topicList.join("\n")}\n`);
        return EXIT_OK;
      }),
    );

  cmd("topicRoute", "Show a topic's route: queue data and brokers (GET_ROUTEINFO_BY_TOPIC).")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option("--zone <zone>", "only brokers of this zone")
    .option("-l, --list", "one line per broker group with its queues and perm, and the totals (mqadmin -l)")
    .action((positional: string | undefined, opts: { topic?: string; zone?: string; list?: boolean }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        const route = await read(context, (e) => e.route(topic, opts.zone));
        if (context.global.json) printJson(context.io, route);
        else
          context.io.stdout(`${opts.list === true ? renderRouteList(route) : renderRoute(topic, route)}\n`);
        return EXIT_OK;
      }),
    );

  cmd("allocateMQ", "Show how consumers would share a topic's queues (AllocateMessageQueueAveragely).")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option(
      "-i, --ipList <ids>",
      "the consumers' client ids (IPs), comma-separated, in the order they rebalance",
    )
    .action((positional: string | undefined, opts: { topic?: string; ipList?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        const clients = required("ipList (-i)", opts.ipList)
          .split(",")
          .map((id) => id.trim())
          .filter((id) => id !== "");
        if (clients.length === 0) throw new UsageError("ipList (-i) names no client");
        const route = await read(context, (e) => e.route(topic));
        const result = allocateAveragely(subscribeQueues(topic, route), clients);
        if (context.global.json) printJson(context.io, { result: Object.fromEntries(result) });
        else {
          const rows = [...result].flatMap(([client, queues]) =>
            queues.length === 0
              ? [[client, "-", "-"]]
              : queues.map((q) => [client, q.brokerName, String(q.queueId)]),
          );
          context.io.stdout(`${renderTable(["CLIENT", "BROKER", "QUEUE"], rows)}\n`);
        }
        return EXIT_OK;
      }),
    );

  cmd("topicClusterList", "List the clusters a topic's route reaches (mqadmin topicClusterList).")
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .action((positional: string | undefined, opts: { topic?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        const clusters = clustersOfRoute(await read(context, (e) => e.route(topic)));
        if (context.global.json) printJson(context.io, { clusterList: clusters });
        else context.io.stdout(`${clusters.join("\n")}\n`);
        return EXIT_OK;
      }),
    );

  cmd(
    "deleteTopic",
    "Delete a topic on a cluster as mqadmin does: on its master brokers (DELETE_TOPIC_IN_BROKER), then on every NameServer (DELETE_TOPIC_IN_NAMESRV).",
  )
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option(
      "-c, --clusterName <cluster>",
      "the cluster whose brokers and queue data lose the topic (required)",
    )
    .action((positional: string | undefined, opts: { topic?: string; clusterName?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        if (opts.clusterName === undefined || opts.clusterName === "") {
          throw new UsageError(
            "cluster (-c) is required: as mqadmin, deleteTopic deletes the topic on the cluster's master brokers first, or their next registration brings it back",
          );
        }
        return deleteTopicOnCluster(context, topic, opts.clusterName);
      }),
    );
}

async function deleteTopicOn(endpoint: AdminEndpoint, topic: string, cluster?: string): Promise<WriteReport> {
  let route: TopicRouteData | undefined;
  try {
    route = await endpoint.route(topic);
  } catch (error) {
    if (!isCode(error, "TOPIC_NOT_EXIST")) throw error;
  }
  // Sent even without a live route: it clears what brokers that died may have left.
  await endpoint.deleteTopic(topic, cluster);
  if (route === undefined) {
    return { text: `topic ${topic} has no route: nothing deleted`, json: { deleted: false } };
  }
  if (cluster === undefined) {
    const brokers = route.queueDatas.map((q) => q.brokerName).sort();
    return {
      text: `deleted topic ${topic} (queue data of ${brokers.length} broker group(s): ${brokers.join(", ") || "-"})`,
      json: { deleted: true, brokers },
    };
  }
  const brokers = queueBrokersOfCluster(route, cluster);
  if (brokers.length === 0) {
    return {
      text: `topic ${topic} has no queue data on cluster ${cluster}: nothing deleted`,
      json: { deleted: false },
    };
  }
  const left = route.queueDatas.length - brokers.length;
  return {
    text: `deleted the queue data of topic ${topic} on cluster ${cluster} (${brokers.join(", ")}); ${
      left === 0 ? "the topic is gone" : `${left} broker group(s) of other clusters keep it`
    }`,
    json: { deleted: true, brokers },
  };
}

/** What DELETE_TOPIC_IN_BROKER did on one master. */
interface BrokerDeletion {
  brokerName: string;
  brokerAddr: string;
  ok: boolean;
  error?: unknown;
}

/**
 * mqadmin's deleteTopic (`DeleteTopicSubCommand`): DELETE_TOPIC_IN_BROKER to every master of the
 * cluster, then DELETE_TOPIC_IN_NAMESRV with the cluster on every NameServer. A master that cannot be
 * reached is named: it still has the topic and its next registration brings it back.
 */
async function deleteTopicOnCluster(context: Context, topic: string, cluster: string): Promise<number> {
  const { io, global } = context;
  const info = await read(context, (e) => e.clusterInfo());
  const masters = (info.clusterAddrTable[cluster] ?? [])
    .slice()
    .sort()
    .flatMap((brokerName) => {
      const brokerAddr = info.brokerAddrTable[brokerName]?.brokerAddrs["0"];
      return brokerAddr === undefined ? [] : [{ brokerName, brokerAddr }];
    });
  const send = io.deleteTopicInBroker ?? deleteTopicInBroker;
  const brokers: BrokerDeletion[] = await Promise.all(
    masters.map(async (m) => {
      try {
        await send(m.brokerAddr, topic, global.timeoutMillis);
        return { ...m, ok: true };
      } catch (error) {
        return { ...m, ok: false, error };
      }
    }),
  );
  const outcomes = await collectWrites(context, (e) => deleteTopicOn(e, topic, cluster));
  const failed = brokers.filter((b) => !b.ok);
  const comesBack = (b: BrokerDeletion) =>
    `broker ${b.brokerName} (${b.brokerAddr}) still has topic ${topic}: ${describeError(b.error, global.timeoutMillis)}; its next registration brings the topic back to the NameServers: run deleteTopic again once it is reachable`;
  if (global.json) {
    printJson(io, {
      brokers: brokers.map((b) =>
        b.ok
          ? { brokerName: b.brokerName, brokerAddr: b.brokerAddr, ok: true }
          : { brokerName: b.brokerName, brokerAddr: b.brokerAddr, ok: false, error: comesBack(b) },
      ),
      nameServers: writeOutcomesJson(outcomes, global.timeoutMillis),
    });
  } else {
    if (masters.length === 0) io.stdout(`cluster ${cluster} has no live master broker: no broker asked\n`);
    for (const b of brokers) {
      if (b.ok) io.stdout(`broker ${b.brokerName} (${b.brokerAddr}): deleted topic ${topic}\n`);
    }
  }
  for (const b of failed) io.stderr(`namesrv deleteTopic: ${comesBack(b)}\n`);
  const nameServersExit = printWriteLines(context, outcomes);
  return failed.length > 0 ? EXIT_REQUEST_FAILED : nameServersExit;
}
