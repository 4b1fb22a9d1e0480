import { REPORT_KINDS, type ReportKind } from '../src/core/ldp/aggregate-report.js';
import { shuffledEpsilon } from '../src/core/ldp/shuffle-amplification.js';
import type { PriorsPrivacy } from '../src/core/priors.js';

/** How reports reach the gateway: `relay` only when the site takes them only through OHTTP (config `ohttp.required`). */
export type ReportTransport = 'direct' | 'relay';

/** δ of the central figure: well under one over the number of shoppers of any store. */
export const CENTRAL_DELTA = 1e-6;

const BOUND = 'Feldman, McMillan & Talwar (FOCS 2021), Theorem 3.2, evaluated numerically; basic composition over the shopper\'s reports of a period (δ split evenly)';

/**
 * The bundle's privacy figures from the reports the aggregator counted, per period and kind. A browser sends, per
 * period, one item report and one report of a pair or a query (a fair coin, not its data, picks which): its central
 * ε for the period is its item report's, amplified among that period's item reports, plus the larger of the pair's,
 * the query's and (in an experiment, whose outcome report takes the second place) the outcome's, each among its own
 * kind's reports (δ/2 each). The bundle states a bound on the worst period: each
 * kind at its smallest crowd over the bundle's periods.
 */
export function bundlePrivacy(
  periods: readonly { counts: Record<ReportKind, number>; outcomes?: number }[],
  epsilon: Record<ReportKind, number>,
  transport: ReportTransport,
  delta = CENTRAL_DELTA,
  outcomeEpsilon = 0,
): PriorsPrivacy {
  // In an experiment, the second report of a period is its outcome report instead of a pair or a query.
  const localEpsilonPerPeriod = epsilon.item + Math.max(epsilon.pair, epsilon.query, outcomeEpsilon);
  const base = { localEpsilon: epsilon, reportsPerPeriod: 2, localEpsilonPerPeriod };
  if (transport === 'direct') return { mode: 'local', ...base, centralEpsilon: null, delta: null, fewestReports: null, bound: null, mustNotCollude: [] };
  // The amplified ε falls as the crowd grows, so the worst period is bounded by each kind's smallest crowd (three
  // evaluations, whatever the number of periods; never below any one period's figure).
  const fewestOf: Record<ReportKind, number> = { item: Infinity, pair: Infinity, query: Infinity };
  for (const { counts } of periods) for (const k of REPORT_KINDS) if (counts[k] > 0) fewestOf[k] = Math.min(fewestOf[k], counts[k]);
  const amplified = (kind: ReportKind) => (Number.isFinite(fewestOf[kind]) ? shuffledEpsilon(fewestOf[kind], epsilon[kind], delta / 2) : 0);
  let fewestOutcomes = Infinity;
  for (const { outcomes } of periods) if (outcomes !== undefined && outcomes > 0) fewestOutcomes = Math.min(fewestOutcomes, outcomes);
  const outcome = Number.isFinite(fewestOutcomes) ? shuffledEpsilon(fewestOutcomes, outcomeEpsilon, delta / 2) : 0;
  const fewest = Math.min(...REPORT_KINDS.map((k) => fewestOf[k]), fewestOutcomes);
  const worst = amplified('item') + Math.max(amplified('pair'), amplified('query'), outcome);
  const central = Number.isFinite(fewest) ? Math.min(localEpsilonPerPeriod, Math.ceil(worst * 1000) / 1000) : localEpsilonPerPeriod;
  return { mode: 'shuffled', ...base, centralEpsilon: central, delta, fewestReports: Number.isFinite(fewest) ? fewest : 0, bound: BOUND, mustNotCollude: ['relay', 'gateway'] };
}
