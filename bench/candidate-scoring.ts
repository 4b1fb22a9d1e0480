// Warm scoring for one shopper at 1,000,000 items: the exact path (one [1, d] · [d, V] product on the tfjs backend,
// read back, plus the co-occurrence memory, then the top-k over every score) against candidate scoring
// (`scoreCandidates`, what the worker runs from 50,000 items), in one process, per shopper one path's calls then the other's.
// The table is synthetic and int8-like: 64 floats and a prior per item, each row quantized to int8 and back (as a
// decoded int8 bundle's), around 4,000 cluster centres of uneven sizes; the clusters are the generating ones (a bundle's
// would come from the CLI's k-means). The memory: 20 neighbours per item, mostly in its own cluster, walked 3 steps as
// Games' is, from 20 history items: it reaches more than the 1% of the catalog it may add, as on Games and Beauty.
// Usage: npx tsx bench/candidate-scoring.ts [items] [shoppers] [--backend wasm|cpu]
// Writes bench/results/candidate-scoring.json.
import { writeFileSync } from 'node:fs';
import { useBackend } from '../models/cli/wasm-backend.js';
import { seededRandom } from '../src/core/seeded-random.js';
import { candidateIndex } from '../src/model/candidate-index.js';
import { candidateSettings, clusterCount } from '../src/model/candidate-policy.js';
import { memoryCandidates, scoreCandidates } from '../src/model/candidate-scoring.js';
import { addCooccurrence, memoryTerms, type PlainSasrec } from '../src/model/history-state.js';
import { sasrecConfig } from '../src/model/sasrec-config.js';
import { scoreState, scoringTable } from '../src/model/score-histories.js';

const args = process.argv.slice(2);
const backendAt = args.indexOf('--backend');
const backend = (backendAt >= 0 ? args.splice(backendAt, 2)[1] : 'wasm') as 'wasm' | 'cpu';
const numItems = Number(args[0] ?? 1_000_000);
const shoppers = Number(args[1] ?? 40);
const CALLS = 6; // timed calls per path and shopper, after one untimed (the approximate path's first: cold caches)
const K = 10;
const DIM = 64;
const WIDTH = DIM + 1;
const NEIGHBOURS = 20;

await useBackend(backend);
const random = seededRandom(20261206);
const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

// Items → clusters of uneven sizes (lognormal weights), rows around the centres, int8 per row.
const clusters = clusterCount(numItems);
const weights = Array.from({ length: clusters }, () => Math.exp(gauss()));
const cumulative: number[] = [];
weights.reduce((sum, w, c) => (cumulative[c] = sum + w), 0);
const total = cumulative[clusters - 1]!;
const assignment = new Int32Array(numItems + 1);
const centres = Float32Array.from({ length: clusters * DIM }, () => gauss() * 0.3);
const rows = new Float32Array((numItems + 1) * WIDTH);
const prior = new Float32Array(numItems + 1);
const q = new Int8Array(WIDTH);
for (let i = 1; i <= numItems; i++) {
  const x = random() * total;
  let lo = 0;
  let hi = clusters - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  assignment[i] = lo;
  prior[i] = Math.log1p(Math.floor(1e4 / (1 + random() * 1e4) ** 1.1));
  let max = 0;
  const row = rows.subarray(i * WIDTH, (i + 1) * WIDTH);
  for (let j = 0; j < DIM; j++) max = Math.max(max, Math.abs((row[j] = centres[lo * DIM + j]! + 0.15 * gauss())));
  const scale = max / 127;
  for (let j = 0; j < DIM; j++) row[j] = (q[j] = Math.round(row[j]! / scale)) * scale;
  row[DIM] = prior[i]!;
}
// Each cluster's items, to draw neighbours and histories from.
const members: number[][] = Array.from({ length: clusters }, () => []);
for (let i = 1; i <= numItems; i++) members[assignment[i]!]!.push(i);
const pick = (c: number): number => (members[c]!.length > 0 ? members[c]![Math.floor(random() * members[c]!.length)]! : 1 + Math.floor(random() * numItems));
const offsets = new Int32Array(numItems + 2);
const ids = new Int32Array(numItems * NEIGHBOURS);
const sims = new Float32Array(numItems * NEIGHBOURS);
for (let i = 1; i <= numItems; i++) {
  for (let n = 0; n < NEIGHBOURS; n++) {
    const at = (i - 1) * NEIGHBOURS + n;
    ids[at] = random() < 0.8 ? pick(assignment[i]!) : 1 + Math.floor(random() * numItems);
    sims[at] = 0.3 / (1 + n);
  }
  offsets[i + 1] = i * NEIGHBOURS;
}
const config = sasrecConfig({ numItems, dim: DIM, maxLength: 50, priorWeight: 1, neighbourWeight: 1, neighbourHops: 3, neighbourPathWeight: 0.03 });
const model = { config, table: new Float32Array(0), itemPrior: prior, neighbours: { offsets, ids, sims } } as unknown as PlainSasrec;

const buildStart = performance.now();
const index = candidateIndex(rows, WIDTH, assignment, prior);
const indexBuildMs = performance.now() - buildStart;
const settings = candidateSettings(numItems, index.clusters);
const tableT = scoringTable(model, rows);

/** The k best items not in the history, from the whole catalog's scores (the recommender's loop, without the catalog lookups). */
function topOfAll(scores: Float32Array, seen: Set<number>): number[] {
  const top: { i: number; s: number }[] = [];
  for (let i = 1; i < scores.length; i++) {
    const s = scores[i]!;
    if (top.length === K && s <= top[K - 1]!.s) continue;
    if (seen.has(i)) continue;
    let at = top.length;
    while (at > 0 && top[at - 1]!.s < s) at--;
    top.splice(at, 0, { i, s });
    if (top.length > K) top.pop();
  }
  return top.map((t) => t.i);
}

const exactMs: number[] = [];
const approxMs: number[] = [];
const coldMs: number[] = [];
const scored: number[] = [];
let recalled = 0;
for (let s = 0; s < shoppers; s++) {
  // A shopper: 20 items from 3 clusters; their vector, the mean of the items' rows plus noise, and the prior's weight.
  const home = [0, 1, 2].map(() => Math.floor(random() * clusters));
  const history = Array.from({ length: 20 }, (_, h) => pick(home[h % 3]!));
  const seen = new Set(history);
  const vector = new Float32Array(WIDTH);
  for (const item of history) for (let j = 0; j < DIM; j++) vector[j]! += rows[item * WIDTH + j]! / history.length;
  for (let j = 0; j < DIM; j++) vector[j]! += 0.05 * gauss();
  vector[DIM] = 0.05;
  // What the runtime keeps per history (`lastOrNew`): the memory's terms, and sorted for candidates.
  const terms = memoryTerms(model, history);
  const reached = memoryCandidates(model, history);
  const exact = async (): Promise<number[]> => topOfAll(addCooccurrence(model, history, await scoreState(tableT, vector), terms), seen);
  const approx = (): number[] => {
    const out = scoreCandidates(index, rows, vector, reached, settings);
    scored.push(out.scored);
    return Array.from(out.items).filter((i) => !seen.has(i)).slice(0, K);
  };
  const truth = new Set(await exact());
  recalled += approx().filter((i) => truth.has(i)).length;
  // Each path's calls back to back for the shopper (their median: the warm figure); the first approximate call after
  // the full product, which has streamed the whole table through the caches, is also kept apart (cold caches).
  for (let c = 0; c < CALLS; c++) {
    const t0 = performance.now();
    await exact();
    exactMs.push(performance.now() - t0);
  }
  for (let c = 0; c < CALLS; c++) {
    const t0 = performance.now();
    approx();
    (c === 0 ? coldMs : approxMs).push(performance.now() - t0);
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const round = (x: number): number => Math.round(x * 1000) / 1000;
const result = {
  runtime: `Node ${process.version}`,
  backend,
  items: numItems,
  width: WIDTH,
  clusters: index.clusters,
  settings,
  shoppers,
  calls: exactMs.length,
  exact_ms_p50: round(median(exactMs)),
  exact_ms_p95: round(p95(exactMs)),
  approximate_ms_p50: round(median(approxMs)),
  approximate_ms_p95: round(p95(approxMs)),
  approximate_cold_cache_ms_p50: round(median(coldMs)),
  scored_fraction: round(scored.reduce((a, b) => a + b, 0) / scored.length / numItems),
  recall_at_10: round(recalled / (K * shoppers)),
  index_build_ms: Math.round(indexBuildMs),
};
console.log(JSON.stringify(result, null, 2));
if (numItems === 1_000_000) writeFileSync(new URL('results/candidate-scoring.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
