// Tests: unit, integration (DynamoDB Local + local SES through the handlers) and infra; servers start once in global setup.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/support/global-setup.ts"],
    setupFiles: ["test/support/env.ts"],
    include: ["test/**/*.test.ts"],
    pool: "forks",
    // Node 20 is supported on purpose; the SDK would warn in every worker otherwise.
    // The per-organisation request rate is tested on its own (org-limit.test.ts sets it); tests that drive hundreds of
    // requests of one organisation in a second must not meet it.
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
      ORG_REQUESTS_PER_SECOND: "100000",
    },
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // The run against the bundles (npm run test:bundled) keeps results of its own, which CI's summary adds to the first run's.
    reporters: process.env.CI
      ? [
          "default",
          [
            "json",
            {
              outputFile:
                process.env.LOCAL_HANDLERS === "bundled" ? ".vitest-results-bundled.json" : ".vitest-results.json",
            },
          ],
        ]
      : ["default"],
  },
});
