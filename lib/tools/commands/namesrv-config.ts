/**
 * mqadmin's getNamesrvConfig and updateNamesrvConfig.
 */
import {
  type CommandKit,
  EXIT_OK,
  EXIT_REQUEST_FAILED,
  jsonError,
  printJson,
  required,
  writeAll,
} from "../context";
import { describeError } from "../format";

export function registerNamesrvConfigCommands({ cmd, run }: CommandKit): void {
  cmd("getNamesrvConfig", "Print each NameServer's configuration (GET_NAMESRV_CONFIG).").action(() =>
    run(async (context) => {
      const { io, global } = context;
      const answers = await Promise.all(
        context.endpoints.map(async (e) => {
          try {
            return { nameServer: e.address, ok: true as const, config: await e.getConfig() };
          } catch (error) {
            return { nameServer: e.address, ok: false as const, error };
          }
        }),
      );
      if (global.json) {
        printJson(
          io,
          answers.map((a) =>
            a.ok
              ? a
              : { nameServer: a.nameServer, ok: false, error: jsonError(a.error, global.timeoutMillis) },
          ),
        );
      }
      for (const a of answers) {
        if (!a.ok) io.stderr(`namesrv: ${describeError(a.error, global.timeoutMillis)}\n`);
        else if (!global.json)
          io.stdout(`============${a.nameServer}============\n${renderProperties(a.config)}\n`);
      }
      return answers.every((a) => a.ok) ? EXIT_OK : EXIT_REQUEST_FAILED;
    }),
  );

  cmd("updateNamesrvConfig", "Change a NameServer setting on every NameServer (UPDATE_NAMESRV_CONFIG).")
    .option("-k, --key <key>", "the setting's name")
    .option("-v, --value <value>", "its new value")
    .action((opts: { key?: string; value?: string }) =>
      run(async (context) => {
        const key = required("key (-k)", opts.key);
        const value = required("value (-v)", opts.value);
        return writeAll(context, async (e) => {
          const before = (await e.getConfig())[key];
          await e.updateConfig({ [key]: value });
          return {
            text:
              before === value
                ? `${key} = ${value} (unchanged)`
                : `${key} = ${value} (was ${before ?? "unset"})`,
            json: { key, value, previous: before ?? null },
          };
        });
      }),
    );
}

function renderProperties(config: Record<string, string>): string {
  return Object.keys(config)
    .sort()
    .map((k) => `${k} = ${config[k]}`)
    .join("\n");
}
