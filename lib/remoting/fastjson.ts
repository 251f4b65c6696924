/**
 * The JSON dialect of RocketMQ's remoting bodies (com.alibaba.fastjson 1.x).
 *
 * - fastjson writes maps with integer keys (`BrokerData.brokerAddrs`, a `HashMap<Long,String>`;
 *   `currIdMap`, a `Map<Integer,Integer>`) with **unquoted** keys: `{0:"10.0.0.1:10911"}`. So a
 *   request body may not be standard JSON, and `parseLenientJson` reads both forms.
 * - Answers are written either in that style (`stringifyFastjson`; the objects to write with bare
 *   keys are marked with `intKeyed`) or in standard JSON with non-ASCII escaped
 *   (`stringifyStandard`: `SerializerFeature.BrowserCompatible, QuoteFieldNames, MapSortField`).
 * Keys are written sorted, as fastjson sorts bean fields (`SortField`) and `MapSortField` sorts maps.
 */

export class LenientJsonError extends Error {}

const MAX_DEPTH = 256;

const intKeyedObjects = new WeakSet<object>();

/** Marks a map whose keys fastjson writes unquoted (a Java map with Integer/Long keys). */
export function intKeyed<T extends object>(map: T): T {
  intKeyedObjects.add(map);
  return map;
}

/** Standard JSON, keys sorted, non-ASCII as `\uXXXX` (fastjson's BrowserCompatible). */
export function stringifyStandard(value: unknown): string {
  return write(value, false);
}

/** fastjson's default style: maps marked `intKeyed` get bare integer keys. */
export function stringifyFastjson(value: unknown): string {
  return write(value, true);
}

function quote(text: string, asciiOnly: boolean): string {
  const json = JSON.stringify(text);
  return asciiOnly
    ? json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    : json;
}

function write(value: unknown, bareIntKeys: boolean, depth = 0): string {
  if (depth > MAX_DEPTH) throw new LenientJsonError("value nested too deeply");
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return quote(value, !bareIntKeys);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object":
      break;
    default:
      return "null";
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => write(item, bareIntKeys, depth + 1)).join(",")}]`;
  }
  const bare = bareIntKeys && intKeyedObjects.has(value);
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null)
    .sort(([a], [b]) => compareKeys(a, b, bare));
  const parts = entries.map(([key, v]) => {
    const name = bare && /^-?\d+$/.test(key) ? key : quote(key, !bareIntKeys);
    return `${name}:${write(v, bareIntKeys, depth + 1)}`;
  });
  return `{${parts.join(",")}}`;
}

function compareKeys(a: string, b: string, numeric: boolean): number {
  if (numeric && /^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * JSON as fastjson reads it: standard JSON plus object keys written bare (`{0:"a"}`,
 * `{topic:"T"}`) or in single quotes. Throws LenientJsonError on anything else.
 */
export function parseLenientJson(text: string): unknown {
  const parser = new Parser(text);
  parser.skipSpace();
  const value = parser.value(0);
  parser.skipSpace();
  if (parser.pos !== text.length) parser.fail("unexpected text after the value");
  return value;
}

class Parser {
  pos = 0;
  constructor(private readonly text: string) {}

  fail(message: string): never {
    throw new LenientJsonError(`${message} at offset ${this.pos}`);
  }

  skipSpace(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail("value nested too deeply");
    const c = this.text[this.pos];
    switch (c) {
      case "{":
        return this.object(depth);
      case "[":
        return this.array(depth);
      case '"':
      case "'":
        return this.string(c);
      case "t":
        return this.literal("true", true);
      case "f":
        return this.literal("false", false);
      case "n":
        return this.literal("null", null);
      default:
        if (c !== undefined && /[-0-9]/.test(c)) return this.number();
        return this.fail(
          c === undefined ? "unexpected end of text" : `unexpected character ${JSON.stringify(c)}`,
        );
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail("unexpected word");
    this.pos += word.length;
    return value;
  }

  private number(): number {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (match === null) this.fail("malformed number");
    this.pos += match[0].length;
    return Number(match[0]);
  }

  private string(delimiter: string): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    let chunkStart = this.pos;
    while (true) {
      if (this.pos >= this.text.length) {
        this.pos = start;
        this.fail("unterminated string");
      }
      const c = this.text[this.pos];
      if (c === delimiter) {
        out += this.text.slice(chunkStart, this.pos);
        this.pos++;
        return out;
      }
      if (c === "\\") {
        out += this.text.slice(chunkStart, this.pos);
        out += this.escape();
        chunkStart = this.pos;
        continue;
      }
      if (c !== undefined && c.charCodeAt(0) < 0x20) this.fail("control character in string");
      this.pos++;
    }
  }

  private escape(): string {
    const c = this.text[this.pos + 1];
    this.pos += 2;
    switch (c) {
      case '"':
        return '"';
      case "'":
        return "'";
      case "\\":
        return "\\";
      case "/":
        return "/";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "u": {
        const hex = this.text.slice(this.pos, this.pos + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail("malformed \\u escape");
        this.pos += 4;
        return String.fromCharCode(Number.parseInt(hex, 16));
      }
      default:
        this.pos -= 2;
        return this.fail("malformed escape");
    }
  }

  private key(): string {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string(c);
    const match = /^[A-Za-z0-9_$-]+/.exec(this.text.slice(this.pos, this.pos + 1024));
    if (match === null) this.fail("expected a key");
    this.pos += match[0].length;
    return match[0];
  }

  private object(depth: number): Record<string, unknown> {
    this.pos++;
    // A null prototype: a key named __proto__ is an ordinary key, never the object's prototype.
    const out: Record<string, unknown> = Object.create(null);
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    while (true) {
      this.skipSpace();
      const key = this.key();
      this.skipSpace();
      if (this.text[this.pos] !== ":") this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      out[key] = this.value(depth + 1);
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "}") return out;
      if (c !== ",") {
        this.pos--;
        this.fail("expected ',' or '}'");
      }
    }
  }

  private array(depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    while (true) {
      this.skipSpace();
      out.push(this.value(depth + 1));
      this.skipSpace();
      const c = this.text[this.pos];
      this.pos++;
      if (c === "]") return out;
      if (c !== ",") {
        this.pos--;
        this.fail("expected ',' or ']'");
      }
    }
  }
}
