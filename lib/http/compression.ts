/**
 * Response compression for the large answers (POST /routes): gzip when the client's Accept-Encoding
 * allows it (RFC 9110 12.5.3: `gzip`, `x-gzip` or `*`, with a q-value above 0).
 */
import { gzipSync } from "node:zlib";

export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of acceptEncoding.split(",")) {
    const [coding = "", ...parameters] = part.split(";").map((p) => p.trim().toLowerCase());
    const q = parameters.find((p) => p.startsWith("q="));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const value = Number.isFinite(weight) ? weight : 0;
    if (coding === "gzip" || coding === "x-gzip") gzip = Math.max(gzip ?? 0, value);
    else if (coding === "*") any = value;
  }
  return (gzip ?? any ?? 0) > 0;
}

export function gzipBase64(body: string): string {
  return gzipSync(Buffer.from(body, "utf8")).toString("base64");
}
