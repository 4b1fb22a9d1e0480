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
            .replace(/\{type:`module`,name:`edgereco`\}/g, '{type:"module",name:"edgereco"}')
            .replace(/\{type:`module`,/g, '{type:"module",');
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
 * The worker's lazy parts, under stable names (the CDN folder is served as it is, and its name carries the version):
 * `edgereco.<package>.js` for a chunk that starts in a dependency (each TensorFlow.js backend, tfjs-core), else
 * `edgereco.<module>.js` (`edgereco.search-index.js`, `edgereco.model-runtime.js`, …). A store without `modelUrl`
 * loads the worker and the search index (~100 KB); TensorFlow.js only comes with a model, and only the backends tried.
 * A store's Vite build folds them into its worker (its default worker format cannot split); webpack and a plain server
 * follow the `import()`s.
 */
const usedChunkNames = new Set<string>();
const WORKER_CHUNKS = {
  chunkFileNames: (chunk: { name: string; facadeModuleId: string | null; moduleIds: string[] }): string => {
    const pkgOf = (id: string): string | undefined => /[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?([^\\/]+)[\\/]/.exec(id)?.[1];
    // A chunk of shared modules has no facade: name it after the package most of its modules come from.
    const counts = new Map<string, number>();
    for (const id of chunk.moduleIds) {
      const pkg = pkgOf(id);
      if (pkg) counts.set(pkg, (counts.get(pkg) ?? 0) + 1);
    }
    const shared = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
    // Letters, digits and dashes only (Vite's stub for Node built-ins is named `__vite-browser-external_crypto`).
    const part = ((chunk.facadeModuleId ? pkgOf(chunk.facadeModuleId) : shared) ?? chunk.name).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    const base = `edgereco.${part}`;
    let name = base;
    for (let n = 2; usedChunkNames.has(name); n++) name = `${base}-${n}`;
    usedChunkNames.add(name);
    return `${name}.js`;
  },
  minify: true,
};

/**
 * Three library builds (`npm run build` runs all three, then `tsc` writes dist/types). Each is self-contained, so the
 * page never loads a chunk shared with the worker:
 * - default: `dist/edgereco.js`, the ESM facade (what `import { createRecommender } from 'edgereco'` gets);
 * - `--mode worker`: `edgereco.worker.js` in the CDN folder, the engine (MiniSearch, comlink, idb inlined), its lazy
 *   chunks (WORKER_CHUNKS) and its two `.wasm` files;
 * - `--mode embed`: `edgereco.embed.js` in the CDN folder, one classic script for a storefront's script tag.
 * Source maps only with `EDGERECO_SOURCEMAP=1` (they are not shipped in the package).
 */
const ENTRIES = {
  lib: {
    entry: 'src/index.ts', formats: ['es'], fileName: 'edgereco.js', outDir: 'dist',
    required: ['Worker', 'SharedWorker'].map((kind) => new RegExp(`new ${kind}\\(\\s*${urlLiteral(`./cdn/edgereco-${VERSION}/edgereco.worker.js`).source}\\s*,\\s*\\{\\s*type:\\s*["']module["']`)),
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
      rolldownOptions: mode === 'worker' ? { output: WORKER_CHUNKS } : { output: { codeSplitting: false, minify: true } },
      lib: {
        entry: resolve(import.meta.dirname, target.entry),
        formats: [...target.formats],
        name: 'edgerecoEmbed',
        fileName: () => target.fileName,
      },
    },
  };
});
