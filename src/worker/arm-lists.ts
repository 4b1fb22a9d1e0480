import { createError, ERROR_CODES } from '../core/errors.js';
import type { Experiment } from '../core/experiments.js';
import type { Explanation } from '../core/explanation.js';
import type { Recommendation } from '../core/recommendation.js';
import type { CatalogIndex } from './catalog-index.js';
import type { ArmSettings } from './experiment-arms.js';

/** The most ids a `storeList` may hold (as `rerank()`). */
const MAX_STORE_LIST = 1000;

/** A call's `storeList` (absent: none), checked. */
export function checkStoreList(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_STORE_LIST || !value.every((id) => typeof id === 'string' && id.length > 0)) {
    throw createError(ERROR_CODES.INVALID_OPTION, { field: 'options.storeList', requirement: `must be an array of at most ${MAX_STORE_LIST.toLocaleString('en')} item ids`, got: value }, { details: { field: 'storeList' } });
  }
  return value as string[];
}

/** The store's own list exactly as given (order, items, duplicates): what an `off` arm shows. */
export function storeListFor(ids: readonly string[], catalog: CatalogIndex, attributionId: string): Recommendation[] {
  return ids.map((itemId, i) => {
    const rec: Recommendation = { itemId, score: ids.length - i, reason: 'The store’s own list, as it is (edgereco is off for this experiment arm)', source: 'store', attributionId };
    const title = catalog.get(itemId)?.title;
    if (title !== undefined) rec.title = title;
    return rec;
  });
}

/** Each result with the arms the list was made under (nothing changes without experiments). */
export function withArms(list: Recommendation[], arm: ArmSettings): Recommendation[] {
  return arm.refs.length === 0 ? list : list.map((r) => ({ ...r, experiments: arm.refs }));
}

const WHAT: Record<ArmSettings['recommender'], string> = {
  model: 'the click model on this device picks your lists',
  baseline: 'a simpler ranking picks your lists (your recent items, what goes with them, popularity)',
  store: 'the store’s own lists, re-ordered for you on this device',
  off: 'the store’s own lists, as they are',
};

/** `explain()` with the arms the shopper is in: which group of which experiment, and what it means for the lists. */
export function armEvidence(explanation: Explanation, arm: ArmSettings, experiments: readonly Experiment[]): Explanation {
  if (arm.refs.length === 0) return explanation;
  const evidence = arm.refs.map((ref) => {
    const recommender = experiments.find((e) => e.id === ref.experiment)?.arms.find((a) => a.name === ref.arm)?.recommender ?? 'model';
    return { kind: 'experiment' as const, text: `You are in group “${ref.arm}” of the store’s experiment “${ref.experiment}”: ${WHAT[recommender]}. Your group is drawn at random on this device and never sent` };
  });
  return { ...explanation, evidence: [...explanation.evidence, ...evidence], experiments: arm.refs };
}
