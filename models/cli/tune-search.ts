// Chooses the search options on half A of the judged queries only (half B stays held out for evaluate-search):
//   npx tsx models/cli/tune-search.ts [--catalog FILE] [--judgments FILE]
// Prints NDCG@10 on half A for MiniSearch's plain defaults and for each candidate, one option changed at a time from
// the principled starting point (DEFAULT_SEARCH_CONFIG).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SearchConfigInput } from '../../src/search/search-config.js';
import { parseArgs } from './args.js';
import { EVALUATE_SEARCH } from './commands.js';
import { readCatalogFile, readJudgmentsFile } from './read-search-files.js';
import { compare, ourSearch, plainBaseline, scoreQueries } from './search-evaluation.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const OFF = 1000;

const CANDIDATES: [string, SearchConfigInput][] = [
  ['defaults', {}],
  ['combine OR', { combineWith: 'OR' }],
  ['combine AND', { combineWith: 'AND' }],
  ['no typo tolerance', { fuzzyOneEditFrom: OFF, fuzzyTwoEditsFrom: OFF }],
  ['typos on known words too', { fuzzyUnknownTermsOnly: false }],
  ['typos AUTO:4,8', { fuzzyOneEditFrom: 4, fuzzyTwoEditsFrom: 8 }],
  ['no prefix', { prefixMinLength: OFF }],
  ['all boosts 1', { boost: { title: 1, brand: 1, category: 1, attributes: 1, description: 1 } }],
  ['title 3', { boost: { title: 3, brand: 2, category: 1.5, attributes: 1, description: 1 } }],
  ['category 1', { boost: { title: 2, brand: 2, category: 1, attributes: 1, description: 1 } }],
  ['category 3', { boost: { title: 2, brand: 2, category: 3, attributes: 1, description: 1 } }],
  ['brand 1', { boost: { title: 2, brand: 1, category: 1.5, attributes: 1, description: 1 } }],
  ['attributes+description 0.5', { boost: { title: 2, brand: 2, category: 1.5, attributes: 0.5, description: 0.5 } }],
];

const SEARCH_FILES = EVALUATE_SEARCH.options;
const args = parseArgs(
  { name: 'tune-search', summary: 'search options on half A', usage: 'npx tsx models/cli/tune-search.ts [options]', options: { catalog: SEARCH_FILES.catalog!, judgments: SEARCH_FILES.judgments!, only: { type: 'string', doc: 'only the candidates whose name contains this' } } },
  process.argv.slice(2),
);
const items = readCatalogFile(resolve(ROOT, args.str('catalog')));
const judgments = readJudgmentsFile(resolve(ROOT, args.str('judgments')));
const only = args.get('only');
const baseline = scoreQueries(plainBaseline(items), judgments);
const halfA = (q: { half: string }) => q.half === 'A';
console.log(`half A: ${compare(baseline, baseline, halfA).queries} queries; plain MiniSearch NDCG@10 ${compare(baseline, baseline, halfA).baseline.ndcg10.toFixed(4)}`);
for (const [name, options] of CANDIDATES) {
  if (typeof only === 'string' && !name.includes(only)) continue;
  const c = compare(baseline, scoreQueries(await ourSearch(items, options), judgments), halfA);
  console.log(`${name.padEnd(28)} NDCG@10 ${c.ours.ndcg10.toFixed(4)}  judged-only ${c.ours.ndcg10_judged_only.toFixed(4)}  wins ${c.wins} losses ${c.losses}`);
}
