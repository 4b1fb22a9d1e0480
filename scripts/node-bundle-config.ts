import type { UserConfig } from 'vite';

/**
 * The build of a Node package of this repository (`@edgereco/cli`, `@edgereco/gateway`): its bin entry bundled with
 * the src/ code it imports into ESM for Node 20 in the package's `dist/`; `external` stays out (the package's
 * `dependencies`). Each package's `vite.config.ts` names only what differs.
 */
export function nodeBundleConfig(options: {
  root: string;
  entry: string;
  fileName: string;
  external: (string | RegExp)[];
  chunkFileNames?: string;
}): UserConfig {
  return {
    root: options.root,
    publicDir: false,
    logLevel: 'warn',
    ssr: { target: 'node', noExternal: true },
    build: {
      ssr: options.entry,
      outDir: 'dist',
      emptyOutDir: true,
      target: 'node20',
      minify: false,
      sourcemap: false,
      rollupOptions: {
        external: options.external,
        output: { entryFileNames: options.fileName, format: 'es', ...(options.chunkFileNames ? { chunkFileNames: options.chunkFileNames } : {}) },
      },
    },
  };
}
