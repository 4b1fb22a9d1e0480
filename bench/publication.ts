/**
 * What the priors publish when nothing deserves it, and what an attacker needs to publish an item nobody viewed:
 * the publication rule (gateway/publication-rule.ts) beside the rule it replaced (max(20, 3σ) per candidate, no
 * correction for their number), on the full Amazon Games population, seeded.
 *
 *   npx tsx bench/publication.ts [--data=../shared/data/amazon/Video.txt] [--runs=20]
 *
 * One simulated day: every Games shopper with a training item (30,983) sends what the SDK sends, an item report and a
 * coin-flipped pair or query report, at the site's ε = 2. Candidates: the 23,715 items, the 4,950 pairs of the 100
 * most popular, a 2,000-query dictionary.
 * - `no_signal`: every shopper reports a random value (a uniformly random catalog item, a random pair key, a uniformly
 *   random dictionary query): every published entry is false (expected counts 1.3 and 7.7, under minCount 20).
 * - `games`: each shopper's item report is one of its own training items (uniformly); pairs and queries are random
 *   keys (the data has neither). An entry is false when its expected count is under 20.
 * - `crafted`: on top of the no-signal day, the smallest number of crafted reports (each supporting one item nobody
 *   viewed) that gets that item published, at the site's ε (other ε are refused since report policy).
 * Imported by bench/aggregator.ts (`npm run bench aggregator`), which writes the figures into aggregator.json.
 */
import { GAMES_DATA, readGamesShoppers } from './games-shoppers.js';
import { buildPriors } from '../gateway/priors-build.js';
import type { PeriodSketches } from '../gateway/period-state.js';
import {
  itemKey, olhHash, olhParams, olhPerturb, olhSeed, olhVariance, OlhSketch, pairKey, queryKey, randomUint32, seededRandom, utcDay, type RandomSource, type ReportKind,
} from '../src/core/ldp/index.js';
import { smallestTrue } from './smallest-true.js';

const EPSILON = 2;
const MIN_COUNT = 20;
export const QUERIES = Array.from({ length: 2000 }, (_, i) => `query ${i + 1}`);
export const NOW = Date.UTC(2026, 10, 27, 12);
export const BASE_SEED = 20_261_206;

export interface Shoppers {
  items: string[];
  /** Each shopper's training items (indexes into `items`). */
  histories: Int32Array[];
  /** Expected item reports per item when each shopper reports one of its items uniformly. */
  expected: Float64Array;
}

export function loadShoppers(path: string = GAMES_DATA): Shoppers {
  const { items, histories } = readGamesShoppers(path);
  const expected = new Float64Array(items.length);
  for (const h of histories) for (const i of h) expected[i]! += 1 / h.length;
  return { items, histories, expected };
}

interface Day {
  sketches: Record<ReportKind, OlhSketch>;
}

export function simulateDay(shoppers: Shoppers, scenario: 'no_signal' | 'games', random: RandomSource): Day {
  const params = olhParams(EPSILON);
  const sketches = { item: new OlhSketch(params), pair: new OlhSketch(params), query: new OlhSketch(params) };
  const itemKeys = shoppers.items.map(itemKey);
  const add = (kind: ReportKind, key: number) => {
    const { seed, value } = olhPerturb(key, params, random);
    sketches[kind].add(seed, value);
  };
  for (const history of shoppers.histories) {
    const item = scenario === 'games' ? history[Math.floor(random() * history.length)]! : Math.floor(random() * itemKeys.length);
    add('item', itemKeys[item]!);
    if (random() < 0.5) add('pair', randomUint32(random));
    else add('query', scenario === 'no_signal' ? queryKey(QUERIES[Math.floor(random() * QUERIES.length)]!) : randomUint32(random));
  }
  return { sketches };
}

export const periodOf = (day: Day): PeriodSketches[] => [{ period: utcDay(NOW), duplicates: 0, falseDropRate: 0, sketches: (['item', 'pair', 'query'] as const).map((kind) => ({ kind, sketch: day.sketches[kind] })) }];

/** What the replaced rule publishes: each candidate on its own, estimate ≥ max(20, 3σ). */
function oldRule(shoppers: Shoppers, day: Day): { items: number[]; pairs: number; queries: number } {
  const params = olhParams(EPSILON);
  const threshold = (n: number) => Math.max(MIN_COUNT, 3 * Math.sqrt(olhVariance(params, n)));
  const items = day.sketches.item.estimates(Uint32Array.from(shoppers.items, itemKey));
  const t = threshold(day.sketches.item.reports);
  const published = [...items.keys()].filter((i) => items[i]! >= t);
  const top = [...items.keys()].sort((a, b) => items[b]! - items[a]!).slice(0, 100).map((i) => shoppers.items[i]!);
  const pairs: number[] = [];
  for (let i = 0; i < top.length; i++) for (let j = i + 1; j < top.length; j++) pairs.push(pairKey(top[i]!, top[j]!));
  const pairEst = day.sketches.pair.estimates(Uint32Array.from(pairs));
  const queryEst = day.sketches.query.estimates(Uint32Array.from(QUERIES, queryKey));
  return {
    items: published,
    pairs: pairEst.filter((e) => e >= threshold(day.sketches.pair.reports)).length,
    queries: queryEst.filter((e) => e >= threshold(day.sketches.query.reports)).length,
  };
}

export interface ScenarioFigures {
  runs: number;
  /** Entries published over all runs, by the rule. */
  published: { items: number; pairs: number; queries: number; total: number };
  /** Published entries whose expected count is under minCount (all of them in the no-signal scenario). */
  false_entries: number;
  old_rule: { items: number; pairs: number; queries: number; total: number; false_entries: number; items_per_run: [number, number] };
  /** m of the publication rule: every candidate of a bundle. */
  candidates: number;
  threshold_item: number;
  sigma_item: number;
  z_item: number;
}

export function measureScenario(shoppers: Shoppers, scenario: 'no_signal' | 'games', runs: number): ScenarioFigures {
  const published = { items: 0, pairs: 0, queries: 0, total: 0 };
  const old = { items: 0, pairs: 0, queries: 0, total: 0, false_entries: 0, items_per_run: [Infinity, 0] as [number, number] };
  let falseEntries = 0;
  let publication = { threshold: 0, sigma: 0, z: 0, candidates: 0 };
  const byId = new Map(shoppers.items.map((id, i) => [id, i]));
  const isFalse = (itemId: string) => scenario === 'no_signal' || shoppers.expected[byId.get(itemId)!]! < MIN_COUNT;
  for (let run = 0; run < runs; run++) {
    const day = simulateDay(shoppers, scenario, seededRandom(BASE_SEED + (scenario === 'games' ? 1000 : 0) + run));
    const bundle = buildPriors(periodOf(day), { items: shoppers.items, queries: QUERIES }, { minCount: MIN_COUNT }, NOW);
    published.items += bundle.items.length;
    published.pairs += bundle.pairs.length;
    published.queries += bundle.queries.length;
    // Pairs and queries carry no signal in either scenario: all false.
    falseEntries += bundle.items.filter((i) => isFalse(i.itemId)).length + bundle.pairs.length + bundle.queries.length;
    const k = bundle.publication!.kinds.item;
    publication = { threshold: k.threshold, sigma: k.sigma, z: k.z, candidates: bundle.publication!.candidates };
    const o = oldRule(shoppers, day);
    old.items += o.items.length;
    old.pairs += o.pairs;
    old.queries += o.queries;
    old.false_entries += o.items.filter((i) => isFalse(shoppers.items[i]!)).length + o.pairs + o.queries;
    old.items_per_run = [Math.min(old.items_per_run[0], o.items.length), Math.max(old.items_per_run[1], o.items.length)];
  }
  published.total = published.items + published.pairs + published.queries;
  old.total = old.items + old.pairs + old.queries;
  return { runs, published, false_entries: falseEntries, old_rule: old, candidates: publication.candidates, threshold_item: publication.threshold, sigma_item: publication.sigma, z_item: publication.z };
}

/**
 * The fewest crafted reports at the site's ε that publish an item nobody viewed, on top of a no-signal day: each
 * crafted report names the target's bucket under its seed (support 1, the most one report can give).
 */
export function craftedReportsNeeded(shoppers: Shoppers, rule: 'new' | 'old'): number {
  const day = simulateDay(shoppers, 'no_signal', seededRandom(BASE_SEED + 77));
  const params = olhParams(EPSILON);
  const target = itemKey('item-nobody-viewed');
  const items = [...shoppers.items, 'item-nobody-viewed'];
  const published = (k: number) => {
    const sketch = new OlhSketch(params, day.sketches.item.counts.slice());
    sketch.reports = day.sketches.item.reports;
    const random = seededRandom(k);
    for (let i = 0; i < k; i++) {
      const seed = Math.floor(random() * params.seeds);
      sketch.add(seed, olhHash(target, olhSeed(seed), params.g));
    }
    if (rule === 'old') return sketch.estimates(Uint32Array.of(target))[0]! >= Math.max(MIN_COUNT, 3 * Math.sqrt(olhVariance(params, sketch.reports)));
    const bundle = buildPriors([{ period: utcDay(NOW), duplicates: 0, falseDropRate: 0, sketches: [{ kind: 'item', sketch }] }], { items, queries: QUERIES }, { minCount: MIN_COUNT }, NOW);
    return bundle.items.some((i) => i.itemId === 'item-nobody-viewed');
  };
  return smallestTrue(published);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dataArg = process.argv.find((a) => a.startsWith('--data='));
  const runsArg = process.argv.find((a) => a.startsWith('--runs='));
  const shoppers = loadShoppers(dataArg ? dataArg.slice('--data='.length) : GAMES_DATA);
  const runs = runsArg ? Number(runsArg.slice('--runs='.length)) : 20;
  console.log(JSON.stringify({
    shoppers: shoppers.histories.length,
    no_signal: measureScenario(shoppers, 'no_signal', runs),
    games: measureScenario(shoppers, 'games', runs),
    crafted_reports_to_publish: { new_rule: craftedReportsNeeded(shoppers, 'new'), old_rule: craftedReportsNeeded(shoppers, 'old') },
  }, null, 2));
}
