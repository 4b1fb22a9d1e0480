export { cryptoRandom, randomUint32, randomBelow } from './random-source.js';
export { seededRandom } from '../seeded-random.js';
export type { RandomSource } from './random-source.js';
export { itemKey, pairKey, queryKey, fmix32 } from './item-key.js';
export { EPSILON_LIMITS, checkEpsilon } from './epsilon.js';
export { OLH_SKETCH_CELLS, olhSeedCount, olhParams, olhSeed, olhHash, olhPerturb, olhSupports, olhEstimate, olhVariance } from './olh.js';
export type { OlhParams, OlhReport } from './olh.js';
export { OlhSketch } from './olh-sketch.js';
export {
  DEFAULT_PRIVACY_BUDGET, checkBudgetPolicy, utcDay, emptyBudgetState, budgetStateAt, remainingToday, spendBudget,
} from './privacy-budget.js';
export type { PrivacyBudgetPolicy, PrivacyBudgetState, BudgetSpend } from './privacy-budget.js';
export { AGGREGATE_REPORT_VERSION, REPORT_KINDS, canonicalReport, checkAggregateReport } from './aggregate-report.js';
export type { AggregateReport, OlhWireReport, ReportKind, ReportCheck } from './aggregate-report.js';
export { GRR_MAX_DOMAIN, grrParams, grrPerturb, grrEstimates, grrLinearVariance } from './grr.js';
export type { GrrParams } from './grr.js';
export { OUTCOME_KIND, checkOutcomeReport, canonicalOutcome } from './outcome-report.js';
export type { OutcomeWireReport, OutcomeCheck } from './outcome-report.js';
