import type { BusinessRules } from '../core/config.js';
import type { Recommendation } from '../core/recommendation.js';

export type { BusinessRules };
import type { CatalogIndex } from './catalog-index.js';

/**
 * Applies the rules to a ranked candidate list (longer than `k`, so capped items can be replaced): boosts re-order by
 * the boosted score; the diversity caps then skip an item whose brand or category already has its quota, keeping the
 * order otherwise. Returns at most `k` items.
 */
export function applyRules<T extends Recommendation>(ranked: readonly T[], catalog: CatalogIndex, rules: BusinessRules, k: number): T[] {
  let list = [...ranked];
  if (rules.boosts?.length) {
    const boosted = list.map((r, i) => {
      const item = catalog.get(r.itemId);
      let factor = 1;
      for (const b of rules.boosts!) {
        const hit = (b.brand !== undefined && item?.brand === b.brand) || (b.category !== undefined && (item?.category ?? '').startsWith(b.category)) || (b.itemIds?.includes(r.itemId) ?? false);
        if (hit) factor *= b.factor;
      }
      // Scores may be negative (model logits): boost the distance from the list's minimum, so a factor > 1 lifts.
      return { r, i, factor };
    });
    let min = 0;
    for (const r of list) if (r.score < min) min = r.score;
    boosted.sort((a, b) => (b.r.score - min) * b.factor - (a.r.score - min) * a.factor || a.i - b.i);
    list = boosted.map(({ r, factor }) => (factor === 1 ? r : { ...r, score: (r.score - min) * factor + min }));
  }
  const perBrand = new Map<string, number>();
  const perCategory = new Map<string, number>();
  const out: T[] = [];
  for (const r of list) {
    if (out.length >= k) break;
    const item = catalog.get(r.itemId);
    const brand = item?.brand;
    const category = item?.category;
    if (rules.maxPerBrand !== undefined && brand !== undefined && (perBrand.get(brand) ?? 0) >= rules.maxPerBrand) continue;
    if (rules.maxPerCategory !== undefined && category !== undefined && (perCategory.get(category) ?? 0) >= rules.maxPerCategory) continue;
    if (brand !== undefined) perBrand.set(brand, (perBrand.get(brand) ?? 0) + 1);
    if (category !== undefined) perCategory.set(category, (perCategory.get(category) ?? 0) + 1);
    out.push(r);
  }
  return out;
}
