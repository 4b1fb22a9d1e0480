import { REPORT_KINDS, type ReportKind } from '../src/core/ldp/aggregate-report.js';
import { itemKey, pairKey, queryKey } from '../src/core/ldp/item-key.js';
import { olhParams, olhVariance } from '../src/core/ldp/olh.js';
import { OlhSketch } from '../src/core/ldp/olh-sketch.js';
import { utcDay } from '../src/core/ldp/privacy-budget.js';
import { PRIORS_BUNDLE_VERSION, PRIORS_FORMAT, type KindPublication, type PriorsBundle } from '../src/core/priors.js';
import type { AggregatorStore } from './aggregator-store.js';
import type { PeriodSketches } from './period-state.js';
import { estimateNoise, publicationMargin } from './publication-rule.js';
import { bundlePrivacy, CENTRAL_DELTA, type ReportTransport } from './privacy-accounting.js';

/** What the aggregator may estimate: LDP reports name no value, so the candidates come from the store. */
export interface PriorsCandidates {
  /** Every item id of the catalog. */
  items: readonly string[];
  /** Queries worth estimating (the store's own query list, catalog terms). Default none. */
  queries?: readonly string[];
}

/** The publication rule's parameters (see publication-rule.ts) and the windows. */
export interface PublicationOptions {
  /** An entry is false when its true count is below this. Default 20. */
  minCount: number;
  /** P(any false entry in the bundle) ≤ alpha, and E[false entries] ≤ alpha. Default 0.01. */
  alpha: number;
  /** Days of periods merged per kind, ending today (UTC): trending items 7, pairs 30, popular queries 30. */
  windows: Record<ReportKind, number>;
  /** Pairs are estimated among this many of the most popular items (n·(n−1)/2 candidates). Default 100. */
  pairTopItems: number;
  /** How the reports reached the gateway: `relay` (OHTTP only) makes the bundle state a central ε. Default `direct`. */
  transport: ReportTransport;
  /** The site's ε per report kind (its policy), for the bundle's privacy figures. Default: the ε of the reports counted. */
  epsilon?: Readonly<Record<ReportKind, number>>;
}

/** The ε per kind the bundle states: the site's when given, else the reports' (2, the SDK's default, for a kind with none). */
function siteEpsilon(observed: Record<ReportKind, number>, configured: Readonly<Record<ReportKind, number>> | undefined): Record<ReportKind, number> {
  return Object.fromEntries(REPORT_KINDS.map((k) => [k, configured?.[k] ?? (observed[k] || 2)])) as Record<ReportKind, number>;
}

export const DEFAULT_PUBLICATION: PublicationOptions = { minCount: 20, alpha: 0.01, windows: { item: 7, pair: 30, query: 30 }, pairTopItems: 100, transport: 'direct' };

const DAY_MS = 86_400_000;

/** The publication options with defaults filled. */
export function publicationOptions(options: Partial<Omit<PublicationOptions, 'windows'>> & { windows?: Partial<Record<ReportKind, number>> } = {}): PublicationOptions {
  return { ...DEFAULT_PUBLICATION, ...options, windows: { ...DEFAULT_PUBLICATION.windows, ...options.windows } };
}

/** The first period of a window of `days` days ending `today`. */
export function windowStart(today: string, days: number): string {
  return utcDay(Date.parse(`${today}T00:00:00Z`) - (days - 1) * DAY_MS);
}

interface KindWindow {
  /** Merged sketches by ε. */
  groups: Map<number, OlhSketch>;
  from: string | null;
  to: string | null;
}

interface KindEstimate {
  estimates: Float64Array;
  publication: Omit<KindPublication, 'z' | 'threshold'>;
  /** Noise at minCount, without the collision term; the hash families' smallest seeds × (g − 1). */
  ldpVariance: number;
  bound: number;
  collisionCells: number;
  groups: { params: ReturnType<typeof olhParams>; reports: number }[];
}

function estimateKind(window: KindWindow, keys: Uint32Array, days: number, minCount: number): KindEstimate {
  const estimates = new Float64Array(keys.length);
  const groups = [...window.groups.entries()].sort((a, b) => a[0] - b[0]).map(([, sketch]) => sketch);
  for (const sketch of groups) sketch.estimates(keys).forEach((e, i) => (estimates[i]! += e));
  const sized = groups.map((s) => ({ params: s.params, reports: s.reports }));
  const noise = estimateNoise(sized, minCount);
  return {
    estimates,
    publication: {
      candidates: keys.length,
      window: { days, from: window.from, to: window.to },
      epsilon: groups.map((s) => s.params.epsilon),
      reports: groups.reduce((n, s) => n + s.reports, 0),
      sigma: Math.sqrt(noise.variance),
    },
    ldpVariance: noise.variance,
    bound: noise.bound,
    collisionCells: Math.min(Infinity, ...groups.map((s) => s.params.seeds * (s.params.g - 1))),
    groups: sized,
  };
}

/**
 * The hash family's share of the noise. With a finite family, a value v shifts the estimate of another value d by
 * n_v·(f − 1/g)/(1 − 1/g), f the share of functions that hash both alike: over the family's draw, variance
 * n_v² / (seeds·(g − 1)). Σ n_v² is estimated from the candidates themselves (Σ ĉ² − m·σ², unbiased), so a heavy value
 * outside the candidates is not seen; at 8,192 seeds and ε = 2 a value with 10,000 reports adds a standard deviation
 * of about 42 to every other estimate.
 */
function collisionVariance(kind: KindEstimate): number {
  if (!Number.isFinite(kind.collisionCells)) return 0;
  const at0 = kind.groups.reduce((v, g) => v + olhVariance(g.params, g.reports, 0), 0);
  let squares = 0;
  for (const e of kind.estimates) squares += e * e;
  return Math.max(0, squares - kind.estimates.length * at0) / kind.collisionCells;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The priors bundle from period sketches (any number per period: one per partition): per kind, the sketches of the
 * periods in its window are merged (added), every candidate is estimated, and what passes the publication rule is
 * published. Deterministic: the same sketches give the same bytes, whichever consumer folded which partition.
 */
export function buildPriors(periods: Iterable<PeriodSketches>, candidates: PriorsCandidates, options: Partial<PublicationOptions> = {}, nowMs = Date.now()): PriorsBundle {
  const opts = publicationOptions(options);
  const today = utcDay(nowMs);
  const starts = Object.fromEntries(REPORT_KINDS.map((k) => [k, windowStart(today, opts.windows[k])])) as Record<ReportKind, string>;
  const earliest = REPORT_KINDS.map((k) => starts[k]).sort()[0]!;
  const windows = Object.fromEntries(REPORT_KINDS.map((k) => [k, { groups: new Map(), from: null, to: null }])) as Record<ReportKind, KindWindow>;
  let duplicates = 0;
  let falseDropRate = 0;
  const perPeriod = new Map<string, Record<ReportKind, number>>();
  const epsilonOf: Record<ReportKind, number> = { item: 0, pair: 0, query: 0 };
  // Experiment outcome reports are not published here (estimates.json), but they count in what a shopper sent.
  const outcomesPerPeriod = new Map<string, number>();
  let outcomeEpsilon = 0;
  for (const p of periods) {
    if (p.period > today || p.period < earliest) continue;
    for (const tally of p.outcomes ?? []) {
      if (tally.reports === 0) continue;
      outcomesPerPeriod.set(p.period, (outcomesPerPeriod.get(p.period) ?? 0) + tally.reports);
      outcomeEpsilon = Math.max(outcomeEpsilon, tally.epsilon);
    }
    duplicates += p.duplicates;
    falseDropRate = Math.max(falseDropRate, p.falseDropRate);
    for (const { kind, sketch } of p.sketches) {
      if (p.period < starts[kind] || sketch.reports === 0) continue;
      let counts = perPeriod.get(p.period);
      if (!counts) perPeriod.set(p.period, (counts = { item: 0, pair: 0, query: 0 }));
      counts[kind] += sketch.reports;
      epsilonOf[kind] = Math.max(epsilonOf[kind], sketch.params.epsilon);
      const w = windows[kind];
      let merged = w.groups.get(sketch.params.epsilon);
      if (!merged) w.groups.set(sketch.params.epsilon, (merged = new OlhSketch(sketch.params)));
      merged.merge(sketch);
      if (w.from === null || p.period < w.from) w.from = p.period;
      if (w.to === null || p.period > w.to) w.to = p.period;
    }
  }

  const items = [...new Set(candidates.items)];
  const itemEst = estimateKind(windows.item, Uint32Array.from(items, itemKey), opts.windows.item, opts.minCount);
  const byCount = <T>(list: { value: T; count: number; name: string }[]) => list.sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const ranked = byCount(items.map((itemId, i) => ({ value: itemId, name: itemId, count: itemEst.estimates[i]! })));
  const top = ranked.slice(0, opts.pairTopItems).map((r) => r.value);
  const pairs: [string, string][] = [];
  for (let i = 0; i < top.length; i++) for (let j = i + 1; j < top.length; j++) pairs.push(top[i]! < top[j]! ? [top[i]!, top[j]!] : [top[j]!, top[i]!]);
  const pairEst = estimateKind(windows.pair, Uint32Array.from(pairs, ([a, b]) => pairKey(a, b)), opts.windows.pair, opts.minCount);
  const queries = [...new Set(candidates.queries ?? [])];
  const queryEst = estimateKind(windows.query, Uint32Array.from(queries, queryKey), opts.windows.query, opts.minCount);

  const all = { item: itemEst, pair: pairEst, query: queryEst };
  const m = items.length + pairs.length + queries.length;
  const kinds = {} as Record<ReportKind, KindPublication>;
  const exact = {} as Record<ReportKind, number>;
  for (const kind of REPORT_KINDS) {
    const k = all[kind];
    const variance = k.ldpVariance + collisionVariance(k);
    const margin = publicationMargin({ variance, bound: k.bound }, m, opts.alpha);
    const sigma = Math.sqrt(variance);
    exact[kind] = opts.minCount + margin;
    kinds[kind] = { ...k.publication, sigma: round1(sigma), z: sigma > 0 ? round2(margin / sigma) : 0, threshold: round1(opts.minCount + margin) };
  }
  const passes = (kind: ReportKind, count: number) => count >= exact[kind];
  const froms = REPORT_KINDS.map((k) => windows[k].from).filter((x): x is string => x !== null).sort();
  const tos = REPORT_KINDS.map((k) => windows[k].to).filter((x): x is string => x !== null).sort();
  return {
    format: PRIORS_FORMAT,
    version: PRIORS_BUNDLE_VERSION,
    generated: today,
    periods: froms.length > 0 ? { from: froms[0]!, to: tos[tos.length - 1]! } : null,
    reports: { item: kinds.item.reports, pair: kinds.pair.reports, query: kinds.query.reports, duplicatesDropped: duplicates },
    threshold: { item: kinds.item.threshold, pair: kinds.pair.threshold, query: kinds.query.threshold },
    publication: { rule: 'bonferroni-bernstein', alpha: opts.alpha, minCount: opts.minCount, candidates: m, kinds, falseDropRate: Number(falseDropRate.toPrecision(3)) },
    privacy: bundlePrivacy(
      [...perPeriod].map(([period, counts]) => ({ counts, outcomes: outcomesPerPeriod.get(period) ?? 0 })),
      siteEpsilon(epsilonOf, opts.epsilon),
      opts.transport,
      CENTRAL_DELTA,
      outcomeEpsilon,
    ),
    items: ranked.filter((r) => passes('item', r.count)).map((r) => ({ itemId: r.value, count: round1(r.count), source: 'private-reports' as const })),
    pairs: byCount(pairs.map((p, i) => ({ value: p, name: p.join('\u0000'), count: pairEst.estimates[i]! })))
      .filter((p) => passes('pair', p.count))
      .map((p) => ({ items: p.value, count: round1(p.count), source: 'private-reports' as const })),
    queries: byCount(queries.map((query, i) => ({ value: query, name: query, count: queryEst.estimates[i]! })))
      .filter((q) => passes('query', q.count))
      .map((q) => ({ query: q.value, count: round1(q.count), source: 'private-reports' as const })),
  };
}

/** Every partition's sketches of the periods in the longest window ending `nowMs`'s day, read from the store. */
export async function readWindow(store: AggregatorStore, days: number, nowMs: number): Promise<PeriodSketches[]> {
  const today = utcDay(nowMs);
  const start = windowStart(today, days);
  const out: PeriodSketches[] = [];
  for (const partition of await store.partitions()) {
    for (const period of await store.periods(partition)) {
      if (period < start || period > today) continue;
      const sketches = await store.readSketches(partition, period);
      if (sketches) out.push(sketches);
    }
  }
  return out;
}

/** The priors bundle from what the store holds. */
export async function priorsFromStore(store: AggregatorStore, candidates: PriorsCandidates, options: Partial<PublicationOptions> = {}, nowMs = Date.now()): Promise<PriorsBundle> {
  const opts = publicationOptions(options);
  return buildPriors(await readWindow(store, Math.max(...REPORT_KINDS.map((k) => opts.windows[k])), nowMs), candidates, opts, nowMs);
}
