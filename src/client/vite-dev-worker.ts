/**
 * Under `vite dev`, a dependency is pre-bundled into `<cacheDir>/deps/` (by default `node_modules/.vite/deps/`) and
 * served from there, so a worker URL relative to `import.meta.url` points at a file that is not there (404). This
 * finds that case from the module's own URL and returns the worker's URL through Vite's `/@id/` route instead, which
 * resolves the package's `./worker` export with Vite's own resolver (wherever the package is installed: hoisted in a
 * monorepo, pnpm's store). Everywhere else (a production build, webpack, esbuild, a plain server) it returns null.
 */
export function viteDevWorkerUrl(moduleUrl: string): URL | null {
  const url = new URL(moduleUrl);
  if (!/\/\.vite\/deps(?:_[^/]*)?\//.test(url.pathname)) return null;
  // The app's base path is what precedes node_modules/.vite/ (the default cacheDir); with another cacheDir, '/'.
  const base = /^(.*?\/)node_modules\/\.vite\/deps/.exec(url.pathname)?.[1] ?? '/';
  return new URL(`${base}@id/edgereco/worker`, url);
}
