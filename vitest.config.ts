import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each test file starts its own sandbox on port 0; files run in parallel workers.
    pool: 'forks',
    // lz's binary silences the SDK's Node 22 notice (src/cli/main.ts); in-process tests do the same.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
