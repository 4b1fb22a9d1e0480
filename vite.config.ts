import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

const VERSION = (JSON.parse(readFileSync(resolve(import.meta.dirname, 'package.json'), 'utf8')) as { version: string }).version;
/** The CDN folder: the script-tag loader, the worker and its `.wasm`, stable names, found next to each other. */
export const CDN_DIR = `dist/cdn/edgereco-${VERSION}`;

/** The TensorFlow.js WASM binaries the worker uses (single-threaded; see src/worker/wasm-files.ts), next to it. */
function tfjsWasmFiles(): Plugin {
  const dir = resolve(import.meta.dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const files = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];
  return {
    name: 'edgereco-tfjs-wasm',
    generateBundle() {
      for (const fileName of files) this.emitFile({ type: 'asset', fileName, source: readFileSync(resolve(dir, fileName)) });
    },
  };
}

/**
 * Keeps edgereco's own build off the asset URLs a store's bundler must see, and checks they reach dist/ intact. In the
 * sources they are written `new URL(/\* @vite-ignore *\/ './file', import.meta.url)` (the worker in src/index.ts, the
 * `.wasm` in src/worker/wasm-files.ts): before Vite's own worker and asset plugins run (which would try to bundle them
 * here, and ignore the comment for workers), `pre` swaps each string for a placeholder; `post` puts it back, with the
 * package version in it (`__EDGERECO_VERSION__`). A renamed, folded or rewritten URL would build fine here and fail
 * silently in every store: `generateBundle` fails the build unless each `required` pattern is in the output.
 */
function literalAssetUrls(required: RegExp[]): Plugin[] {
  const literals: string[] = [];
  const marked = /\/\*\s*@vite-ignore\s*\*\/\s*(['"])([^'"]+)\1/g;
  return [
    {
      name: 'edgereco-literal-urls-pre',
      enforce: 'pre',
      transform(code, id) {
        if (!id.includes('/src/')) return null;
        const out = code.replaceAll('__EDGERECO_VERSION__', VERSION).replace(marked, (_, _q, url: string) => `__EDGERECO_LITERAL_${literals.push(url) - 1}__`);
        return out === code ? null : { code: out, map: null };
      },
    },
    {
      name: 'edgereco-literal-urls-post',
      enforce: 'post',
      transform(code) {
        if (!code.includes('__EDGERECO_LITERAL_')) return null;
        return { code: code.replace(/__EDGERECO_LITERAL_(\d+)__/g, (_, i: string) => JSON.stringify(literals[Number(i)])), map: null };
      },
      generateBundle(_, bundle) {
        // The minifier writes strings as template literals; webpack only follows plain string literals here.
        for (const f of Object.values(bundle)) {
          if (f.type !== 'chunk') continue;
          f.code = f.code
            .replace(/new URL\(`([^`$\\]*)`,import\.meta\.url\)/g, (_, url: string) => `new URL(${JSON.stringify(url)},import.meta.url)`)
            .replace(/\{type:`module`,name:`edgereco`\}/g, '{type:"module",name:"edgereco"}');
        }
        const code = Object.values(bundle).map((f) => (f.type === 'chunk' ? f.code : '')).join('\n');
        for (const re of required) if (!re.test(code)) this.error(`edgereco: the build lost the literal ${re} (a store's bundler would not find the file)`);
      },
    },
  ];
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const urlLiteral = (file: string): RegExp => new RegExp(`new URL\\(\\s*["']${esc(file)}["']\\s*,\\s*import\\.meta\\.url\\s*\\)`);

/**
 * Three library builds (`npm run build` runs all three, then `tsc` writes dist/types). Each is self-contained, so the
 * page never loads a chunk shared with the worker:
 * - default: `dist/edgereco.js`, the ESM facade (what `import { createRecommender } from 'edgereco'` gets);
 * - `--mode worker`: `edgereco.worker.js` in the CDN folder, the engine in ONE file (TensorFlow.js, MiniSearch,
 *   comlink, idb inlined: a store's bundler re-bundles it as a worker entry, and Vite's default worker format cannot
 *   split chunks), with its two `.wasm` files;
 * - `--mode embed`: `edgereco.embed.js` in the CDN folder, one classic script for a storefront's script tag.
 * Source maps only with `EDGERECO_SOURCEMAP=1` (they are not shipped in the package).
 */
const ENTRIES = {
  lib: {
    entry: 'src/index.ts', formats: ['es'], fileName: 'edgereco.js', outDir: 'dist',
    required: [new RegExp(`new Worker\\(\\s*${urlLiteral(`./cdn/edgereco-${VERSION}/edgereco.worker.js`).source}\\s*,\\s*\\{\\s*type:\\s*["']module["']`)],
  },
  worker: {
    entry: 'src/worker/worker.ts', formats: ['es'], fileName: 'edgereco.worker.js', outDir: CDN_DIR,
    required: [urlLiteral('./tfjs-backend-wasm.wasm'), urlLiteral('./tfjs-backend-wasm-simd.wasm')],
  },
  embed: { entry: 'src/embed.ts', formats: ['iife'], fileName: 'edgereco.embed.js', outDir: CDN_DIR, required: [] },
} as const;

export default defineConfig(({ mode }) => {
  const target = mode === 'worker' || mode === 'embed' ? ENTRIES[mode] : ENTRIES.lib;
  return {
    publicDir: false,
    // tfjs's emscripten glue reads `__filename` after a `typeof` check; webpack 5 answers the check for it, then
    // leaves the name undefined in an ES module ("__filename is not defined", and no WASM backend). The worker only
    // ever runs in a browser: there is no file name.
    define: mode === 'worker' ? { __filename: 'undefined', __dirname: 'undefined' } : {},
    plugins: [...literalAssetUrls([...target.required]), ...(mode === 'worker' ? [tfjsWasmFiles()] : [])],
    build: {
      outDir: target.outDir,
      emptyOutDir: target === ENTRIES.lib,
      target: 'es2022',
      minify: true,
      sourcemap: process.env.EDGERECO_SOURCEMAP === '1',
      rolldownOptions: { output: { codeSplitting: false, minify: true } },
      lib: {
        entry: resolve(import.meta.dirname, target.entry),
        formats: [...target.formats],
        name: 'edgerecoEmbed',
        fileName: () => target.fileName,
      },
    },
  };
});
