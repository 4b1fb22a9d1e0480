import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createError, ERROR_CODES } from '../../src/core/errors.js';

/**
 * The `edgereco` bin script, for running the CLI again in a child process (`train --members`): the nearest
 * `edgereco.mjs` above this module. In the repository that is the one next to it (models/cli/); in the installed
 * package, this code sits in the build (dist/edgereco.js or a chunk in dist/chunks/) and the bin at the package's root.
 */
export function cliBin(): string {
  for (const up of ['./', '../', '../../']) {
    const candidate = new URL(`${up}edgereco.mjs`, import.meta.url);
    if (existsSync(candidate)) return fileURLToPath(candidate);
  }
  throw createError(ERROR_CODES.INTERNAL, { problem: `cannot find the edgereco.mjs bin above ${fileURLToPath(import.meta.url)}`, next: 'reinstall @edgereco/cli' });
}
