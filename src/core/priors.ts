import { createError, ERROR_CODES, describeValue, type EdgeRecoError } from './errors.js';
import { REPORT_KINDS, type ReportKind } from './ldp/aggregate-report.js';
import { checkExperiments, type Experiment } from './experiments.js';

/**
 * The priors bundle: what the store's aggregator estimated from many shoppers' privatized reports, and what the
 * store's own order feed says, downloaded by every browser for cold start, `suggest()` and bought-together lists.
 * Versioned JSON; every entry says where it came from (`source`); entries from reports passed the publication rule
 * (`threshold`, `publication`), entries from orders the order count rule (`sources.orders`). One definition for the
 * aggregator (gateway/priors-build.ts, gateway/priors-merge.ts) and the SDK, which reads version 1 (no
 * `publication`), 2 (no `privacy`), 3 (no `source` labels: every entry then came from private reports), 4 and 5
 * (entries from secure aggregation, `sources.secure`).
 */
export const PRIORS_FORMAT = 'edgereco-priors';
export const PRIORS_BUNDLE_VERSION = 4;
/** The version of a bundle with entries from two-server secure aggregation (`sources.secure`); others stay version 4. */
export const PRIORS_SECURE_VERSION = 5;

/**
 * Where an entry of the bundle comes from: `private-reports`, what many shoppers' browsers reported, privatized on
 * the device (estimates); `orders`, the store's own order feed (exact counts of orders, which the store has anyway);
 * `secure-aggregation` (version 5), sums of many shoppers' reports that two servers added up without seeing any one
 * of them, with noise (estimates).
 */
export const PRIORS_SOURCES = ['private-reports', 'orders', 'secure-aggregation'] as const;
export type PriorsEntrySource = (typeof PRIORS_SOURCES)[number];

/** The secure mode's list as the bundle states it (version 5): what it sums and what it promises each shopper. */
export interface SecureSourceSummary {
  taskId: string;
  /** The collected periods summed (UTC days), or null when none was. */
  periods: { from: string; to: string } | null;
  /** Reports counted in those periods. */
  reports: number;
  /** Items one report may hold. */
  maxItems: number;
  /** Central ε and δ per shopper and period, against either server alone (each adds noise enough on its own). */
  centralEpsilon: number;
  delta: number;
  /** σ of each server's discrete Gaussian noise on each period's sum. */
  sigmaPerAggregator: number;
  /** An item is listed when its noisy sum over the periods is at least this (α over every item of the domain). */
  threshold: number | null;
  alpha: number;
  minCount: number;
  mustNotCollude: string[];
}

/** The store's order feed as the bundle states it (version 4, when the aggregator read one). */
export interface OrderFeedSummary {
  /** `csv` (an export file) or `kafka` (a topic the store's backend writes). */
  feed: 'csv' | 'kafka';
  /** The UTC days of the window the counts cover (the last `windowDays`, ending the bundle's day). */
  window: { days: number; from: string; to: string };
  /** Distinct orders in the window. */
  orders: number;
  /** An item or a pair is listed only when at least this many orders of the window contain it. */
  minOrders: number;
}

/**
 * What the bundle's figures promise each shopper (versions 3 and 4), for its entries from private reports. `local`: the reports reached the gateway directly, so
 * the guarantee is the local ε of what a browser sends alone. `shuffled`: the gateway took reports only through an
 * Oblivious HTTP relay, so it holds anonymous reports it cannot link to a sender or to each other, and each shopper's
 * period is also covered by the central (ε, δ) below, as long as the relay and the gateway do not collude.
 */
export interface PriorsPrivacy {
  mode: 'local' | 'shuffled';
  /** ε of one report, per kind, as the site fixes it. */
  localEpsilon: Record<ReportKind, number>;
  /** Reports one browser sends per period (an item report and a pair-or-query report) and their ε together. */
  reportsPerPeriod: number;
  localEpsilonPerPeriod: number;
  /** Central ε per shopper and period, the worst over the periods of the bundle; null in `local` mode. */
  centralEpsilon: number | null;
  delta: number | null;
  /** The fewest reports of one kind in one period: the crowd a report hid in. */
  fewestReports: number | null;
  /** How the central figure was computed. */
  bound: string | null;
  /** Who must not collude for the central figure to hold. */
  mustNotCollude: string[];
}

/** The publication rule of one kind's list, and the figures it was applied with. */
export interface KindPublication {
  /** Candidates estimated: catalog items, item pairs among the most popular items, the store's queries. */
  candidates: number;
  /** The periods merged: `days` UTC days ending `generated`; from/to the first and last with reports (null: none). */
  window: { days: number; from: string | null; to: string | null };
  /** The ε of the reports counted (one value unless the site changed it within the window). */
  epsilon: number[];
  reports: number;
  /** Standard deviation of an estimate's noise at a true count of `minCount` (LDP noise and hash collisions). */
  sigma: number;
  /** (threshold − minCount) / σ: the margin in standard deviations (Bernstein's inequality at α / m, not a normal quantile). */
  z: number;
  /** Published when the estimate is at least this. */
  threshold: number;
}

/**
 * How the bundle decides what to publish. Rule `bonferroni-bernstein`: an entry is false when its true count is below
 * `minCount`; each of the bundle's m candidates is published only when its estimate exceeds `minCount` by the margin
 * that Bernstein's inequality gives for a tail of α / m, so the probability that any entry is false is at most α,
 * and so is the expected number of false entries.
 */
export interface PriorsPublication {
  rule: 'bonferroni-bernstein';
  alpha: number;
  minCount: number;
  /** m: every candidate of the bundle, all kinds together. */
  candidates: number;
  kinds: Record<ReportKind, KindPublication>;
  /** The largest chance, over the periods merged, that a new report was dropped as a duplicate (Bloom filter). */
  falseDropRate: number;
}

export interface PriorsBundle {
  format: typeof PRIORS_FORMAT;
  /** 4 as written today; 1 (no `publication`), 2 (no `privacy`) and 3 (no `source`) from earlier aggregators, still read. */
  version: 1 | 2 | 3 | typeof PRIORS_BUNDLE_VERSION | typeof PRIORS_SECURE_VERSION;
  /** The UTC day it was made (no finer time). */
  generated: string;
  /** What the entries come from, besides private reports (version 4): the store's order feed, when one was read. */
  sources?: { orders?: OrderFeedSummary; secure?: SecureSourceSummary };
  /** The first and last report period it covers. */
  periods: { from: string; to: string } | null;
  /** Distinct reports counted per kind, and duplicates (same report id) dropped. */
  reports: Record<ReportKind, number> & { duplicatesDropped: number };
  /** The threshold per kind, in estimated shoppers (version 2: `publication.kinds[kind].threshold`). */
  threshold: Record<ReportKind, number>;
  /** The publication rule of the private reports and its parameters (versions 2 to 4). */
  publication?: PriorsPublication;
  /** The privacy figures in force (versions 3 and 4). */
  privacy?: PriorsPrivacy;
  /**
   * Popular items: from private reports, by estimated shoppers in the covered periods (the store's trending items);
   * from orders, by orders that contain them (the store's best-sellers). An item may have one entry per source; each
   * source's entries are most first, and the list is ordered by each count's place in its own source (log scale).
   */
  items: { itemId: string; count: number; source: PriorsEntrySource }[];
  /** Item pairs bought together (estimated shoppers, or orders containing both), strongest first within a source. */
  pairs: { items: [string, string]; count: number; source: PriorsEntrySource }[];
  /** Search queries (normalized) by estimated shoppers, most first (private reports only). */
  queries: { query: string; count: number; source: PriorsEntrySource }[];
  /**
   * The secure mode's task (version 5): where the browsers fetch it (relative to the bundle's URL). A browser with sync
   * on sends its secure reports for it (src/sync/secure-sync.ts).
   */
  secureTask?: { url: string };
  /**
   * The store's running experiments (the aggregator's `aggregate.experiments`), for browsers whose page passes none:
   * a store changes them without a deploy. Optional in every version.
   */
  experiments?: Experiment[];
}

function bad(message: string, value?: unknown): EdgeRecoError {
  return createError(ERROR_CODES.INVALID_DATA, { subject: 'the priors bundle', requirement: message, ...(value === undefined ? {} : { got: value }), fix: 'check options.priorsUrl' });
}

function list<T>(value: unknown, name: string, check: (entry: Record<string, unknown>, where: string) => T): T[] {
  if (!Array.isArray(value)) throw bad(`field "${name}" must be an array`, value);
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw bad(`${name}[${i}] must be an object`, entry);
    return check(entry as Record<string, unknown>, `${name}[${i}]`);
  });
}

const str = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw bad(`${where} must be a non-empty string`, v);
  return v;
};
const num = (v: unknown, where: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${where} must be a finite number`, v);
  return v;
};
const perKind = (v: unknown, where: string): Record<ReportKind, number> => {
  const o = (v ?? {}) as Record<string, unknown>;
  return Object.fromEntries(REPORT_KINDS.map((k) => [k, num(o[k], `${where}.${k}`)])) as Record<ReportKind, number>;
};

function publication(value: unknown): PriorsPublication {
  const p = value as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null || p.rule !== 'bonferroni-bernstein') throw bad('publication.rule must be "bonferroni-bernstein"', (p as Record<string, unknown> | null)?.rule);
  for (const field of ['alpha', 'minCount', 'candidates', 'falseDropRate']) num(p[field], `publication.${field}`);
  const kinds = (p.kinds ?? {}) as Record<string, unknown>;
  for (const kind of REPORT_KINDS) {
    const k = kinds[kind] as Record<string, unknown> | undefined;
    if (typeof k !== 'object' || k === null) throw bad(`publication.kinds.${kind} must be an object`, k);
    for (const field of ['candidates', 'reports', 'sigma', 'z', 'threshold']) num(k[field], `publication.kinds.${kind}.${field}`);
  }
  return p as unknown as PriorsPublication;
}

function privacy(value: unknown): PriorsPrivacy {
  const p = value as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null || (p.mode !== 'local' && p.mode !== 'shuffled')) throw bad('privacy.mode must be "local" or "shuffled"', (p as Record<string, unknown> | null)?.mode);
  perKind(p.localEpsilon, 'privacy.localEpsilon');
  for (const field of ['reportsPerPeriod', 'localEpsilonPerPeriod']) num(p[field], `privacy.${field}`);
  if (p.mode === 'shuffled') for (const field of ['centralEpsilon', 'delta', 'fewestReports']) num(p[field], `privacy.${field}`);
  if (!Array.isArray(p.mustNotCollude)) throw bad('privacy.mustNotCollude must be an array', p.mustNotCollude);
  return p as unknown as PriorsPrivacy;
}

function source(value: unknown, where: string, version: number): PriorsEntrySource {
  if (version < 4) return 'private-reports'; // versions 1 to 3 knew no other source
  const known = version === PRIORS_SECURE_VERSION ? PRIORS_SOURCES : PRIORS_SOURCES.filter((s) => s !== 'secure-aggregation');
  if (!(known as readonly unknown[]).includes(value)) throw bad(`${where}.source must be one of ${known.join(', ')}`, value);
  return value as PriorsEntrySource;
}

function secureSource(value: unknown): SecureSourceSummary {
  const o = value as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null) throw bad('sources.secure must be an object', value);
  str(o.taskId, 'sources.secure.taskId');
  for (const field of ['reports', 'maxItems', 'centralEpsilon', 'delta', 'sigmaPerAggregator', 'alpha', 'minCount']) num(o[field], `sources.secure.${field}`);
  if (o.threshold !== null) num(o.threshold, 'sources.secure.threshold');
  if (o.periods !== null) {
    const p = (o.periods ?? {}) as Record<string, unknown>;
    str(p.from, 'sources.secure.periods.from');
    str(p.to, 'sources.secure.periods.to');
  }
  if (!Array.isArray(o.mustNotCollude)) throw bad('sources.secure.mustNotCollude must be an array', o.mustNotCollude);
  return o as unknown as SecureSourceSummary;
}

function orderFeed(value: unknown): OrderFeedSummary {
  const o = value as Record<string, unknown> | null;
  if (typeof o !== 'object' || o === null || (o.feed !== 'csv' && o.feed !== 'kafka')) throw bad('sources.orders.feed must be "csv" or "kafka"', (o as Record<string, unknown> | null)?.feed);
  for (const field of ['orders', 'minOrders']) num(o[field], `sources.orders.${field}`);
  const w = (o.window ?? {}) as Record<string, unknown>;
  num(w.days, 'sources.orders.window.days');
  str(w.from, 'sources.orders.window.from');
  str(w.to, 'sources.orders.window.to');
  return o as unknown as OrderFeedSummary;
}

/** Checks a fetched priors bundle; refuses unknown formats and versions (reads versions 1 to 5). */
export function parsePriors(doc: unknown): PriorsBundle {
  const d = doc as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d) || d.format !== PRIORS_FORMAT) throw bad(`is not an edgereco priors bundle (format ${describeValue((d as Record<string, unknown> | null)?.format)})`);
  if (d.version !== 1 && d.version !== 2 && d.version !== 3 && d.version !== PRIORS_BUNDLE_VERSION && d.version !== PRIORS_SECURE_VERSION) {
    throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: 'priors bundle', version: d.version, supported: `versions 1 to ${PRIORS_SECURE_VERSION}` });
  }
  const version = d.version;
  const sources = (version >= 4 ? d.sources : undefined) as { orders?: unknown; secure?: unknown } | undefined;
  const secure = version === PRIORS_SECURE_VERSION && sources?.secure !== undefined ? secureSource(sources.secure) : undefined;
  const orders = sources?.orders !== undefined ? orderFeed(sources.orders) : undefined;
  const periods = d.periods as { from?: unknown; to?: unknown } | null;
  const reports = (d.reports ?? {}) as Record<string, unknown>;
  return {
    format: PRIORS_FORMAT,
    version: d.version,
    ...(d.version !== 1 ? { publication: publication(d.publication) } : {}),
    ...(version >= 3 ? { privacy: privacy(d.privacy) } : {}),
    generated: str(d.generated, 'generated'),
    ...(orders || secure ? { sources: { ...(orders ? { orders } : {}), ...(secure ? { secure } : {}) } } : {}),
    periods: periods === null ? null : { from: str(periods?.from, 'periods.from'), to: str(periods?.to, 'periods.to') },
    reports: { ...perKind(reports, 'reports'), duplicatesDropped: num(reports.duplicatesDropped, 'reports.duplicatesDropped') },
    threshold: perKind(d.threshold, 'threshold'),
    items: list(d.items, 'items', (e, w) => ({ itemId: str(e.itemId, `${w}.itemId`), count: num(e.count, `${w}.count`), source: source(e.source, w, version) })),
    pairs: list(d.pairs, 'pairs', (e, w) => {
      const items = e.items;
      if (!Array.isArray(items) || items.length !== 2) throw bad(`${w}.items must be two item ids`, items);
      return { items: [str(items[0], `${w}.items[0]`), str(items[1], `${w}.items[1]`)] as [string, string], count: num(e.count, `${w}.count`), source: source(e.source, w, version) };
    }),
    queries: list(d.queries, 'queries', (e, w) => ({ query: str(e.query, `${w}.query`), count: num(e.count, `${w}.count`), source: source(e.source, w, version) })),
    ...(d.experiments !== undefined ? { experiments: bundleExperiments(d.experiments) } : {}),
    ...(version === PRIORS_SECURE_VERSION && d.secureTask !== undefined ? { secureTask: { url: str((d.secureTask as { url?: unknown } | null)?.url, 'secureTask.url') } } : {}),
  };
}

function bundleExperiments(value: unknown): Experiment[] {
  try {
    return checkExperiments(value, 'experiments');
  } catch (error) {
    throw bad(`has experiments that are not valid: ${(error as Error).message.replace(/^edgereco: /, '')}`);
  }
}
