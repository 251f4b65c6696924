/**
 * `namesrv history`: the registry's history of changes (GET /history, README "History of changes"),
 * oldest first, with mqadmin-style flags: `-s/--since`, `-b/--broker`, `-t/--topic`, `-l/--limit`.
 * One line per change: when, what, on what, by whom, and what changed (before -> after). The
 * history lives in the registry's table, so it needs the HTTP API (`--url`); RocketMQ's protocol has
 * no request for it.
 */
import type { HistoryEntryView } from "../../client/name-server-client";
import { type CommandKit, EXIT_OK, EXIT_REQUEST_FAILED, printJson, UsageError } from "../context";
import { describeError } from "../format";

const DEFAULT_LIMIT = 100;
const MAX_PAGE = 1000;

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--limit must be a whole number of entries, got '${raw}'`);
  return Number(raw);
}

/** `--since`: epoch ms, an RFC 3339 time, or a duration back from now (`30m`, `2h`, `7d`). */
export function parseSince(raw: string | undefined, now: number): number | string | undefined {
  if (raw === undefined) return undefined;
  const ago = /^(\d{1,6})([smhd])$/.exec(raw);
  if (ago !== null) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[ago[2] as "s" | "m" | "h" | "d"];
    return now - Number(ago[1]) * unit;
  }
  if (/^\d{1,13}$/.test(raw)) return Number(raw);
  if (!Number.isNaN(Date.parse(raw))) return new Date(Date.parse(raw)).toISOString();
  throw new UsageError(`--since must be epoch ms, an ISO time or a duration such as 2h or 7d, got '${raw}'`);
}

const show = (value: unknown) =>
  value === undefined ? "-" : typeof value === "string" ? value : JSON.stringify(value);

function who(entry: HistoryEntryView): string {
  const caller = entry.caller as {
    actor: { kind: string; principal?: string };
    sourceIp?: string;
    remoting?: { accessKey?: string; remoteAddress: string };
  };
  const actor = caller.actor.kind === "iam" ? (caller.actor.principal ?? "iam") : caller.actor.kind;
  const remoting =
    caller.remoting === undefined
      ? ""
      : ` via remoting ${caller.remoting.accessKey ?? "(unsigned)"}@${caller.remoting.remoteAddress}`;
  return `${actor}${caller.sourceIp === undefined ? "" : ` from ${caller.sourceIp}`}${remoting}`;
}

function target(entry: HistoryEntryView): string {
  const t = entry.target;
  if (t.namespace !== undefined) return `${t.namespace}/${t.key ?? ""}`;
  if (t.topic !== undefined) return `topic ${t.topic}`;
  if (t.broker !== undefined) return `${t.cluster ?? "?"}/${t.broker}`;
  return "settings";
}

export function renderHistoryEntry(entry: HistoryEntryView): string {
  const changes = (entry.changes as Array<{ field: string; before?: unknown; after?: unknown }>).map(
    (c) => `    ${c.field}: ${show(c.before)} -> ${show(c.after)}`,
  );
  const cut = typeof entry.changeCount === "number" ? [`    … ${entry.changeCount} changes in all`] : [];
  return [
    `${new Date(entry.time).toISOString()}  ${entry.action}  ${target(entry)}  by ${who(entry)}`,
    ...changes,
    ...cut,
  ].join("\n");
}

export function registerHistoryCommands({ cmd, run }: CommandKit): void {
  cmd(
    "history",
    "Print the registry's history of changes: who changed what, before and after, when (GET /history).",
  )
    .option("-s, --since <time>", "from this time: epoch ms, an ISO time, or a duration back (2h, 7d)")
    .option("-b, --broker <brokerName>", "only changes of this broker group")
    .option("-t, --topic <topic>", "only changes of this topic")
    .option("-l, --limit <n>", `at most this many entries (default ${DEFAULT_LIMIT})`)
    .action((opts: { since?: string; broker?: string; topic?: string; limit?: string }) =>
      run(async (context) => {
        const { io, global } = context;
        const limit = parseLimit(opts.limit);
        const since = parseSince(opts.since, Date.now());
        const endpoint = context.endpoints[0];
        if (endpoint?.history === undefined) {
          throw new UsageError(
            "history needs the registry's HTTP API: give --url (RocketMQ's protocol has no history)",
          );
        }
        const entries: HistoryEntryView[] = [];
        let cursor: string | undefined;
        try {
          do {
            const page = await endpoint.history({
              ...(since === undefined ? {} : { since }),
              ...(opts.broker === undefined ? {} : { broker: opts.broker }),
              ...(opts.topic === undefined ? {} : { topic: opts.topic }),
              limit: Math.min(MAX_PAGE, limit - entries.length),
              ...(cursor === undefined ? {} : { cursor }),
            });
            entries.push(...page.entries);
            cursor = page.nextCursor;
          } while (cursor !== undefined && entries.length < limit);
        } catch (error) {
          io.stderr(`namesrv: ${describeError(error, global.timeoutMillis)}\n`);
          return EXIT_REQUEST_FAILED;
        }
        if (global.json) printJson(io, entries);
        else if (entries.length === 0) io.stdout("no changes recorded in that range\n");
        else io.stdout(`${entries.map(renderHistoryEntry).join("\n")}\n`);
        return EXIT_OK;
      }),
    );
}
