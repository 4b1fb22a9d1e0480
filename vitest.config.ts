import { defineConfig } from 'vitest/config';

/**
 * Four projects: `unit` runs in Node (IndexedDB through fake-indexeddb, a fresh database per test); `browser` drives
 * Debian's Chromium with playwright-core against the built bundle served on localhost, with real IndexedDB; `package` installs the packed tarballs into fresh shops;
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
        // What a store installs: `npm pack` tarballs in fresh projects made by the test (Vite, webpack, esbuild, a
        // plain CDN page), each driven in Debian's Chromium. The global setup packs the SDK and installs the tools once.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          environment: 'node',
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
          globalSetup: ['test/package/global-setup.ts'],
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
