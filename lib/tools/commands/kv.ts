/**
 * mqadmin's KV config commands (updateKvConfig, deleteKvConfig, getKVConfig, getKVListByNamespace,
 * updateOrderConf) and the `kv` shorthand.
 */

import { Option } from "commander";
import type { AdminEndpoint } from "../admin-endpoint";
import {
  type CommandKit,
  type Context,
  EXIT_OK,
  isCode,
  ORDER_TOPIC_CONFIG,
  printJson,
  read,
  required,
  UsageError,
  type WriteReport,
  writeAll,
} from "../context";
import { renderTable } from "../format";
export function registerKvCommands({ cmd, run }: CommandKit): void {
  cmd("updateKvConfig", "Create or update a KV config item on every NameServer (PUT_KV_CONFIG).")
    .option("-s, --namespace <namespace>", "the namespace, e.g. ORDER_TOPIC_CONFIG")
    .option("-k, --key <key>", "the key")
    .option("-v, --value <value>", "the value")
    .action((opts: { namespace?: string; key?: string; value?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        const key = required("key (-k)", opts.key);
        const value = required("value (-v)", opts.value);
        return writeAll(context, (e) => putKvOn(e, namespace, key, value));
      }),
    );
  cmd("deleteKvConfig", "Delete a KV config item on every NameServer (DELETE_KV_CONFIG).")
    .option("-s, --namespace <namespace>", "the namespace")
    .option("-k, --key <key>", "the key")
    .action((opts: { namespace?: string; key?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        const key = required("key (-k)", opts.key);
        return writeAll(context, (e) => deleteKvOn(e, namespace, key));
      }),
    );

  cmd("getKVConfig", "Print a KV config item (GET_KV_CONFIG).")
    .option("-s, --namespace <namespace>", "the namespace")
    .option("-k, --key <key>", "the key")
    .action((opts: { namespace?: string; key?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        const key = required("key (-k)", opts.key);
        const value = await read(context, (e) => e.getKv(namespace, key));
        if (context.global.json) printJson(context.io, { value });
        else context.io.stdout(`${value}\n`);
        return EXIT_OK;
      }),
    );

  cmd("getKVListByNamespace", "List a KV namespace (GET_KVLIST_BY_NAMESPACE).")
    .option("-s, --namespace <namespace>", "the namespace")
    .action((opts: { namespace?: string }) =>
      run(async (context) => {
        const namespace = required("namespace (-s)", opts.namespace);
        return printKvList(context, namespace);
      }),
    );
  cmd("updateOrderConf", "Get, put or delete a topic's order config (KV namespace ORDER_TOPIC_CONFIG).")
    .option("-t, --topic <topic>", "the topic")
    .addOption(new Option("-m, --method <method>", "what to do").choices(["get", "put", "delete"]))
    .option("-v, --orderConf <conf>", "for put: brokerName:queueNum;… e.g. broker-a:4;broker-b:4")
    .action((opts: { topic?: string; method?: string; orderConf?: string }) =>
      run(async (context) => {
        const topic = required("topic (-t)", opts.topic);
        const method = required("method (-m get|put|delete)", opts.method);
        if (method === "get") {
          const value = await read(context, (e) => e.getKv(ORDER_TOPIC_CONFIG, topic));
          if (context.global.json) printJson(context.io, { topic, orderConf: value });
          else context.io.stdout(`${value}\n`);
          return EXIT_OK;
        }
        if (method === "delete") return writeAll(context, (e) => deleteKvOn(e, ORDER_TOPIC_CONFIG, topic));
        const conf = required("order config (-v)", opts.orderConf);
        if (!/^[^:;\s]+:\d+(;[^:;\s]+:\d+)*;?$/.test(conf)) {
          throw new UsageError(`order config (-v) must be brokerName:queueNum;…, got '${conf}'`);
        }
        return writeAll(context, (e) => putKvOn(e, ORDER_TOPIC_CONFIG, topic, conf));
      }),
    );

  cmd("kv", "Shorthand for the KV commands: kv get|put|delete|list <namespace> [key] [value].")
    .argument("<action>", "get, put, delete or list")
    .argument("<namespace>", "the namespace")
    .argument("[key]", "the key")
    .argument("[value]", "the value (put)")
    .action((action: string, namespace: string, key: string | undefined, value: string | undefined) =>
      run(async (context) => {
        const count = [key, value].filter((v) => v !== undefined).length;
        const expect = (n: number, usage: string) => {
          if (count !== n) throw new UsageError(`expected kv ${usage}`);
        };
        switch (action) {
          case "get": {
            expect(1, "get <namespace> <key>");
            const found = await read(context, (e) => e.getKv(namespace, key ?? ""));
            if (context.global.json) printJson(context.io, { value: found });
            else context.io.stdout(`${found}\n`);
            return EXIT_OK;
          }
          case "list":
            expect(0, "list <namespace>");
            return printKvList(context, namespace);
          case "put":
            expect(2, "put <namespace> <key> <value>");
            return writeAll(context, (e) => putKvOn(e, namespace, key ?? "", value ?? ""));
          case "delete":
            expect(1, "delete <namespace> <key>");
            return writeAll(context, (e) => deleteKvOn(e, namespace, key ?? ""));
          default:
            throw new UsageError(`unknown kv action '${action}': expected get, put, delete or list`);
        }
      }),
    );
}
async function printKvList(context: Context, namespace: string): Promise<number> {
  const table = await read(context, (e) => e.kvList(namespace));
  if (context.global.json) printJson(context.io, { table });
  else {
    const rows = Object.keys(table)
      .sort()
      .map((k) => [k, table[k] ?? ""]);
    context.io.stdout(`${renderTable(["KEY", "VALUE"], rows)}\n`);
  }
  return EXIT_OK;
}
async function deleteKvOn(endpoint: AdminEndpoint, namespace: string, key: string): Promise<WriteReport> {
  try {
    await endpoint.getKv(namespace, key);
  } catch (error) {
    if (isCode(error, "QUERY_NOT_FOUND")) {
      return { text: `no key ${key} in namespace ${namespace}: nothing deleted`, json: { deleted: false } };
    }
    throw error;
  }
  await endpoint.deleteKv(namespace, key);
  return { text: `deleted ${namespace} ${key}`, json: { deleted: true } };
}

async function putKvOn(
  endpoint: AdminEndpoint,
  namespace: string,
  key: string,
  value: string,
): Promise<WriteReport> {
  let before: string | undefined;
  try {
    before = await endpoint.getKv(namespace, key);
  } catch (error) {
    if (!isCode(error, "QUERY_NOT_FOUND")) throw error;
  }
  await endpoint.putKv(namespace, key, value);
  const what =
    before === undefined
      ? `created ${namespace} ${key} = ${value}`
      : before === value
        ? `${namespace} ${key} = ${value} (unchanged)`
        : `updated ${namespace} ${key} = ${value} (was ${before})`;
  return { text: what, json: { previous: before ?? null } };
}
