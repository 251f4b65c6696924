import { defineConfig } from "vitest/config";

// The SDK warns once per process that its 2027 releases need Node 22; tests run on Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Real RocketMQ JVMs: `npm run test:interop` (vitest.interop.config.ts).
    exclude: ["test/interop/**", "**/node_modules/**"],
    globalSetup: ["test/support/global-setup.ts"],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: DynamoDB Local (a JVM) shares them with the test workers.
    maxWorkers: 2,
  },
});
