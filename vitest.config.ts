import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts'],
    setupFiles: ['test/setup-env.ts'],
    // Real backends (tokens, TPM, keyring, TLS servers) take seconds to start.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores in CI: a few workers, each test file owns its own backends.
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
