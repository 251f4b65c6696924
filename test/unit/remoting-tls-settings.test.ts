/**
 * The remoting port's TLS settings: `npm start`'s REMOTING_TLS_* variables (parseLocalConfig) and the
 * files they name (loadTlsSettings), each refusal naming the setting to fix.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseLocalConfig, REMOTING_TLS_ENV } from "../../lib/local/config";
import { RemotingClient } from "../../lib/remoting/remoting-client";
import { loadTlsSettings, parseTlsSettings } from "../../lib/remoting/tls-settings";
import { runCli } from "../../lib/tools/cli";
import { makeTestCertificate, type TestCertificate } from "../support/tls-cert";

let certificate: TestCertificate;
beforeAll(() => {
  certificate = makeTestCertificate();
});
afterAll(() => certificate.remove());

describe("REMOTING_TLS_MODE, REMOTING_TLS_CERT, REMOTING_TLS_KEY (npm start)", () => {
  it("plaintext by default, and with REMOTING_TLS_MODE=disabled", () => {
    for (const env of [{}, { REMOTING_TLS_MODE: "disabled" }, { REMOTING_TLS_MODE: "" }]) {
      const result = parseLocalConfig(env);
      expect(result.ok && result.config.remotingTls).toBeUndefined();
    }
  });

  it.each(["permissive", "enforcing"])("%s with both files", (mode) => {
    const result = parseLocalConfig({
      REMOTING_TLS_MODE: mode,
      REMOTING_TLS_CERT: "/etc/namesrv/cert.pem",
      REMOTING_TLS_KEY: "/etc/namesrv/key.pem",
    });
    expect(result.ok && result.config.remotingTls).toEqual({
      mode,
      certPath: "/etc/namesrv/cert.pem",
      keyPath: "/etc/namesrv/key.pem",
    });
  });

  it.each([
    [{ REMOTING_TLS_MODE: "on" }, /REMOTING_TLS_MODE must be disabled, permissive, enforcing, got "on"/],
    [
      { REMOTING_TLS_MODE: "enforcing" },
      /REMOTING_TLS_CERT \(a PEM certificate file\) is required when REMOTING_TLS_MODE is enforcing/,
    ],
    [
      { REMOTING_TLS_MODE: "permissive", REMOTING_TLS_CERT: "c.pem" },
      /REMOTING_TLS_KEY \(a PEM private key file, unencrypted\) is required when REMOTING_TLS_MODE is permissive/,
    ],
    [
      { REMOTING_TLS_CERT: "c.pem", REMOTING_TLS_KEY: "k.pem" },
      /REMOTING_TLS_CERT and REMOTING_TLS_KEY are set but REMOTING_TLS_MODE is disabled/,
    ],
  ])("refuses %o with a message naming the variable", (env, message) => {
    const result = parseLocalConfig(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.join("\n")).toMatch(message);
  });

  it("names flags the same way for namesrv gateway", () => {
    const names = { mode: "--tls-mode", cert: "--tls-cert", key: "--tls-key" };
    expect(parseTlsSettings({ mode: "enforcing", key: "k.pem" }, names)).toEqual({
      ok: false,
      errors: ["--tls-cert (a PEM certificate file) is required when --tls-mode is enforcing"],
    });
  });
});

describe("loadTlsSettings", () => {
  it("reads a certificate and key that make a pair", async () => {
    const tls = await loadTlsSettings(
      { mode: "enforcing", certPath: certificate.certPath, keyPath: certificate.keyPath },
      REMOTING_TLS_ENV,
    );
    expect(tls).toEqual({ mode: "enforcing", cert: certificate.cert, key: certificate.key });
  });

  it("names the variable of a file it cannot read", async () => {
    const missing = join(certificate.dir, "missing.pem");
    await expect(
      loadTlsSettings(
        { mode: "permissive", certPath: missing, keyPath: certificate.keyPath },
        REMOTING_TLS_ENV,
      ),
    ).rejects.toThrow(`REMOTING_TLS_CERT: cannot read "${missing}"`);
    await expect(
      loadTlsSettings(
        { mode: "permissive", certPath: certificate.certPath, keyPath: missing },
        REMOTING_TLS_ENV,
      ),
    ).rejects.toThrow(`REMOTING_TLS_KEY: cannot read "${missing}"`);
  });

  it("refuses a key that is not the certificate's, or a file that is not PEM", async () => {
    const other = makeTestCertificate();
    const garbage = join(certificate.dir, "garbage.pem");
    writeFileSync(garbage, "not a certificate\n");
    try {
      for (const [certPath, keyPath] of [
        [certificate.certPath, other.keyPath],
        [garbage, certificate.keyPath],
        [certificate.certPath, garbage],
      ] as const) {
        await expect(
          loadTlsSettings({ mode: "enforcing", certPath, keyPath }, REMOTING_TLS_ENV),
        ).rejects.toThrow(
          /REMOTING_TLS_CERT and REMOTING_TLS_KEY: not a usable PEM certificate and private key/,
        );
      }
    } finally {
      other.remove();
    }
  });
});

/** `namesrv gateway` in this process until `stop()`; resolves once it printed where it listens. */
async function gateway(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const abort = new AbortController();
  let listening: (port: number) => void = () => {};
  const port = new Promise<number>((resolve) => {
    listening = resolve;
  });
  const exited = runCli(["gateway", "--listen", "127.0.0.1:0", "--url", "http://127.0.0.1:1", ...argv], {
    env,
    stdout: (text) => {
      out.push(text);
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(text);
      if (match !== null) listening(Number(match[1]));
    },
    stderr: (text) => void err.push(text),
    signal: abort.signal,
  });
  const ready = Promise.race([port, exited.then(() => Promise.reject(new Error(err.join(""))))]);
  // Awaited only by the tests that expect the gateway to start.
  ready.catch(() => {});
  return {
    exited,
    port: ready,
    out,
    err,
    stop: async () => {
      abort.abort();
      return exited;
    },
  };
}

describe("namesrv gateway --tls-mode, --tls-cert, --tls-key", () => {
  it.each([
    [["--tls-mode", "strict"], {}, /--tls-mode must be disabled, permissive, enforcing, got "strict"/],
    [
      ["--tls-mode", "enforcing"],
      {},
      /--tls-cert \(a PEM certificate file\) is required when --tls-mode is enforcing/,
    ],
    [
      [],
      { NAMESRV_GATEWAY_TLS_MODE: "permissive", NAMESRV_GATEWAY_TLS_CERT: "c.pem" },
      /NAMESRV_GATEWAY_TLS_MODE is permissive/,
    ],
    [
      ["--tls-cert", "c.pem", "--tls-key", "k.pem"],
      {},
      /--tls-cert and --tls-key are set but --tls-mode is disabled/,
    ],
  ])("exits 2 on %j %j, naming the setting", async (argv, env, message) => {
    const run = await gateway(argv, env);
    expect(await run.exited).toBe(2);
    expect(run.err.join("")).toMatch(message);
  });

  it("exits 1 naming the flag of a certificate it cannot read", async () => {
    const run = await gateway([
      "--tls-mode",
      "enforcing",
      "--tls-cert",
      "/nonexistent/cert.pem",
      "--tls-key",
      certificate.keyPath,
    ]);
    expect(await run.exited).not.toBe(0);
    expect(run.err.join("")).toMatch(/--tls-cert: cannot read "\/nonexistent\/cert.pem"/);
  });

  it("serves TLS only with --tls-mode enforcing, and reads NAMESRV_GATEWAY_TLS_* when no flag is given", async () => {
    for (const [argv, env] of [
      [["--tls-mode", "enforcing", "--tls-cert", certificate.certPath, "--tls-key", certificate.keyPath], {}],
      [
        [],
        {
          NAMESRV_GATEWAY_TLS_MODE: "enforcing",
          NAMESRV_GATEWAY_TLS_CERT: certificate.certPath,
          NAMESRV_GATEWAY_TLS_KEY: certificate.keyPath,
        },
      ],
    ] as const) {
      const run = await gateway([...argv], env);
      try {
        const port = await run.port;
        expect(run.out.join("")).toMatch(/; TLS only/);
        const secure = new RemotingClient(`127.0.0.1:${port}`, {
          tls: { ca: certificate.cert },
          timeoutMs: 2000,
        });
        const plain = new RemotingClient(`127.0.0.1:${port}`, { timeoutMs: 2000, connectTimeoutMs: 2000 });
        try {
          // A code no processor takes: answered by the gateway itself, the registry never asked.
          expect((await secure.invoke(9999)).code).toBe(3);
          await expect(plain.invoke(9999)).rejects.toThrow(/closed|cannot connect/);
        } finally {
          secure.close();
          plain.close();
        }
      } finally {
        expect(await run.stop()).toBe(0);
      }
    }
  });
});
