/**
 * `npm run test:schema`: the API as an outsider tests it. Schemathesis (PyPI, pinned in
 * test/schema/requirements.txt) reads openapi/openapi.yaml, generates requests for every operation it
 * lists (examples, coverage, fuzzing, and stateful sequences along the document's links) and sends them
 * to a local registry on its own DynamoDB Local. The run fails on any 5xx and on any answer the
 * document does not describe (status code, content type, headers, body schema).
 *
 * Generic over the document: new routes are tested as soon as openapi.yaml lists them.
 *
 * Schemathesis comes from `.venv-schemathesis` (what .ci/run installs:
 * `python3 -m venv .venv-schemathesis && .venv-schemathesis/bin/pip install -r test/schema/requirements.txt`)
 * or from SCHEMATHESIS=<path to st>. Knobs: SCHEMA_MAX_EXAMPLES (per operation, default 50),
 * SCHEMA_SEED (replay), SCHEMA_MAX_TIME (seconds for the whole run), SCHEMA_REPORT_DIR (where the
 * JUnit report goes; .ci/run reads it for its summary line; default a new temporary folder).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { testSeed } from "../support/prng";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ROOT = resolve(fileURLToPath(new URL("../../", import.meta.url)));
const ST = process.env.SCHEMATHESIS ?? join(ROOT, ".venv-schemathesis", "bin", "st");
const CHECKS = [
  "not_a_server_error",
  "status_code_conformance",
  "content_type_conformance",
  "response_headers_conformance",
  "response_schema_conformance",
  "negative_data_rejection",
  "unsupported_method",
  // use_after_free, except after DELETE /topics/{topic}?cluster= (a partial delete): test/schema/hooks.py
  "use_after_whole_delete",
  "ensure_resource_availability",
];

const METHODS = ["get", "put", "post", "delete", "patch", "head", "options"];
/** What API Gateway (or the local server's HTTP parser) may answer on any route, before any handler. */
const GATEWAY_RESPONSES: Record<string, string> = {
  "403": "#/components/responses/Forbidden",
  "429": "#/components/responses/TooManyRequests",
  "431": "#/components/responses/HeadersTooLarge",
};

type Operation = { operationId?: string; security?: unknown[]; responses?: Record<string, unknown> };

/**
 * The document as Schemathesis gets it: openapi.yaml itself, plus the gateway's answers on any
 * operation that does not list them yet (a route another branch just added), each one reported.
 */
function documentForRun(dir: string): string {
  const document = parse(readFileSync(join(ROOT, "openapi", "openapi.yaml"), "utf8")) as {
    paths: Record<string, Record<string, Operation>>;
  };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation === undefined) continue;
      operation.responses ??= {};
      const open = Array.isArray(operation.security) && operation.security.length === 0;
      for (const [status, ref] of Object.entries(GATEWAY_RESPONSES)) {
        if (status === "403" && open) continue;
        if (operation.responses[status] !== undefined) continue;
        operation.responses[status] = { $ref: ref };
        console.warn(
          `openapi.yaml: ${method.toUpperCase()} ${path} does not document ${status} (added for this run)`,
        );
      }
    }
  }
  const file = join(dir, "openapi.yaml");
  writeFileSync(file, stringify(document));
  return file;
}

function run(command: string, args: string[]): Promise<number> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(command, args, { stdio: "inherit", cwd: ROOT });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolveRun(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  if (!existsSync(ST)) {
    process.stderr.write(
      `Schemathesis is not installed (looked for ${ST}). Install it with:\n` +
        "  python3 -m venv .venv-schemathesis && .venv-schemathesis/bin/pip install -r test/schema/requirements.txt\n",
    );
    return 1;
  }
  // Imported after the environment is set: the handlers read their configuration at module scope.
  const { startLocalRegistry } = await import("../../lib/local/registry");
  const registry = await startLocalRegistry({
    tableName: "namesrv-schema",
    dataDir: ":memory:",
    sweepIntervalMs: 5_000,
    logLevel: "CRITICAL",
  });
  const reportDir = process.env.SCHEMA_REPORT_DIR ?? mkdtempSync(join(tmpdir(), "namesrv-schemathesis-"));
  mkdirSync(reportDir, { recursive: true });
  try {
    console.log(`Schemathesis ${ST} against ${registry.url}, report in ${reportDir}`);
    const args = [
      "--config-file",
      join(ROOT, "test", "schema", "schemathesis.toml"),
      "run",
      documentForRun(reportDir),
      "--url",
      registry.url,
      "--checks",
      CHECKS.join(","),
      "--phases",
      "examples,coverage,fuzzing,stateful",
      "--max-examples",
      process.env.SCHEMA_MAX_EXAMPLES ?? "50",
      "--workers",
      "1",
      "--request-timeout",
      "30",
      "--suppress-health-check",
      "too_slow",
      "--output-truncate",
      "true",
      "--report",
      "junit",
      "--report-dir",
      reportDir,
      "--seed",
      String(testSeed("SCHEMA_SEED", "schemathesis")),
      ...(process.env.SCHEMA_MAX_TIME ? ["--max-time", process.env.SCHEMA_MAX_TIME] : []),
    ];
    return await run(ST, args);
  } finally {
    await registry.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`test:schema failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
