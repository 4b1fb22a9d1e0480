import { defineConfig } from 'vite';
import { nodeBundleConfig } from '../../scripts/node-bundle-config.js';

/**
 * `@edgereco/cli`'s build: `dist/edgereco.js` and, since commands load lazily (`edgereco --help` never loads
 * TensorFlow.js), their chunks in dist/chunks/. TensorFlow.js stays external (the package's `dependencies`): one copy
 * of its backend registry, and the WASM backend finds its `.wasm` files in its own package folder.
 */
export default defineConfig(
  nodeBundleConfig({ root: import.meta.dirname, entry: 'main.ts', fileName: 'edgereco.js', external: [/^@tensorflow\//], chunkFileNames: 'chunks/[name]-[hash].js' }),
);
