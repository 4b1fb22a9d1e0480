import { defineConfig } from 'vite';

/**
 * `@edgereco/cli`'s build: one ESM file for Node 20 (`dist/edgereco.js`), the CLI entry bundled with the src/core and
 * src/model code it imports. TensorFlow.js stays external (the package's `dependencies`): one copy of its backend
 * registry, and the WASM backend finds its `.wasm` files in its own package folder.
 */
export default defineConfig({
  root: import.meta.dirname,
  publicDir: false,
  logLevel: 'warn',
  ssr: { target: 'node', noExternal: true },
  build: {
    ssr: 'main.ts',
    outDir: 'dist',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    rollupOptions: {
      external: [/^@tensorflow\//],
      output: { entryFileNames: 'edgereco.js', format: 'es' },
    },
  },
});
