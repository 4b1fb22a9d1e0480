import { isEdgeRecoError } from '../../src/core/errors.js';
import { closestCommand, commandNamed } from './command-lookup.js';
import { COMMANDS } from './commands.js';
import { commandHelp, mainHelp } from './help.js';

const RUN: Record<string, () => Promise<(argv: readonly string[]) => Promise<void>>> = {
  train: async () => (await import('./train.js')).trainCommand,
  neighbours: async () => (await import('./neighbours.js')).neighboursCommand,
  evaluate: async () => (await import('./evaluate.js')).evaluateCommand,
  'evaluate-search': async () => (await import('./evaluate-search.js')).evaluateSearch,
  tiers: async () => (await import('./tiers.js')).tiersCommand,
  'evaluate-rerank': async () => (await import('./evaluate-rerank.js')).evaluateRerankCommand,
  index: async () => (await import('./index-bundle.js')).indexCommand,
};

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(mainHelp(COMMANDS));
    if (name === undefined) process.exitCode = 2;
    return;
  }
  const command = commandNamed(name);
  if (!command) {
    console.error(`edgereco: no command ${name}; did you mean ${closestCommand(name)}? (edgereco --help lists them)`);
    process.exitCode = 2;
    return;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(command));
    return;
  }
  const run = await RUN[command.name]!();
  await run(rest);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(isEdgeRecoError(error) ? error.message : error);
  process.exitCode = 1;
});
