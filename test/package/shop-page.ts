import type { Page } from 'playwright-core';

/** What a shop page answered: the four calls a storefront makes first, and the model's state. */
export interface ShopAnswers {
  ready: { recommender: string; catalogSize: number; backend?: string };
  /** The `backend` event: which backends ran, and why the others were skipped. */
  backend?: { backend: string; skipped: Record<string, string> };
  recommend: { itemId: string; source: string }[];
  search: { itemId: string; title?: string }[];
  suggest: { text?: string; query?: string }[];
  related: { itemId: string; source: string }[];
}

/** A catalog item the demo store sells, a misspelling of its title, and a prefix of it (demo/data/retail-products.json). */
export const ITEM = { id: '22423', title: 'Regency Cakestand 3 Tier', typo: 'cakestnd', prefix: 'cakes' };

/**
 * The shop's own code: the README's ESM quick start, plus what a store does to see it working (the `ready` info and
 * errors on the console) and the handle the test drives (`window.reco`). TypeScript, or plain JavaScript (webpack
 * without a loader).
 */
export function shopMain(options: { model: boolean; typescript: boolean }): string {
  const model = options.model ? ", modelUrl: '/models/retail/manifest.json'" : '';
  const w = (field: string, type: string) => (options.typescript ? `(window as unknown as { ${field}: ${type} })` : 'window');
  return `import { createRecommender${options.typescript ? ', type Recommender, type EngineInfo, type BackendInfo' : ''} } from 'edgereco';

const reco${options.typescript ? ': Recommender' : ''} = createRecommender({ storeId: 'my-shop', catalogUrl: '/catalog.json'${model} });
reco.on('ready', (info) => (${w('ready', 'EngineInfo')}.ready = info));
reco.on('backend', (info) => (${w('backend', 'BackendInfo')}.backend = info));
reco.on('error', (error) => {
  ${w('failed', 'string')}.failed = String(error);
  console.error(error);
});
${w('reco', 'Recommender')}.reco = reco;
`;
}

/**
 * Drives the recommender a shop page put on `window.reco`: waits for its 'ready' (the model, if any, is in by then),
 * a few views, then recommend(), search() with a typo, suggest() and related().
 */
export function askShop(page: Page): Promise<ShopAnswers> {
  return page.evaluate(async (item) => {
    type Reco = {
      on(name: string, fn: (x: unknown) => void): () => void;
      track(e: unknown): Promise<unknown>;
      recommend(o: unknown): Promise<ShopAnswers['recommend']>;
      search(q: string, o?: unknown): Promise<ShopAnswers['search']>;
      suggest(p: string): Promise<ShopAnswers['suggest']>;
      related(id: string, o?: unknown): Promise<ShopAnswers['related']>;
    };
    // A bundled shop puts it on window.reco; the script tag's recommender is window.edgereco once loaded.
    const w = window as unknown as { reco?: Reco; edgereco?: Reco | unknown[]; ready?: ShopAnswers['ready']; backend?: ShopAnswers['backend']; failed?: string };
    for (let waited = 0; !w.ready; waited += 50) {
      if (w.failed) throw new Error(`the shop page got an error event: ${w.failed}`);
      if (waited > 60_000) throw new Error('the shop page got no ready event in 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready = w.ready;
    const reco = (w.reco ?? w.edgereco) as Reco;
    for (const itemId of [item.id, '85123A', '47566']) await reco.track({ type: 'view', itemId });
    return {
      ready,
      backend: w.backend,
      recommend: await reco.recommend({ k: 5 }),
      search: await reco.search(item.typo),
      suggest: await reco.suggest(item.prefix),
      related: await reco.related(item.id, { k: 5 }),
    };
  }, ITEM);
}
