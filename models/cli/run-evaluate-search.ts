// Runs `evaluate-search` until the CLI's main.ts wires it in: npx tsx models/cli/run-evaluate-search.ts [options]
import { isEdgeRecoError } from '../../src/core/errors.js';
import { evaluateSearch } from './evaluate-search.js';

evaluateSearch(process.argv.slice(2)).catch((error: unknown) => {
  console.error(isEdgeRecoError(error) ? error.message : error);
  process.exitCode = 1;
});
