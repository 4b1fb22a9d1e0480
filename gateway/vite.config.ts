import { defineConfig } from 'vite';
import { nodeBundleConfig } from '../scripts/node-bundle-config.js';

/** `@edgereco/gateway`'s build: `dist/edgereco-gateway.js`; the Kafka client and the Privacy Pass library stay external (its `dependencies`). */
export default defineConfig(nodeBundleConfig({ root: import.meta.dirname, entry: 'cli.ts', fileName: 'edgereco-gateway.js', external: ['@platformatic/kafka', /^@cloudflare\/privacypass-ts/] }));
