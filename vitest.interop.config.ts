import { defineConfig } from "vitest/config";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

// `npm run test:interop`: real Apache RocketMQ (NameServer, brokers, mqadmin) and a Go client against
// the registry. Not part of `npm test`; .ci/run runs it after. JVMs are heavy: one file at a time.
export default defineConfig({
  test: {
    include: ["test/interop/**/*.interop.test.ts"],
    globalSetup: ["test/interop/support/global-setup.ts"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
    maxWorkers: 1,
  },
});
