import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/** The TensorFlow.js WASM binaries, served next to the worker (it points `setWasmPaths` at its own folder). */
function tfjsWasmFiles(): Plugin {
  const dir = resolve(import.meta.dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const files = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'];
  return {
    name: 'edgereco-tfjs-wasm',
    generateBundle() {
      for (const fileName of files) this.emitFile({ type: 'asset', fileName, source: readFileSync(resolve(dir, fileName)) });
    },
  };
}

/**
 * Three library builds into dist/ (`npm run build` runs all three). Each is self-contained, so the page never loads a
 * chunk shared with the worker:
 * - default: `edgereco.js`, the ESM facade (what `import { createRecommender } from 'edgereco'` gets);
 * - `--mode worker`: `edgereco.worker.js`, the engine, started lazily by the facade as a module Worker (TensorFlow.js
 *   only ever lives on this side);
 * - `--mode embed`: `edgereco.embed.js`, one classic script for a storefront's script tag, with the pre-load queue.
 */
const ENTRIES = {
  lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'edgereco.js' },
  worker: { entry: 'src/worker/worker.ts', formats: ['es'], fileName: 'edgereco.worker.js' },
  embed: { entry: 'src/embed.ts', formats: ['iife'], fileName: 'edgereco.embed.js' },
} as const;

export default defineConfig(({ mode }) => {
  const target = mode === 'worker' || mode === 'embed' ? ENTRIES[mode] : ENTRIES.lib;
  return {
    publicDir: false,
    plugins: mode === 'worker' ? [tfjsWasmFiles()] : [],
    build: {
      outDir: 'dist',
      emptyOutDir: target === ENTRIES.lib,
      target: 'es2022',
      minify: true,
      sourcemap: true,
      lib: {
        entry: resolve(import.meta.dirname, target.entry),
        formats: [...target.formats],
        name: 'edgerecoEmbed',
        fileName: () => target.fileName,
      },
    },
  };
});
