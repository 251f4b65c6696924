import { defineConfig } from "vitest/config";

// The SDK warns once per process that its 2027 releases need Node 22; tests run on Node 20 on purpose.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

/** Tiers that need DynamoDB Local share one instance (see test/support/global-setup.ts). */
const needsDynamoDb = { globalSetup: ["test/support/global-setup.ts"] };

// Test tiers, each runnable alone: `npm run test:unit` (no DynamoDB Local, no network),
// `test:integration`, `test:e2e`, `test:infra`; `npm test` runs them all.
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: DynamoDB Local (a JVM) shares them with the test workers.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "integration", include: ["test/integration/**/*.test.ts"], ...needsDynamoDb },
      },
      { extends: true, test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], ...needsDynamoDb } },
      { extends: true, test: { name: "infra", include: ["test/infra/**/*.test.ts"], ...needsDynamoDb } },
    ],
  },
});
