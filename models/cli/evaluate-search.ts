import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createError, ERROR_CODES } from '../../src/core/errors.js';
import { DEFAULT_SEARCH_CONFIG } from '../../src/search/search-config.js';
import { parseArgs } from './args.js';
import { EVALUATE_SEARCH } from './commands.js';
import { readCatalogFile, readJudgmentsFile } from './read-search-files.js';
import { compare, ourSearch, plainBaseline, scoreQueries } from './search-evaluation.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * `edgereco evaluate-search [--catalog FILE] [--judgments FILE] [--out FILE] [--json]`: graded NDCG@10 over every judged
 * query for MiniSearch's plain default BM25 and for our search configuration, in the same run, with per-query wins and
 * losses, overall and on each half of the queries (A: the half the options were chosen on; B: held out). Prints a
 * summary (or, with `--json`, only the JSON) and writes the JSON to `--out` (default: bench/results/search.json when
 * evaluating the repository's own Icecat data, nowhere for a catalog given with --catalog).
 */
export async function evaluateSearch(argv: readonly string[]): Promise<void> {
  const args = parseArgs(EVALUATE_SEARCH, argv);
  // A path given on the command line is the user's, from where they stand; a default names this repository's own data.
  const path = (name: string, input: boolean): string => {
    if (args.has(name)) return resolve(args.str(name));
    const inRepo = resolve(ROOT, args.str(name));
    if (input && !existsSync(inRepo)) {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: `--${name}`, requirement: 'is needed outside the edgereco repository (its default is the repository\'s demo data)', fix: 'pass --catalog FILE --judgments FILE' });
    }
    return inRepo;
  };
  const catalogPath = path('catalog', true);
  const judgmentsPath = path('judgments', true);
  // The repository's own Icecat figure goes to bench/results/search.json; another catalog's only where --out says.
  const outPath = args.has('out') ? resolve(args.str('out')) : !args.has('catalog') && existsSync(resolve(ROOT, 'bench')) ? resolve(ROOT, 'bench/results/search.json') : undefined;
  const items = readCatalogFile(catalogPath);
  const judgments = readJudgmentsFile(judgmentsPath);

  const baseline = scoreQueries(plainBaseline(items), judgments);
  const ours = scoreQueries(await ourSearch(items), judgments);
  const all = compare(baseline, ours);
  const result = {
    ...all,
    halves: {
      A: { role: 'options chosen on these queries', ...compare(baseline, ours, (q) => q.half === 'A') },
      B: { role: 'held out', ...compare(baseline, ours, (q) => q.half === 'B') },
    },
    protocol:
      'graded NDCG@10, gain 2^grade-1, ideal DCG from the judged grades of the query; unjudged results count as 0 (ndcg10) or are skipped (ndcg10_judged_only); wins/losses by ndcg10',
    catalog: { path: relativeToRoot(catalogPath), items: items.length },
    judgments: relativeToRoot(judgmentsPath),
    config: DEFAULT_SEARCH_CONFIG,
    per_query: baseline.map((b, i) => ({ query: b.query, half: b.half, baseline: round(b.ndcg10), ours: round(ours[i]!.ndcg10) })),
  };
  if (outPath !== undefined) {
    mkdirSync(dirname(outPath), { recursive: true });
    writeFileSync(outPath, `${JSON.stringify(result, null, 2)}\n`);
  }
  if (args.flag('json')) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const line = (name: string, c: typeof all) =>
    `${name.padEnd(14)} ${String(c.queries).padStart(3)} queries  NDCG@10 baseline ${c.baseline.ndcg10.toFixed(4)}  ours ${c.ours.ndcg10.toFixed(4)}` +
    `  (judged-only ${c.baseline.ndcg10_judged_only.toFixed(4)} → ${c.ours.ndcg10_judged_only.toFixed(4)})  wins ${c.wins} losses ${c.losses} ties ${c.ties}`;
  console.log(`catalog ${relativeToRoot(catalogPath)} (${items.length} items), judgments ${relativeToRoot(judgmentsPath)}`);
  console.log(line('all', all));
  console.log(line('half A (tune)', result.halves.A));
  console.log(line('half B (held)', result.halves.B));
  if (outPath !== undefined) console.log(`wrote ${relativeToRoot(outPath)}`);
}

function relativeToRoot(path: string): string {
  return path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
