/**
 * mqadmin's topic commands: topicList, topicRoute, topicClusterList, deleteTopic.
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
  EXIT_OK,
  either,
  isCode,
  printJson,
  read,
  type WriteReport,
  writeAll,
} from "../context";
import { renderRoute, renderTable } from "../format";

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
    .action((positional: string | undefined, opts: { topic?: string; zone?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        const route = await read(context, (e) => e.route(topic, opts.zone));
        if (context.global.json) printJson(context.io, route);
        else context.io.stdout(`${renderRoute(topic, route)}\n`);
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
    "Delete a topic's route, or only a cluster's queue data, on every NameServer (DELETE_TOPIC_IN_NAMESRV).",
  )
    .argument("[topic]", "the topic (or -t)")
    .option("-t, --topic <topic>", "the topic")
    .option("-c, --clusterName <cluster>", "only remove the queue data of this cluster's brokers")
    .action((positional: string | undefined, opts: { topic?: string; clusterName?: string }) =>
      run(async (context) => {
        const topic = either("topic (-t)", opts.topic, positional);
        return writeAll(context, (e) => deleteTopicOn(e, topic, opts.clusterName));
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
