// Node timings of the search index on a catalog (not the browser figures of `npm run bench`):
//   npx tsx models/cli/bench-search.ts [--catalog FILE] [--judgments FILE] [--builds 3]
// index_build_ms: median of --builds full builds; suggest_ms_p50: every prefix of every judged query, typed one
// character at a time; search_ms_p50: every judged query, top 100 (the re-rank depth), after one warm-up pass.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SearchIndex } from '../../src/search/search-index.js';
import { parseArgs } from './args.js';
import { EVALUATE_SEARCH } from './commands.js';
import { readCatalogFile, readJudgmentsFile } from './read-search-files.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SEARCH_FILES = EVALUATE_SEARCH.options;
const args = parseArgs(
  { name: 'bench-search', summary: 'Node timings of the search index', usage: 'npx tsx models/cli/bench-search.ts [options]', options: { catalog: SEARCH_FILES.catalog!, judgments: SEARCH_FILES.judgments!, builds: { type: 'integer', min: 1, default: 3, doc: 'full index builds (the median is reported)' } } },
  process.argv.slice(2),
);
const items = readCatalogFile(resolve(ROOT, args.str('catalog')));
const queries = [...readJudgmentsFile(resolve(ROOT, args.str('judgments'))).keys()];

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const round = (x: number): number => Math.round(x * 1000) / 1000;

const builds: number[] = [];
let index = new SearchIndex([]);
for (let i = 0; i < args.num('builds'); i++) {
  const t0 = performance.now();
  index = new SearchIndex(items);
  builds.push(performance.now() - t0);
}

const prefixes = queries.flatMap((q) => Array.from({ length: q.length }, (_, i) => q.slice(0, i + 1)));
for (const p of prefixes) index.suggest(p);
const suggestTimes = prefixes.map((p) => {
  const t0 = performance.now();
  index.suggest(p);
  return performance.now() - t0;
});

const multi = suggestTimes.filter((_, i) => /\S\s+\S/.test(prefixes[i]!));

for (const q of queries) index.search(q, { k: 100 });
const searchTimes = queries.map((q) => {
  const t0 = performance.now();
  index.search(q, { k: 100 });
  return performance.now() - t0;
});

const result = {
  runtime: `Node ${process.version}`,
  items: items.length,
  index_build_ms: round(percentile(builds, 0.5)),
  index_build_ms_all: builds.map(round),
  suggest_calls: prefixes.length,
  suggest_ms_p50: round(percentile(suggestTimes, 0.5)),
  suggest_ms_p95: round(percentile(suggestTimes, 0.95)),
  // Prefixes with a word before the last one also run an exact AND search over those words (the context).
  suggest_multiword_calls: multi.length,
  suggest_multiword_ms_p50: round(percentile(multi, 0.5)),
  search_calls: queries.length,
  search_ms_p50: round(percentile(searchTimes, 0.5)),
  search_ms_p95: round(percentile(searchTimes, 0.95)),
  heap_used_mb: Math.round(process.memoryUsage().heapUsed / 1e6),
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true });
writeFileSync(resolve(ROOT, 'bench/results/search-latency-node.json'), `${JSON.stringify(result, null, 2)}\n`);
