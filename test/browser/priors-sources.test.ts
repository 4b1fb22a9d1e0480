import { mkdirSync, writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { ReportAggregator } from '../../gateway/aggregator.js';
import { orderPriors } from '../../gateway/order-priors.js';
import { mergeOrderPriors } from '../../gateway/priors-merge.js';
import { itemKey, olhParams, olhPerturb, seededRandom, utcDay } from '../../src/core/ldp/index.js';
import { launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';

/**
 * The priors bundle names each entry's source, and so does the SDK, in real Chromium: the bundle is made by the
 * aggregator's own code from privatized reports (the scarf, the lamp) and from the store's order feed (the lamp, the
 * vase, and the two bought together), and a first-time visitor's page asks for recommendations and explanations.
 */
type W = Window & { sdk: typeof Sdk };
const NOW = Date.now();
const DAY = 86_400_000;
const CATALOG = [
  { id: 'lamp', title: 'Desk lamp', category: 'Home' },
  { id: 'vase', title: 'Blue vase', category: 'Home' },
  { id: 'scarf', title: 'Wool scarf', category: 'Clothes' },
  { id: 'mug', title: 'Red mug', category: 'Kitchen' },
];

let browser: Browser;

beforeAll(async () => {
  const aggregator = new ReportAggregator(undefined, () => NOW);
  const params = olhParams(2);
  const random = seededRandom(5);
  const yesterday = utcDay(NOW - DAY);
  for (let i = 0; i < 3000; i++) {
    const { seed, value } = olhPerturb(itemKey(i % 3 === 0 ? 'lamp' : 'scarf'), params, random);
    aggregator.add({ v: 2, id: `report-${String(i).padStart(12, '0')}`, period: yesterday, kind: 'item', eps: 2, mech: 'olh', g: params.g, seed, y: value });
  }
  const reports = aggregator.estimate({ items: CATALOG.map((c) => c.id) });
  expect(reports.items.map((i) => i.itemId).sort()).toEqual(['lamp', 'scarf']);
  const orders = Array.from({ length: 30 }, (_, i) => ({ orderId: `o-${i}`, time: NOW - DAY, items: i < 25 ? ['lamp', 'vase'] : ['vase'] }));
  const bundle = mergeOrderPriors(reports, orderPriors(orders, NOW), 'csv');
  const dir = `${resultsDir()}/priors-sources`;
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/priors.json`, JSON.stringify(bundle));
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe("the SDK says where the store's priors come from", () => {
  it("explain() and the reasons name the store's sales or many shoppers' privatized reports, as the bundle labels them", async () => {
    const page = await openSdkPage(await browser.newContext());
    const errors = watchErrors(page);
    const result = await page.evaluate(async (catalog) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'sources', storage: 'memory', catalog, priorsUrl: '/test-results/priors-sources/priors.json' });
      const first = await reco.recommend({ k: 4 });
      const explain = async (id: string) => (await reco.explain(id)).evidence.map((e) => e.text);
      return {
        first: first.map((r) => [r.itemId, r.reason]),
        lamp: await explain('lamp'),
        vase: await explain('vase'),
        scarf: await explain('scarf'),
        mug: await explain('mug'),
        withLamp: (await reco.frequentlyBoughtTogether(['lamp'], { k: 1 })).map((r) => [r.itemId, r.reason, r.source]),
      };
    }, CATALOG);
    const SALES = "A best-seller in this store, from the store's sales";
    const VIEWS = 'Trending with other shoppers in this store, from what many shoppers viewed (privatized)';
    // The lamp is in both lists: both are said, the store's sales first.
    expect(result.lamp).toEqual([SALES, VIEWS]);
    expect(result.vase).toEqual([SALES]);
    expect(result.scarf).toEqual([VIEWS]);
    expect(result.mug).toEqual([]);
    expect(result.withLamp).toEqual([['vase', "Often bought with “Desk lamp”, from the store's sales", 'priors']]);
    const reasons = Object.fromEntries(result.first.map(([id, reason]) => [id, reason]));
    expect(reasons.lamp).toMatch(new RegExp(`^${SALES}`));
    expect(reasons.vase).toMatch(new RegExp(`^${SALES}`));
    expect(reasons.scarf).toMatch(/^Trending with other shoppers in this store, from what many shoppers viewed \(privatized\)/);
    expect(errors).toEqual([]);
  });
});
