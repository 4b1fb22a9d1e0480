import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The `edgereco` bin script, for running the CLI again in a child process (`train --members`): next to this module in
 * the repository (models/cli/), one folder up from the bundle in the installed package (dist/edgereco.js).
 */
export function cliBin(): string {
  const here = new URL('./edgereco.mjs', import.meta.url);
  return fileURLToPath(existsSync(here) ? here : new URL('../edgereco.mjs', import.meta.url));
}
