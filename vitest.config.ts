import { defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` runs in Node (IndexedDB through fake-indexeddb, a fresh database per test); `browser` drives
 * Debian's Chromium with playwright-core against the built bundle served on localhost, with real IndexedDB;
 * `integration` runs the gateway against a real Kafka broker.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          globalSetup: ['test/browser/global-setup.ts'],
        },
      },
      {
        // A real single-node Apache Kafka 4 broker (KRaft), started from Maven Central jars by scripts/kafka/.
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          globalSetup: ['test/integration/kafka-global-setup.ts'],
        },
      },
    ],
  },
});
