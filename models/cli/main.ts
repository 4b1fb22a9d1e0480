import { isEdgeRecoError } from '../../src/core/errors.js';
import { parseArgs } from './args.js';
import { evaluateCommand } from './evaluate.js';
import { trainCommand } from './train.js';

const USAGE = `usage: edgereco <train|evaluate> --events FILE --format csv|sasrec|s3rec|online-retail [options]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const args = parseArgs(rest);
  if (command === 'train') return trainCommand(args);
  if (command === 'evaluate') return evaluateCommand(args);
  console.error(USAGE);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(isEdgeRecoError(error) ? error.message : error);
  process.exitCode = 1;
});
