/**
 * Cold-init probe: what a minimal DynamoDB client would load instead of the SDK (docs/performance.md,
 * "Cold init"): SigV4 signing, SHA-256 and DynamoDB JSON marshalling, over the runtime's own fetch.
 * Nothing is sent; the probe measures what importing and constructing it costs.
 */
import { Sha256 } from "@aws-crypto/sha256-js";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { SignatureV4 } from "@smithy/signature-v4";

const signer = new SignatureV4({
  service: "dynamodb",
  region: process.env.AWS_REGION ?? "us-east-1",
  sha256: Sha256,
  credentials: async () => ({
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
    sessionToken: process.env.AWS_SESSION_TOKEN,
  }),
});

export const handler = async (target: string, input: Record<string, unknown>) => {
  const body = JSON.stringify(marshall(input));
  const host = `dynamodb.${process.env.AWS_REGION}.amazonaws.com`;
  const signed = await signer.sign({
    method: "POST",
    protocol: "https:",
    hostname: host,
    path: "/",
    headers: {
      host,
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": `DynamoDB_20120810.${target}`,
    },
    body,
  });
  const response = await fetch(`https://${host}/`, { method: "POST", headers: signed.headers, body });
  return unmarshall((await response.json()) as Record<string, never>);
};
