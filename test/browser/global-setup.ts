import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { CDN_DIR } from '../../vite.config.js';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve, ROOT } from '../../scripts/serve.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the bundle if it is missing or older than the sources, and serves the repository on localhost. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const built = `${ROOT}/${CDN_DIR}/edgereco.worker.js`;
  if (!existsSync(built) || statSync(built).mtimeMs < newestSource(`${ROOT}/src`)) {
    execSync('npm run build:js --silent', { cwd: ROOT, stdio: 'inherit' });
  }
  const server = (await serve()) as { url: string; close: () => Promise<void> };
  project.provide('baseUrl', server.url);
  return () => server.close();
}
