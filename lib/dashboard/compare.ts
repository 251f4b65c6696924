/**
 * Several registries side by side (`namesrv dashboard --url A --url B`): what each holds of the
 * things a RocketMQ client or operator compares (settings, broker members, topics' routes), and the
 * rows where they differ. Pure: the server reads each registry with its own client and hands the
 * views here.
 */

export interface RegistryView {
  url: string;
  /** Set when this registry could not be read. */
  error?: string;
  config: Record<string, string>;
  /** `cluster/broker/id` → address. */
  members: Record<string, string>;
  /** topic → `broker:perm:read/write` items, sorted, joined by `, `. */
  routes: Record<string, string>;
}

export interface Difference {
  kind: "setting" | "member" | "route";
  name: string;
  /** One value per registry, in the order given; `null` where it has none. */
  values: Array<string | null>;
}

function differing(kind: Difference["kind"], tables: ReadonlyArray<Record<string, string>>): Difference[] {
  const names = [...new Set(tables.flatMap((t) => Object.keys(t)))].sort();
  const out: Difference[] = [];
  for (const name of names) {
    const values = tables.map((t) => (Object.hasOwn(t, name) ? (t[name] as string) : null));
    if (new Set(values).size > 1) out.push({ kind, name, values });
  }
  return out;
}

/** The rows where the registries disagree (registries that could not be read are left out). */
export function compareRegistries(views: readonly RegistryView[]): Difference[] {
  const readable = views.map((v) => (v.error === undefined ? v : undefined));
  const pick = (f: (v: RegistryView) => Record<string, string>) =>
    readable.map((v) => (v === undefined ? {} : f(v)));
  if (readable.filter((v) => v !== undefined).length < 2) return [];
  const mask = (diffs: Difference[]) =>
    diffs
      .map((d) => ({ ...d, values: d.values.map((value, i) => (readable[i] === undefined ? null : value)) }))
      .filter((d) => new Set(d.values.filter((_, i) => readable[i] !== undefined)).size > 1);
  return mask([
    ...differing(
      "setting",
      pick((v) => v.config),
    ),
    ...differing(
      "member",
      pick((v) => v.members),
    ),
    ...differing(
      "route",
      pick((v) => v.routes),
    ),
  ]);
}
