/**
 * `java.util.Properties` text, the body of UPDATE_NAMESRV_CONFIG and GET_NAMESRV_CONFIG:
 * `MixAll.string2Properties` (`Properties.load`) to read, `MixAll.properties2String` (`key=value\n`)
 * to write.
 */

/** Parses properties text as `Properties.load` does: comments, `=`/`:`/blank separators, escapes, continuations. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] ?? "").replace(/^[ \t\f]+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    // A line ending in an odd number of backslashes continues on the next one.
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? "").replace(/^[ \t\f]+/, "");
    }
    let keyEnd = 0;
    while (keyEnd < line.length) {
      const c = line[keyEnd];
      if (c === "\\") {
        keyEnd += 2;
        continue;
      }
      if (c === "=" || c === ":" || c === " " || c === "\t" || c === "\f") break;
      keyEnd++;
    }
    const key = unescapeProperty(line.slice(0, keyEnd));
    let rest = line.slice(keyEnd).replace(/^[ \t\f]+/, "");
    if (rest.startsWith("=") || rest.startsWith(":")) rest = rest.slice(1).replace(/^[ \t\f]+/, "");
    out[key] = unescapeProperty(rest);
  }
  return out;
}

function unescapeProperty(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, escaped: string) => {
    if (escaped.length === 5) return String.fromCharCode(Number.parseInt(escaped.slice(1), 16));
    switch (escaped) {
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "f":
        return "\f";
      default:
        return escaped;
    }
  });
}

/** `MixAll.properties2String(properties, true)`: one `key=value` line per entry, sorted by key. */
export function formatProperties(properties: Readonly<Record<string, string>>): string {
  return Object.keys(properties)
    .sort()
    .map((key) => `${key}=${properties[key]}\n`)
    .join("");
}
