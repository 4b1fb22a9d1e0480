#!/usr/bin/env node
// The `edgereco` command. Installed from the package, it runs the compiled bundle (dist/edgereco.js, built by
// `npm run build -w @edgereco/cli`, which `prepack` runs). In the repository, where main.ts sits next to this file, it
// runs the TypeScript sources through tsx, so `npx edgereco` and `npm run train` never run a stale build.
import { existsSync } from 'node:fs';

const source = new URL('./main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('./dist/edgereco.js');
}
