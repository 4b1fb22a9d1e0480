import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readBundle } from '../../../models/cli/bundle-files.js';
import { ModelRuntime } from '../../../src/model/model-runtime.js';
import { validateEvent, type CatalogItem } from '../../../src/core/index.js';
import { CatalogIndex } from '../../../src/worker/catalog-index.js';
import { History } from '../../../src/worker/history.js';
import { modelRecommend } from '../../../src/worker/model-recommender.js';
import { useCpu } from './tf-setup.js';

beforeAll(useCpu);

// recommend() on a catalog scored in full takes its list from the int8 scan (catalog-scan.ts) once the runtime has
// built it: the list must be the full product's, with its scores to the bit (the runtime here scores in plain loops,
// the dot products the scan rescores with), on the committed Games bundle.
describe('the runtime\'s catalog scan (scoreBest)', () => {
  it('gives recommend() the full product\'s list and scores, and the whole catalog is ranked when the filters leave too few', async () => {
    const runtime = ModelRuntime.plain(await readBundle('models/games-defaults'), { preference: 'cpu', onBackend: () => {} });
    const t = Date.UTC(2026, 10, 1);
    const history = new History(100);
    const viewed = runtime.vocabulary.slice(100, 130);
    history.add(viewed.map((itemId, i) => validateEvent({ type: 'view', itemId, ts: t + i }, undefined, t + 10_000)));
    const input = runtime.featurize(history.modelEvents(200), Date.now());
    expect(runtime.scoreBest(input, 40)).toBeNull(); // built after the first answer
    const exact = (await runtime.scoreInput(input))!;
    expect(await runtime.prepareScan()).toBe(true);
    const seen = new Set(viewed.map((id) => runtime.indexOf(id)!));
    const ranked = Array.from(exact.keys()).slice(1).filter((i) => !seen.has(i)).sort((a, b) => exact[b]! - exact[a]! || a - b);
    // The 20 items the model ranks last are the only ones in their category: the scan's best hold none of them.
    const rare = new Set(ranked.slice(-20));
    const items: CatalogItem[] = runtime.vocabulary.map((id, i) => ({ id, title: `Item ${id}`, category: rare.has(i + 1) ? 'Rare' : 'Common' }));
    const catalog = new CatalogIndex(items);
    const full = vi.spyOn(runtime, 'scoreInput');
    const top = (await modelRecommend(runtime, history, catalog, { k: 10, filter: {}, attributionId: 'a' }))!;
    expect(top.map((r) => r.itemId)).toEqual(ranked.slice(0, 10).map((i) => runtime.vocabulary[i - 1]));
    expect(top.map((r) => r.score)).toEqual(ranked.slice(0, 10).map((i) => exact[i]));
    expect(full).not.toHaveBeenCalled();
    const filtered = (await modelRecommend(runtime, history, catalog, { k: 5, filter: { category: 'Rare' }, attributionId: 'a' }))!;
    expect(filtered.map((r) => r.itemId)).toEqual(ranked.filter((i) => rare.has(i)).slice(0, 5).map((i) => runtime.vocabulary[i - 1]));
    expect(full).toHaveBeenCalledTimes(1);
    runtime.dispose();
  }, 60_000);
});
