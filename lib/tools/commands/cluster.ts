/**
 * mqadmin's cluster and broker commands: clusterList, brokerMembers, wipeWritePerm / addWritePerm.
 */
import { type CommandKit, EXIT_OK, either, printJson, read, writeAll } from "../context";
import { renderBrokerMembers, renderClusterList } from "../format";

export function registerClusterCommands({ cmd, run }: CommandKit): void {
  cmd("clusterList", "List the clusters and their live brokers (GET_BROKER_CLUSTER_INFO).")
    .option("-c, --clusterName <cluster>", "only this cluster")
    .action((opts: { clusterName?: string }) =>
      run(async (context) => {
        const info = await read(context, (e) => e.clusterInfo());
        if (opts.clusterName !== undefined) {
          const names = info.clusterAddrTable[opts.clusterName] ?? [];
          info.clusterAddrTable = { [opts.clusterName]: names };
          info.brokerAddrTable = Object.fromEntries(
            Object.entries(info.brokerAddrTable).filter(([name]) => names.includes(name)),
          );
        }
        if (context.global.json) printJson(context.io, info);
        else context.io.stdout(`${renderClusterList(info)}\n`);
        return EXIT_OK;
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
