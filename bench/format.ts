/** The cost model's and the report's number formats (bench/cost.ts, bench/endpoint-front.ts, bench/report.ts). */

/** Dollars rounded to cents. */
export const usd = (n: number) => Math.round(n * 100) / 100;
/** Bytes in a GB as the prices count them (GiB). */
export const GB = 1024 ** 3;
/** A count for a detail: `12.3 M` from a million, else whole with thousands separators. */
export const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : Math.round(n).toLocaleString("en-US");
/** `$1,234.56`. */
export const dollars = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
