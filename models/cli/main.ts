import { isEdgeRecoError } from '../../src/core/errors.js';
import { parseArgs } from './args.js';
import { evaluateCommand } from './evaluate.js';
import { evaluateRerankCommand } from './evaluate-rerank.js';
import { evaluateSearch } from './evaluate-search.js';
import { neighboursCommand } from './neighbours.js';
import { trainCommand } from './train.js';

const USAGE = `usage: edgereco <train|evaluate> --events FILE --format csv|sasrec|s3rec|online-retail [options]
       edgereco neighbours --events FILE --format F --model DIR [--neighbours K] [--select full|sampled]
       edgereco evaluate-search [--catalog FILE --judgments FILE] [--json]
       edgereco evaluate-rerank --events s3rec_Beauty.txt --attributes FILE --model DIR [--json]`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'evaluate-search') return evaluateSearch(rest); // parses its own arguments
  const args = parseArgs(rest);
  if (command === 'evaluate-rerank') return evaluateRerankCommand(args);
  if (command === 'train') return trainCommand(args);
  if (command === 'evaluate') return evaluateCommand(args);
  if (command === 'neighbours') return neighboursCommand(args);
  console.error(USAGE);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(isEdgeRecoError(error) ? error.message : error);
  process.exitCode = 1;
});
