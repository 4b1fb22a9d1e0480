/**
 * The private modes side by side on one simulated period (issue 16): every Amazon Games shopper with a training item
 * (30,983) is one browser that contributes what the SDK would send in one period, all aggregated as one period.
 *
 * - `local_only`: today's reports without a relay: one item report (one of the shopper's items, uniformly) and one
 *   pair-or-query report, OLH at ε = 2 each. The guarantee is the local ε alone.
 * - `shuffled`: the same two reports at a larger local ε0, sent through an OHTTP relay, so the gateway holds n
 *   anonymous reports per kind it cannot link to a sender or to each other; central ε from the clones bound of
 *   Feldman, McMillan & Talwar (src/core/ldp/shuffle-amplification.ts), composed over the shopper's two reports.
 *   ε0 is the largest that keeps the shopper's central ε ≤ 2 at this population.
 * - `secure_aggregation`: up to `k` of the shopper's items per period as one 0/1 vector over the catalog, split
 *   between two servers (Prio3SumVec, bits 1: each entry proven 0 or 1), summed exactly, and discrete Gaussian noise
 *   added by each of the two aggregators, each calibrated for (2, 10⁻⁶) at L2 sensitivity √(2k) (replacing one
 *   shopper's vector), as gateway/secure-aggregation.ts does (so neither, knowing its own noise, learns more): the
 *   sum carries σ√2. Bytes and CPU are measured with the shipped code (src/core/secure/report.ts: the report as the
 *   browser sends it; gateway/secure-aggregation.ts: each aggregator's preparation) on a catalog-sized vector.
 *
 * Truth for every mode: the exact counts of the same contributions. Publication: the bundle's rule (gateway/
 * publication-rule.ts through buildPriors for the OLH modes, over m = items, pairs of the top 100 and 2,000 queries;
 * for the Gaussian sum the leader's rule (gateway/secure-aggregate.ts): the α/m union bound with the discrete
 * Gaussian's sub-Gaussian tail, margin σ·√(2·ln(m/α)), over m = the task's items, the catalog).
 */
import { readGamesShoppers, type GamesShoppers } from './games-shoppers.js';
import { generateKey } from '../gateway/ohttp-key.js';
import { toBase64url } from '../src/core/base64url.js';
import { buildSecureReport, type SecureTask } from '../src/core/secure/report.js';
import { SecureAggregator } from '../gateway/secure-aggregation.js';
import { buildPriors } from '../gateway/priors-build.js';
import type { PeriodSketches } from '../gateway/period-state.js';
import {
  itemKey, olhHash, olhParams, olhPerturb, olhSeed, olhVariance, OlhSketch, queryKey, randomUint32, seededRandom, utcDay, type RandomSource, type ReportKind,
} from '../src/core/ldp/index.js';
import { largestLocalEpsilon, shuffledEpsilon } from '../src/core/ldp/shuffle-amplification.js';
import { gaussianSigma, roundedGaussian } from './central-gaussian.js';
import { popularityHitRate, spearmanOver, topK, topKRecall } from './privacy-metrics.js';
import { smallestTrue } from './smallest-true.js';

export const TARGET = { central_epsilon: 2, delta: 1e-6, top100_recall: 0.8, hr10_ratio: 0.9 } as const;
const MIN_COUNT = 20;
const ALPHA = 0.01;
const QUERIES = Array.from({ length: 2000 }, (_, i) => `query ${i + 1}`);
const NOW = Date.UTC(2026, 10, 27, 12);
const BASE_SEED = 20_261_206;
/** Bytes an OHTTP-encapsulated item report adds to its JSON (RFC 9458 header 7, HPKE enc 32, AEAD tag 16, BHTTP framing ≈ 60). */
const OHTTP_OVERHEAD = 115;
/** One v2 report as the SDK sends it (JSON, measured on the wire in test/unit/sync). */
const REPORT_JSON_BYTES = 150;

export type Games = GamesShoppers;

/** The Games shoppers (bench/games-shoppers.ts). */
export const loadGames = (path: string): Games => readGamesShoppers(path);

/** Up to k of a shopper's items, uniformly without replacement (the SDK's per-period contribution limit). */
function pick(history: Int32Array, k: number, random: RandomSource): number[] {
  const a = Array.from(history);
  const m = Math.min(k, a.length);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, m);
}

export interface ModeFigures {
  central_epsilon: number | null;
  delta: number | null;
  local_epsilon: number | null;
  /** Items a shopper contributes per period. */
  items_per_shopper: number;
  bytes_per_shopper: number;
  top100_recall: number;
  spearman: number;
  /** HR@10 of a first-time visitor shown the published top 10; `hr10_raw`: the top 10 of the exact counts. */
  hr10_priors: number;
  hr10_raw: number;
  published_items: number;
  threshold: number;
  meets_target: boolean;
}

const standardNormal = (random: RandomSource): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

function figures(games: Games, truth: Float64Array, estimates: Float64Array, published: Float64Array, rest: Omit<ModeFigures, 'top100_recall' | 'spearman' | 'hr10_priors' | 'hr10_raw' | 'meets_target' | 'published_items'>): ModeFigures {
  const hr10Raw = popularityHitRate(truth, games.heldOut);
  // A first-time visitor is shown the published top 10 (fewer when fewer are published; none when none is).
  const shown = new Set(topK(published, 10).filter((i) => published[i]! > 0));
  const hr10Priors = games.heldOut.reduce((n, item) => n + (shown.has(item) ? 1 : 0), 0) / games.heldOut.length;
  const recall = topKRecall(truth, estimates, 100);
  const central = rest.central_epsilon;
  return {
    ...rest,
    top100_recall: round(recall),
    spearman: round(spearmanOver(topK(truth, 100), truth, estimates)),
    hr10_priors: round(hr10Priors),
    hr10_raw: round(hr10Raw),
    published_items: published.reduce((n, v) => n + (v > 0 ? 1 : 0), 0),
    meets_target: central !== null && central <= TARGET.central_epsilon && (rest.delta ?? 1) <= TARGET.delta && recall >= TARGET.top100_recall && hr10Priors >= TARGET.hr10_ratio * hr10Raw,
  };
}

/** The pair-or-query report's value when the data has none: a random key (the SDK's behaviour). */
function otherReport(random: RandomSource, noSignal: boolean): { kind: ReportKind; key: number } {
  if (random() < 0.5) return { kind: 'pair', key: randomUint32(random) };
  return { kind: 'query', key: noSignal ? queryKey(QUERIES[Math.floor(random() * QUERIES.length)]!) : randomUint32(random) };
}

/** One period of OLH reports at ε (one item report and one pair-or-query report per shopper). */
function olhPeriod(games: Games, epsilon: number, random: RandomSource, noSignal: boolean): { sketches: Record<ReportKind, OlhSketch>; truth: Float64Array } {
  const params = olhParams(epsilon);
  const sketches = { item: new OlhSketch(params), pair: new OlhSketch(params), query: new OlhSketch(params) };
  const keys = games.items.map(itemKey);
  const truth = new Float64Array(games.items.length);
  const add = (kind: ReportKind, key: number) => {
    const r = olhPerturb(key, params, random);
    sketches[kind].add(r.seed, r.value);
  };
  for (const history of games.histories) {
    const item = noSignal ? Math.floor(random() * keys.length) : pick(history, 1, random)[0]!;
    truth[item]! += 1;
    add('item', keys[item]!);
    const other = otherReport(random, noSignal);
    add(other.kind, other.key);
  }
  return { sketches, truth };
}

function bundleOf(games: Games, sketches: Record<ReportKind, OlhSketch>) {
  const periods: PeriodSketches[] = [{ period: utcDay(NOW), duplicates: 0, falseDropRate: 0, sketches: (['item', 'pair', 'query'] as const).map((kind) => ({ kind, sketch: sketches[kind] })) }];
  return buildPriors(periods, { items: games.items, queries: QUERIES }, { minCount: MIN_COUNT, alpha: ALPHA }, NOW);
}

function publishedScores(games: Games, bundle: ReturnType<typeof buildPriors>): Float64Array {
  const out = new Float64Array(games.items.length);
  for (const e of bundle.items) out[Number(e.itemId) - 1] = e.count;
  return out;
}

/** Central ε of a shopper's period in the shuffled mode: its item report among n_item, its other among n_other. */
export function shuffledShopperEpsilon(nItem: number, nOther: number, epsilon0: number, delta: number): number {
  return shuffledEpsilon(nItem, epsilon0, delta / 2) + shuffledEpsilon(nOther, epsilon0, delta / 2);
}

/** The largest ε0 (to 0.01) whose shopper-level central ε stays within `epsilon` at δ. */
export function shuffledLocalEpsilon(nItem: number, nOther: number, epsilon: number, delta: number): number {
  let lo = 0.1;
  let hi = Math.min(10, largestLocalEpsilon(Math.min(nItem, nOther), epsilon, delta / 2) + 1);
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (shuffledShopperEpsilon(nItem, nOther, mid, delta) <= epsilon) lo = mid;
    else hi = mid;
  }
  return Math.floor(lo * 100) / 100;
}

export function measureLocal(games: Games, epsilon = 2): ModeFigures {
  const { sketches, truth } = olhPeriod(games, epsilon, seededRandom(BASE_SEED + 1), false);
  const bundle = bundleOf(games, sketches);
  const est = sketches.item.estimates(Uint32Array.from(games.items, itemKey));
  return figures(games, truth, est, publishedScores(games, bundle), {
    central_epsilon: null, delta: null, local_epsilon: epsilon, items_per_shopper: 1, bytes_per_shopper: 2 * REPORT_JSON_BYTES, threshold: bundle.publication!.kinds.item.threshold,
  });
}

export function measureShuffled(games: Games, epsilon0: number): ModeFigures & { central_epsilon_item_report: number; reports: Record<ReportKind, number> } {
  const { sketches, truth } = olhPeriod(games, epsilon0, seededRandom(BASE_SEED + 2), false);
  const bundle = bundleOf(games, sketches);
  const est = sketches.item.estimates(Uint32Array.from(games.items, itemKey));
  const nOther = Math.min(sketches.pair.reports, sketches.query.reports);
  const central = shuffledShopperEpsilon(sketches.item.reports, nOther, epsilon0, TARGET.delta);
  return {
    ...figures(games, truth, est, publishedScores(games, bundle), {
      central_epsilon: round(central, 3), delta: TARGET.delta, local_epsilon: epsilon0, items_per_shopper: 1,
      bytes_per_shopper: 2 * (REPORT_JSON_BYTES + OHTTP_OVERHEAD), threshold: bundle.publication!.kinds.item.threshold,
    }),
    central_epsilon_item_report: round(shuffledEpsilon(sketches.item.reports, epsilon0, TARGET.delta / 2), 3),
    reports: { item: sketches.item.reports, pair: sketches.pair.reports, query: sketches.query.reports },
  };
}

/** The secure-aggregation sum with its noise, and what the rule publishes. */
/** The aggregators that each add noise of σ to the secure mode's sums (gateway/secure-aggregation.ts). */
const SECURE_AGGREGATORS = 2;

/** σ of the secure mode's published sums for k items per shopper: each aggregator's σ, √2 times. */
function secureSigma(k: number): { each: number; total: number } {
  const each = gaussianSigma(Math.sqrt(2 * k), TARGET.central_epsilon, TARGET.delta);
  return { each, total: each * Math.sqrt(SECURE_AGGREGATORS) };
}

function gaussianPeriod(games: Games, k: number, sigma: { each: number; total: number }, random: RandomSource, noSignal: boolean) {
  const truth = new Float64Array(games.items.length);
  for (const history of games.histories) {
    if (noSignal) {
      const seen = new Set<number>();
      while (seen.size < Math.min(k, history.length)) seen.add(Math.floor(random() * games.items.length));
      for (const i of seen) truth[i]! += 1;
    } else for (const i of pick(history, k, random)) truth[i]! += 1;
  }
  const noisy = Float64Array.from(truth, (c) => {
    let x = c;
    for (let a = 0; a < SECURE_AGGREGATORS; a++) x += roundedGaussian(sigma.each, random);
    return x;
  });
  // As the leader publishes (gateway/secure-aggregate.ts): α over every item of the task's domain, the catalog here.
  const threshold = MIN_COUNT + sigma.total * Math.sqrt(2 * Math.log(games.items.length / ALPHA));
  const published = Float64Array.from(noisy, (c) => (c >= threshold ? c : 0));
  return { truth, noisy, published, threshold };
}

export interface Prio3Cost {
  length: number;
  /** Bytes of one report: the leader's and the helper's input shares, the public share, HPKE (enc + tag) for each. */
  report_bytes: number;
  client_shard_ms: number;
  /** Per report and aggregator: prepareInit + prepareNext. */
  server_prepare_ms: number;
  library: string;
}

/**
 * One report over the catalog as the browser builds it (`buildSecureReport`: Prio3SumVec with bits 1, each share
 * sealed with HPKE) and as each aggregator opens and prepares it (`SecureAggregator`), in-process: the bytes are the
 * report's JSON as it is sent (before OHTTP), the times the medians of `runs`.
 */
export async function measurePrio3(length: number, k: number, runs = 3): Promise<Prio3Cost> {
  const keys = await Promise.all([1, 2].map((keyId) => generateKey(keyId)));
  const taskId = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const task: SecureTask = { taskId, length, maxItems: k, leaderKey: keys[0]!.config, helperKey: keys[1]!.config };
  const verifyKey = toBase64url(globalThis.crypto.getRandomValues(new Uint8Array(16)));
  const [leader, helper] = ([0, 1] as const).map((role) => new SecureAggregator(role, { taskId, length, key: keys[role]!, verifyKey, sigma: 1 }));
  const shards: number[] = [];
  const prepares: number[] = [];
  let bytes = 0;
  for (let run = 0; run < runs; run++) {
    const items = Array.from({ length: Math.min(k, length) }, (_, i) => (i * 7919 + run) % length);
    let t = performance.now();
    const report = await buildSecureReport(task, '2026-11-27', items);
    shards.push(performance.now() - t);
    bytes = JSON.stringify(report).length;
    const job = `bench-${run}`;
    for (const a of [leader!, helper!]) a.startJob(job, report.period, [report.nonce]);
    t = performance.now();
    const mine = await leader!.prepare(job, report.nonce, report.publicShare, report.leaderShare);
    const theirs = await helper!.prepare(job, report.nonce, report.publicShare, report.helperShare);
    const message = await helper!.combine([mine.share, theirs.share]);
    leader!.finish(job, report.nonce, mine.state, message);
    helper!.finish(job, report.nonce, theirs.state, message);
    prepares.push((performance.now() - t) / 2);
    for (const a of [leader!, helper!]) a.commit(job, [report.nonce]);
  }
  const sums = [leader!, helper!].map((a) => a.collect('2026-11-27').share);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  if (sums[0]!.length !== length) throw new Error('the secure round trip lost the vector');
  return { length, report_bytes: bytes, client_shard_ms: Math.round(median(shards)), server_prepare_ms: Math.round(median(prepares)), library: '@divviup/prio3 0.8.0 (Prio3SumVec, bits 1) through src/core/secure/report.ts and gateway/secure-aggregation.ts' };
}

export function measureSecureAggregation(games: Games, k: number, cost: Prio3Cost): ModeFigures & { sigma: number; sigma_each: number; server_cpu_hours_per_aggregator: number } {
  const sigma = secureSigma(k);
  const run = gaussianPeriod(games, k, sigma, seededRandom(BASE_SEED + 3 + k), false);
  return {
    ...figures(games, run.truth, run.noisy, run.published, {
      central_epsilon: TARGET.central_epsilon, delta: TARGET.delta, local_epsilon: null, items_per_shopper: k,
      bytes_per_shopper: cost.report_bytes, threshold: round(run.threshold, 1),
    }),
    sigma: round(sigma.total, 2),
    sigma_each: sigma.each,
    server_cpu_hours_per_aggregator: round((games.histories.length * cost.server_prepare_ms) / 3_600_000, 2),
  };
}

/** Entries published over `runs` no-signal periods (every shopper reports random values). */
export function noSignal(games: Games, runs: number, mode: { shuffled: number } | { secureK: number }): number {
  let entries = 0;
  for (let run = 0; run < runs; run++) {
    const random = seededRandom(BASE_SEED + 5000 + run);
    if ('shuffled' in mode) {
      const bundle = bundleOf(games, olhPeriod(games, mode.shuffled, random, true).sketches);
      entries += bundle.items.length + bundle.pairs.length + bundle.queries.length;
    } else {
      const sigma = secureSigma(mode.secureK);
      entries += gaussianPeriod(games, mode.secureK, sigma, random, true).published.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);
    }
  }
  return entries;
}

/**
 * The fewest crafted reports that publish an item nobody viewed on top of a no-signal period. OLH modes: each crafted
 * report names the target's bucket under its seed (the most one report can give). Secure aggregation: each crafted
 * report adds 1 to the target (Prio3's proof refuses any entry but 0 or 1); published when the noisy sum reaches the
 * threshold (median over the noise).
 */
export function craftedToPublish(games: Games, mode: { olh: number } | { secureK: number }): number {
  const target = 'item-nobody-viewed';
  if ('secureK' in mode) {
    const sigma = secureSigma(mode.secureK).total;
    return Math.ceil(MIN_COUNT + sigma * Math.sqrt(2 * Math.log(games.items.length / ALPHA)));
  }
  const base = olhPeriod(games, mode.olh, seededRandom(BASE_SEED + 77), true).sketches;
  const params = olhParams(mode.olh);
  const key = itemKey(target);
  const published = (n: number) => {
    const item = new OlhSketch(params, base.item.counts.slice());
    item.reports = base.item.reports;
    const random = seededRandom(n);
    for (let i = 0; i < n; i++) {
      const seed = Math.floor(random() * params.seeds);
      item.add(seed, olhHash(key, olhSeed(seed), params.g));
    }
    const bundle = buildPriors(
      [{ period: utcDay(NOW), duplicates: 0, falseDropRate: 0, sketches: [{ kind: 'item', sketch: item }, { kind: 'pair', sketch: base.pair }, { kind: 'query', sketch: base.query }] }],
      { items: [...games.items, target], queries: QUERIES }, { minCount: MIN_COUNT, alpha: ALPHA }, NOW,
    );
    return bundle.items.some((i) => i.itemId === target);
  };
  return smallestTrue(published);
}

/**
 * The population at which the shuffled mode meets the targets: counts and report numbers multiplied by `multiple`,
 * ε0 re-chosen for central ε ≤ 2 at that population, OLH's exact variance as Gaussian noise (mean over 5 seeds).
 */
export function shuffledScaleUp(games: Games): { multiple: number; shoppers: number; local_epsilon: number; top100_recall: number; hr10_ratio: number }[] {
  const truth = new Float64Array(games.items.length);
  for (const h of games.histories) for (const i of h) truth[i]! += 1 / h.length;
  const hr10Raw = popularityHitRate(truth, games.heldOut);
  const n = games.histories.length;
  const out: { multiple: number; shoppers: number; local_epsilon: number; top100_recall: number; hr10_ratio: number }[] = [];
  for (const m of [1, 2, 4, 8, 16, 32, 64, 128]) {
    const e0 = shuffledLocalEpsilon(m * n, Math.floor((m * n) / 2), TARGET.central_epsilon, TARGET.delta);
    const params = olhParams(Math.min(10, e0));
    let recall = 0;
    let hr = 0;
    for (let s = 0; s < 5; s++) {
      const random = seededRandom(BASE_SEED + 7919 * m + s);
      const noisy = Float64Array.from(truth, (c) => m * c + Math.sqrt(olhVariance(params, m * n, m * c)) * standardNormal(random));
      recall += topKRecall(truth, noisy, 100) / 5;
      hr += popularityHitRate(noisy, games.heldOut) / 5;
    }
    out.push({ multiple: m, shoppers: m * n, local_epsilon: e0, top100_recall: round(recall), hr10_ratio: round(hr / hr10Raw) });
    if (recall >= TARGET.top100_recall && hr >= TARGET.hr10_ratio * hr10Raw) break;
  }
  return out;
}
