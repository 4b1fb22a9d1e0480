#!/usr/bin/env node
// The `edgereco-gateway` command. Installed from the package, it runs the compiled bundle (dist/edgereco-gateway.js,
// built by `npm run build -w @edgereco/gateway`, which `prepack` runs). In the repository, where cli.ts sits next to
// this file, it runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const source = new URL('./cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('./dist/edgereco-gateway.js');
}
