/**
 * mqadmin's cluster and broker commands: clusterList, brokerMembers, wipeWritePerm / addWritePerm.
 */
import {
  abortedWithin,
  type CommandKit,
  EXIT_OK,
  either,
  numberOption,
  printJson,
  read,
  timestamp,
  writeAll,
} from "../context";
import { renderBrokerMembers, renderClusterList } from "../format";

export function registerClusterCommands({ cmd, run }: CommandKit): void {
  cmd("clusterList", "List the clusters and their live brokers (GET_BROKER_CLUSTER_INFO).")
    .option("-c, --clusterName <cluster>", "only this cluster")
    .option(
      "-m, --moreStats",
      "mqadmin's broker statistics (TPS, message counts): each broker's own, which no NameServer holds: says so, then lists the brokers",
    )
    .option("-i, --interval <seconds>", "print again every this many seconds, until Ctrl-C")
    .action((opts: { clusterName?: string; moreStats?: boolean; interval?: string }) =>
      run(async (context) => {
        const { io } = context;
        const interval =
          opts.interval === undefined ? undefined : numberOption("interval", opts.interval, 1, 3600);
        if (opts.moreStats === true) {
          io.stderr(
            "namesrv clusterList: -m: TPS and message counts are each broker's runtime statistics (GET_BROKER_RUNTIME_INFO to the broker), which no NameServer holds: ask a broker, e.g. mqadmin clusterList -m -n <namesrv>; the registry's view follows\n",
          );
        }
        for (;;) {
          const info = await read(context, (e) => e.clusterInfo());
          if (opts.clusterName !== undefined) {
            const names = info.clusterAddrTable[opts.clusterName] ?? [];
            info.clusterAddrTable = { [opts.clusterName]: names };
            info.brokerAddrTable = Object.fromEntries(
              Object.entries(info.brokerAddrTable).filter(([name]) => names.includes(name)),
            );
          }
          if (context.global.json) printJson(io, info);
          else io.stdout(`${interval === undefined ? "" : `${timestamp()}\n`}${renderClusterList(info)}\n`);
          if (interval === undefined) return EXIT_OK;
          if (await abortedWithin(io.signal, interval * 1000)) return EXIT_OK;
        }
      }),
    );

  cmd("brokerMembers", "Show the live members of a broker group (GET_BROKER_MEMBER_GROUP).")
    .argument("[cluster]", "the cluster (or -c)")
    .argument("[broker]", "the broker group (or -b)")
    .option("-c, --clusterName <cluster>", "the cluster")
    .option("-b, --brokerName <broker>", "the broker group")
    .action(
      (c: string | undefined, b: string | undefined, opts: { clusterName?: string; brokerName?: string }) =>
        run(async (context) => {
          const cluster = either("cluster (-c)", opts.clusterName, c);
          const broker = either("broker (-b)", opts.brokerName, b);
          const group = await read(context, (e) => e.brokerMemberGroup(cluster, broker));
          if (context.global.json) printJson(context.io, group);
          else context.io.stdout(`${renderBrokerMembers(group)}\n`);
          return EXIT_OK;
        }),
    );

  for (const [name, writable] of [
    ["wipeWritePerm", false],
    ["addWritePerm", true],
  ] as const) {
    cmd(
      name,
      `${writable ? "Set" : "Clear"} the WRITE perm of a broker group on every topic, on every NameServer (${
        writable ? "ADD" : "WIPE"
      }_WRITE_PERM_OF_BROKER).`,
    )
      .argument("[broker]", "the broker group (or -b)")
      .option("-b, --brokerName <broker>", "the broker group")
      .action((positional: string | undefined, opts: { brokerName?: string }) =>
        run(async (context) => {
          const broker = either("broker (-b)", opts.brokerName, positional);
          return writeAll(context, async (e) => {
            const count = await e.setWritePerm(broker, writable);
            return {
              text:
                count === 0
                  ? `${writable ? "added" : "wiped"} write perm of ${broker}: no topic changed (none of its topics ${
                      writable ? "lacked" : "had"
                    } WRITE, or it has no topics here)`
                  : `${writable ? "added" : "wiped"} write perm of ${broker}: ${count} topic(s) changed`,
              json: { affectedTopicCount: count },
            };
          });
        }),
      );
  }
}
