/**
 * The `namesrv` program: global options and one command group per file of lib/tools/commands
 * (RocketMQ's tools module keeps one SubCommand per command; here a group per concern).
 */
import { Command, Option } from "commander";
import { DEFAULT_TIMEOUT_MILLIS } from "../client/transport";
import { registerBrokerCommands } from "./commands/broker";
import { registerClusterCommands } from "./commands/cluster";
import { registerHistoryCommands } from "./commands/history";
import { registerKvCommands } from "./commands/kv";
import { registerNamesrvConfigCommands } from "./commands/namesrv-config";
import { registerServicesCommands } from "./commands/services";
import { registerTopicCommands } from "./commands/topic";
import { registerWatchCommands } from "./commands/watch";
import { type CliIo, type CommandKit, collect, DEFAULT_NAMESRV_URL } from "./context";
import { packageVersion } from "./version";

/** The program: a fresh commander instance per run (commander keeps parse state in it). */
export function buildProgram(io: CliIo, run: CommandKit["run"]): Command {
  const program = new Command("namesrv");
  program
    .description(
      "Administer and watch a RocketMQ NameServer like mqadmin: this registry over its HTTP API, or any NameServer (RocketMQ's own too) over RocketMQ's protocol.",
    )
    .addOption(
      new Option(
        "-n, --namesrvAddr <addresses>",
        "NameServer addresses, ';'-separated, as mqadmin takes them: host:port speaks RocketMQ's protocol, " +
          "http(s)://… the HTTP API (default: NAMESRV_ADDR)",
      ).argParser(collect),
    )
    .addOption(
      new Option(
        "--url <url>",
        `HTTP API URL of a NameServer; repeat for several (default: NAMESRV_URL, ';'-separated, or ${DEFAULT_NAMESRV_URL})`,
      ).argParser(collect),
    )
    .option("--json", "print JSON instead of tables")
    .option(
      "--token <token>",
      "bearer token of a local registry started with NAMESRV_TOKEN (default: NAMESRV_TOKEN)",
    )
    .option("--profile <name>", "sign HTTP requests with SigV4 using this AWS profile")
    .option(
      "--region <region>",
      "sign with SigV4 for this region (default: from an execute-api URL, or AWS_REGION)",
    )
    .option("--sigv4", "sign with SigV4 using the default AWS credential chain")
    .option("--timeout <ms>", `per-request timeout (default ${DEFAULT_TIMEOUT_MILLIS})`)
    .version(packageVersion(), "-V, --version", "print the version of serverless-namesrv")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run `namesrv --help` for the commands, `namesrv <command> --help` for one)")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
      outputError: (text, write) => write(text.replace(/^error: /, "namesrv: ")),
    })
    .addHelpText(
      "after",
      "\nReads ask the NameServers in order until one answers; writes go to all of them.\n" +
        "Exit codes: 0 done, 1 a request failed, 2 usage error.",
    );

  const cmd = (name: string, summary: string) =>
    program
      .command(name)
      .description(summary)
      .showSuggestionAfterError(true)
      .exitOverride()
      .configureOutput({
        writeOut: (text) => io.stdout(text),
        writeErr: (text) => io.stderr(text),
        outputError: (text, write) => write(text.replace(/^error: /, `namesrv ${name}: `)),
      });

  const kit: CommandKit = { cmd, run };
  registerClusterCommands(kit);
  registerTopicCommands(kit);
  registerKvCommands(kit);
  registerNamesrvConfigCommands(kit);
  registerHistoryCommands(kit);
  registerBrokerCommands(kit);
  registerWatchCommands(kit);
  registerServicesCommands(kit);
  return program;
}

/** The command names, for completion and tests. */
export function commandNames(): string[] {
  return buildProgram({ env: {}, stdout: () => {}, stderr: () => {} }, async () => {}).commands.map((c) =>
    c.name(),
  );
}
