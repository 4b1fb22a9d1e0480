import { defineConfig } from 'vite';

/**
 * `@edgereco/gateway`'s build: one ESM file for Node 20 (`dist/edgereco-gateway.js`), the bin entry bundled with the
 * src/core code it imports. The Kafka client stays external (the package's `dependencies`).
 */
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  logLevel: 'warn',
  ssr: { target: 'node', noExternal: true },
  build: {
    ssr: 'cli.ts',
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: {
      external: ['@platformatic/kafka'],
      output: { entryFileNames: 'edgereco-gateway.js', format: 'es' },
    },
  },
});
