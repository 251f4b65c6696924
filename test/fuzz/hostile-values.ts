/** Hostile values for any field: names no schema accepts, wrong types, deep nesting. */
import fc from "fast-check";

export const invalidNames: string[] = [
  "",
  " ",
  "a b",
  "tab\there",
  "new\nline",
  "nul\u0000byte",
  "del\u007f",
  "bröker",
  "브로커",
  "emoji😀",
  "rtl\u202eoverride",
  "zero\u200bwidth",
  "lone\ud800surrogate",
  "a/b",
  "a\\b",
  "..",
  ".",
  "a.b",
  "a?b",
  "a#b",
  "a&b=c",
  "<script>",
  "'; DROP TABLE namesrv; --",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell-style payload, literally
  "${jndi:ldap://x}",
  "x".repeat(128),
  "%RETRY%".padEnd(256, "r"),
  "y".repeat(10_000),
];

export const invalidName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...invalidNames) },
  {
    weight: 2,
    arbitrary: fc
      .string({ unit: "grapheme", minLength: 1, maxLength: 40 })
      .filter((s) => !/^[%|a-zA-Z0-9_-]+$/.test(s)),
  },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: "binary", minLength: 1, maxLength: 40 })
      .filter((s) => !/^[%|a-zA-Z0-9_-]+$/.test(s)),
  },
);

export function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    "",
    "0",
    "1",
    "true",
    [],
    {},
    [0],
    { 0: 0 },
    -1,
    -0.5,
    1.5,
    0.1 + 0.2,
    1e-320,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 53) - 2,
    1e21,
    1e308,
    -1e308,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  invalidName,
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 20, max: 3000 }).map((depth) => nested(depth, 1)),
  fc.constant("z".repeat(70_000)),
  // Over the limits (README "Security"): each one a 400 naming the limit, never a 500.
  fc.constantFrom<unknown>(
    "[:::]:1",
    "[::::]:10911",
    "[1::2::3]:1",
    2 ** 31,
    Array.from(
      { length: 40 },
      (_, i) => `filter-${String(i).padStart(2, "0")}.${"f".repeat(48)}.example:30000`,
    ),
    Array.from({ length: 65 }, (_, i) => `10.1.0.${i}:30000`),
  ),
);
