/**
 * Under `vite dev`, a dependency is pre-bundled into `node_modules/.vite/deps/` and served from there, so a worker URL
 * relative to `import.meta.url` points at a file that is not there (Vite 6 and 7 answer 404; Vite 8's optimizer
 * rewrites the literal itself). This finds that case from the module's own URL and returns the worker's URL in the
 * package's own folder, `<base>node_modules/edgereco/dist/cdn/edgereco-<version>/edgereco.worker.js`, which Vite serves
 * as a plain module (not pre-bundled, so no re-optimisation and no page reload); the worker's chunks and `.wasm` are
 * relative to it. Everywhere else (a production build, webpack, esbuild, a plain server) it returns null.
 */
export function viteDevWorkerUrl(moduleUrl: string): URL | null {
  const url = new URL(moduleUrl);
  // The default cacheDir (node_modules/.vite) sits next to the package in the app's node_modules; what precedes it in
  // the path is the app's base.
  const base = /^(.*\/)node_modules\/\.vite\/deps(?:_[^/]*)?\//.exec(url.pathname)?.[1];
  if (base === undefined) return null;
  return new URL(`${base}node_modules/edgereco/dist/cdn/edgereco-__EDGERECO_VERSION__/edgereco.worker.js`, url);
}
