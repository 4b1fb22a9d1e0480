import { defineConfig } from 'vite';

/**
 * `@edgereco/cli`'s build: ESM for Node 20 (`dist/edgereco.js` and the chunks of lazily loaded commands), the CLI entry
 * bundled with the src/core and src/model code it imports. TensorFlow.js stays external (the package's `dependencies`): one copy of its backend
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
      // Commands load lazily (`edgereco --help` never loads TensorFlow.js): their chunks go to dist/chunks/.
      output: { entryFileNames: 'edgereco.js', chunkFileNames: 'chunks/[name]-[hash].js', format: 'es' },
    },
  },
});
