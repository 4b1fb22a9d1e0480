import { EdgeRecoError, ERROR_CODES, describeValue } from './errors.js';

/**
 * The priors bundle: what the store's side learned from many shoppers' privatized reports, downloaded by every
 * browser for cold start, `suggest()` and bought-together lists. Versioned; every list holds only entries above the
 * aggregator's minimum support.
 */
export const PRIORS_FORMAT = 'edgereco-priors';
export const PRIORS_VERSION = 1;

export interface PriorsBundle {
  format: typeof PRIORS_FORMAT;
  version: typeof PRIORS_VERSION;
  /** When the aggregator published it (ISO 8601) and the reporting periods it covers. */
  generatedAt: string;
  periods: { from: string; to: string };
  /** The minimum estimated count an entry needed to be published. */
  minSupport: number;
  /** Items by estimated interactions in the recent periods, most first. */
  trending: { itemId: string; score: number }[];
  /** Per category (as the catalog names it), the most popular items. */
  popularByCategory: Record<string, { itemId: string; score: number }[]>;
  /** Item pairs estimated to be bought together, strongest first. */
  boughtTogether: { a: string; b: string; score: number }[];
  /** Search queries by estimated frequency, most first (normalized: lower case, single spaces). */
  popularQueries: { query: string; score: number }[];
}

function bad(message: string, value?: unknown): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: the priors bundle ${message}${value === undefined ? '' : ` (got ${describeValue(value)})`}; check options.priorsUrl`);
}

function list<T>(value: unknown, name: string, check: (entry: Record<string, unknown>) => T): T[] {
  if (!Array.isArray(value)) throw bad(`field "${name}" must be an array`, value);
  return value.map((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null) throw bad(`${name}[${i}] must be an object`, entry);
    return check(entry as Record<string, unknown>);
  });
}

const str = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || v.length === 0) throw bad(`${where} must be a non-empty string`, v);
  return v;
};
const score = (v: unknown, where: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${where} must be a finite number`, v);
  return v;
};

/** Checks a fetched priors bundle; refuses unknown formats and versions. */
export function parsePriors(doc: unknown): PriorsBundle {
  const d = doc as Record<string, unknown> | null;
  if (typeof d !== 'object' || d === null || d.format !== PRIORS_FORMAT) throw bad(`is not an edgereco priors bundle (format ${describeValue(d?.format)})`);
  if (d.version !== PRIORS_VERSION) {
    throw new EdgeRecoError(ERROR_CODES.UNSUPPORTED_VERSION, `edgereco: priors bundle version ${describeValue(d.version)} is not supported (this SDK reads version ${PRIORS_VERSION}); update edgereco`);
  }
  const item = (name: string) => (e: Record<string, unknown>) => ({ itemId: str(e.itemId, `${name}.itemId`), score: score(e.score, `${name}.score`) });
  const byCategory: Record<string, { itemId: string; score: number }[]> = {};
  const raw = d.popularByCategory;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('field "popularByCategory" must be an object', raw);
  for (const [category, entries] of Object.entries(raw)) {
    if (category === '__proto__') continue;
    byCategory[category] = list(entries, `popularByCategory.${category}`, item('popularByCategory'));
  }
  const periods = d.periods as { from?: unknown; to?: unknown } | undefined;
  return {
    format: PRIORS_FORMAT,
    version: PRIORS_VERSION,
    generatedAt: str(d.generatedAt, 'generatedAt'),
    periods: { from: str(periods?.from, 'periods.from'), to: str(periods?.to, 'periods.to') },
    minSupport: score(d.minSupport, 'minSupport'),
    trending: list(d.trending, 'trending', item('trending')),
    popularByCategory: byCategory,
    boughtTogether: list(d.boughtTogether, 'boughtTogether', (e) => ({ a: str(e.a, 'boughtTogether.a'), b: str(e.b, 'boughtTogether.b'), score: score(e.score, 'boughtTogether.score') })),
    popularQueries: list(d.popularQueries, 'popularQueries', (e) => ({ query: str(e.query, 'popularQueries.query'), score: score(e.score, 'popularQueries.score') })),
  };
}
