/**
 * The `namesrv` CLI (bin/namesrv.ts), built with commander: mqadmin's NameServer commands with
 * mqadmin's names and short flags (`topicRoute -t T -n 127.0.0.1:9876`), plus a demo broker, a route
 * watcher and the dashboard. `-n` / `NAMESRV_ADDR` take what mqadmin takes: `;`-separated `host:port`
 * addresses, spoken to in RocketMQ's remoting protocol (so the same command works against RocketMQ's
 * own NameServer); an `http(s)://` address there, `--url` and `NAMESRV_URL` mean the registry's HTTP
 * API. Every command prints a readable table by default and JSON with `--json`.
 * Exit codes: 0 done (also after a clean Ctrl-C), 1 a request failed, 2 usage error.
 *
 * The program and its global options are in program.ts, each command group in commands/, what they
 * share in context.ts.
 */
import { CommanderError } from "commander";
import { Transport } from "../client/transport";
import type { AdminEndpoint } from "./admin-endpoint";
import {
  type CliIo,
  defaultConnect,
  EXIT_OK,
  EXIT_REQUEST_FAILED,
  EXIT_USAGE,
  type GlobalFlags,
  type GlobalOptions,
  resolveGlobalOptions,
  UsageError,
} from "./context";
import { describeError } from "./format";
import { buildProgram } from "./program";

export {
  type CliIo,
  DEFAULT_NAMESRV_URL,
  EXIT_OK,
  EXIT_REQUEST_FAILED,
  EXIT_USAGE,
  type GlobalFlags,
  type GlobalOptions,
  normalizeUrl,
  ORDER_TOPIC_CONFIG,
  parseAddress,
  resolveGlobalOptions,
  UsageError,
} from "./context";
export { commandNames } from "./program";

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT_OK;
  let usedCommand: string | undefined;
  const program = buildProgram(io, async (action) => {
    const command = program.args[0] ?? "namesrv";
    usedCommand = command;
    let global: GlobalOptions;
    try {
      global = resolveGlobalOptions(program.opts<GlobalFlags>(), io.env);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.stderr(`namesrv ${command}: ${error.message} (see \`namesrv ${command} --help\`)\n`);
      exitCode = EXIT_USAGE;
      return;
    }
    const transport = new Transport({ auth: global.auth, timeoutMillis: global.timeoutMillis });
    const connect = io.connect ?? defaultConnect;
    const endpoints: AdminEndpoint[] = [];
    try {
      for (const e of global.endpoints) endpoints.push(connect(e, transport, global.timeoutMillis));
      exitCode = await action({ global, io, transport, endpoints });
    } catch (error) {
      if (error instanceof UsageError) {
        io.stderr(`namesrv ${command}: ${error.message} (see \`namesrv ${command} --help\`)\n`);
        exitCode = EXIT_USAGE;
      } else {
        io.stderr(`namesrv ${command}: ${describeError(error, global.timeoutMillis)}\n`);
        exitCode = EXIT_REQUEST_FAILED;
      }
    } finally {
      for (const e of endpoints) e.close();
    }
  });
  if (argv.length === 0) {
    io.stderr("namesrv: a command is needed. Run `namesrv --help` for the list.\n");
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return EXIT_OK;
      if (error.code === "commander.help") return EXIT_OK;
      return EXIT_USAGE;
    }
    throw error;
  }
  void usedCommand;
  return exitCode;
}
