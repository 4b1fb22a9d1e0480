import { closestOption } from './args.js';
import { COMMANDS } from './commands.js';
import type { CommandSpec } from './option-spec.js';

/** The command called `name`, if there is one. */
export function commandNamed(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** The command whose name is closest to `name` (for "did you mean"). */
export function closestCommand(name: string): string {
  const options = Object.fromEntries(COMMANDS.map((c) => [c.name, { type: 'flag', doc: '' } as const]));
  return closestOption({ name: 'edgereco', summary: '', usage: '', options }, name);
}
