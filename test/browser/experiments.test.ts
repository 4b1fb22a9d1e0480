import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { resolveGatewayConfig } from '../../gateway/config.js';
import { startGateway, type Gateway } from '../../gateway/server.js';
import { createFileSink } from '../../gateway/sinks/file-sink.js';
import { baseUrl, launch, openSdkPage, watchErrors } from './chromium.js';

type W = { sdk: typeof Sdk; reco?: Sdk.Recommender };
const KEY = 'pk_test_experiments';
const CATALOG = JSON.parse(readFileSync('test/fixtures/catalog.json', 'utf8')) as Sdk.CatalogItem[];
const dir = mkdtempSync(join(tmpdir(), 'edgereco-experiments-'));
const sink = join(dir, 'reports.jsonl');
let browser: Browser;
let gateway: Gateway;

beforeAll(async () => {
  const config = resolveGatewayConfig({ port: 0, sites: [{ id: 'shop', key: KEY, origins: [new URL(baseUrl()).origin] }], sink: { kind: 'file', path: sink } });
  gateway = await startGateway(config, { sink: await createFileSink(sink, config.topics), log: () => {} });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every request body the page sends, as text. */
function bodiesOf(page: Page): string[] {
  const bodies: string[] = [];
  page.on('request', (r) => {
    const body = r.postData();
    if (body) bodies.push(body);
  });
  return bodies;
}

describe('experiments in the SDK', () => {
  it('an "edgereco off" arm leaves the store\'s own list untouched and still produces an outcome report, with no arm on the wire', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const errors = watchErrors(page);
    const bodies = bodiesOf(page);
    const storeList = ['mug-3', 'not-in-catalog', 'mug-1', 'mug-3', 'mug-2'];
    const result = await page.evaluate(
      async ({ url, key, catalog, storeList }) => {
        const w = window as unknown as W;
        // Both arms are "off", so the draw cannot miss (a store rolling the control out to everyone).
        const experiments: Sdk.Experiment[] = [{ id: 'home-recs', arms: [{ name: 'control-a', weight: 1, recommender: 'off' }, { name: 'control-b', weight: 1, recommender: 'off' }] }];
        const reco = w.sdk.createRecommender({ storeId: 'exp-off', catalog, syncUrl: url, syncKey: key, experiments });
        await reco.track({ type: 'view', itemId: 'mug-2' });
        const reranked = await reco.rerank(storeList);
        const recommended = await reco.recommend({ k: 3, storeList });
        const plain = await reco.recommend({ k: 3 });
        await reco.track({ type: 'impression', itemIds: reranked.map((r) => r.itemId), listId: 'home', attributionId: reranked[0]!.attributionId });
        await reco.track({ type: 'click', itemId: 'mug-1', position: 2, listId: 'home', attributionId: reranked[0]!.attributionId });
        const summary = await reco.syncNow();
        const data = await reco.exportData();
        return { reranked, recommended, plain, summary, experiments: data.experiments, sent: data.sync!.sent.map((s) => s.report) };
      },
      { url: gateway.url, key: KEY, catalog: CATALOG, storeList },
    );
    expect(result.reranked.map((r) => r.itemId)).toEqual(storeList);
    expect(result.recommended.map((r) => r.itemId)).toEqual(storeList.slice(0, 3));
    expect(result.plain).toEqual([]); // no list of the store's given: edgereco shows nothing in this arm
    const arm = result.experiments[0]!.arm;
    for (const r of [...result.reranked, ...result.recommended]) {
      expect(r).toMatchObject({ source: 'store', experiments: [{ experiment: 'home-recs', arm }] });
      expect(r.attributionId).toMatch(/^er-[0-9a-f]{8}-[0-9a-f]{4}-7/);
    }
    expect(result.summary).toMatchObject({ status: 'done', built: 2, accepted: 2, epsilonSpent: 4 });
    const outcome = result.sent.find((r) => r.kind === 'outcome')!;
    expect(outcome).toMatchObject({ v: 2, kind: 'outcome', mech: 'grr', exp: 'home-recs', d: 14, eps: 2 });
    // What reached the gateway's sink: the outcome report as sent, and nothing that names the arm, an item or the list.
    const stored = readFileSync(sink, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { value: { id: string } });
    expect(stored.map((l) => l.value)).toContainEqual(outcome);
    const wire = [...bodies, readFileSync(sink, 'utf8')].join('\n');
    expect(wire).not.toMatch(/control-a|control-b|mug-|not-in-catalog|er-|home"|eventId|"ts"/);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('each result carries the shopper\'s arm; explain() names it; it is stable across pages and drawn again after forget()', async () => {
    const context = await browser.newContext();
    let page = await openSdkPage(context);
    const run = (p: Page) => p.evaluate(async (catalog) => {
      const w = window as unknown as W;
      const experiments: Sdk.Experiment[] = [{ id: 'reco-v1', arms: [{ name: 'baseline', weight: 1, recommender: 'baseline' }, { name: 'model', weight: 1 }] }];
      const reco = w.sdk.createRecommender({ storeId: 'exp-arms', catalog, experiments });
      w.reco = reco;
      await reco.track({ type: 'view', itemId: 'mug-1' });
      const recs = await reco.recommend({ k: 3 });
      const related = await reco.related('mug-1', { k: 2 });
      const explained = await reco.explain(recs[0]!.itemId);
      const data = await reco.exportData();
      return { recs, related, explained, experiments: data.experiments };
    }, CATALOG);
    const first = await run(page);
    const [assignment] = first.experiments;
    expect(assignment).toMatchObject({ experiment: 'reco-v1', arm: expect.stringMatching(/^(baseline|model)$/) });
    for (const r of [...first.recs, ...first.related]) expect(r.experiments).toEqual([{ experiment: 'reco-v1', arm: assignment!.arm }]);
    expect(first.explained.experiments).toEqual([{ experiment: 'reco-v1', arm: assignment!.arm }]);
    expect(first.explained.evidence.at(-1)).toMatchObject({ kind: 'experiment', text: expect.stringContaining(`You are in group “${assignment!.arm}” of the store’s experiment “reco-v1”`) });
    // The next page of the same shopper: the same arm, drawn at the same time.
    await page.close();
    page = await openSdkPage(context);
    expect((await run(page)).experiments).toEqual(first.experiments);
    // forget(): the arm went with the rest of the data; the next list draws again.
    const after = await page.evaluate(async () => {
      const w = window as unknown as W;
      const before = Date.now();
      await w.reco!.forget();
      await w.reco!.recommend({ k: 1 });
      return { before, experiments: (await w.reco!.exportData()).experiments };
    });
    expect(Date.parse(after.experiments[0]!.since)).toBeGreaterThanOrEqual(after.before);
    await context.close();
  });

  it('a "baseline" arm ranks by the baseline even with a model loaded; a "model" arm by the model', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const sources = await page.evaluate(async () => {
      const w = window as unknown as W;
      const arm = (recommender: Sdk.ArmRecommender): Sdk.Experiment[] => [{ id: `only-${recommender}`, arms: [{ name: 'a', weight: 1, recommender }, { name: 'b', weight: 1, recommender }] }];
      const out: Record<string, string[]> = {};
      for (const recommender of ['baseline', 'model'] as const) {
        const reco = w.sdk.createRecommender({ storeId: `exp-${recommender}`, storage: 'memory', catalogUrl: '/demo/data/retail-products.json', modelUrl: '/models/retail/manifest.json', backend: 'wasm', experiments: arm(recommender) });
        for (const itemId of ['22423', '85123A', '21212']) await reco.track({ type: 'view', itemId });
        out[recommender] = [...new Set((await reco.recommend({ k: 5 })).map((r) => r.source))];
        await reco.close();
      }
      return out;
    });
    expect(sources).toEqual({ baseline: ['baseline'], model: ['model'] });
    await context.close();
  });
  it('a "store" arm re-ranks the store\'s own list (with the arm\'s rules); experiments can come with the priors bundle', async () => {
    // The store publishes its experiment with the priors (the aggregator's aggregate.experiments): the page passes none.
    const experiments: Sdk.Experiment[] = [{ id: 'from-priors', arms: [{ name: 'own-a', weight: 1, recommender: 'store', rules: { maxPerBrand: 1 } }, { name: 'own-b', weight: 1, recommender: 'store', rules: { maxPerBrand: 1 } }] }];
    const priors = { format: 'edgereco-priors', version: 2, generated: '2026-12-01', periods: null, reports: { item: 0, pair: 0, query: 0, duplicatesDropped: 0 }, threshold: { item: 20, pair: 20, query: 20 },
      publication: { rule: 'bonferroni-bernstein', alpha: 0.01, minCount: 20, candidates: 0, falseDropRate: 0, kinds: Object.fromEntries(['item', 'pair', 'query'].map((k) => [k, { candidates: 0, window: { days: 7, from: null, to: null }, epsilon: [], reports: 0, sigma: 0, z: 0, threshold: 20 }])) },
      items: [], pairs: [], queries: [], experiments };
    mkdirSync('test-results/experiments', { recursive: true });
    writeFileSync('test-results/experiments/priors.json', JSON.stringify(priors));
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async (catalog) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'exp-store', storage: 'memory', catalog, priorsUrl: '/test-results/experiments/priors.json' });
      const storeList = catalog.map((item) => item.id).reverse();
      const recommended = await reco.recommend({ k: 20, storeList });
      const reranked = await reco.rerank(storeList);
      return { storeList, recommended, reranked, brands: Object.fromEntries(catalog.map((i) => [i.id, i.brand])) };
    }, CATALOG);
    const [ref] = result.recommended[0]!.experiments!;
    expect(ref).toMatchObject({ experiment: 'from-priors', arm: expect.stringMatching(/^own-[ab]$/) });
    // No model: the store's order is kept, and the arm's rule (one item per brand) applies to its lists.
    const brands = result.recommended.map((r) => result.brands[r.itemId]);
    expect(new Set(brands).size).toBe(brands.length);
    expect(result.recommended.map((r) => r.itemId)).toEqual(result.storeList.filter((id, i, all) => all.findIndex((x) => result.brands[x] === result.brands[id]) === i).slice(0, 20));
    for (const r of result.recommended) expect(r).toMatchObject({ source: 'store', reason: 'From the store’s own list' });
    expect(result.reranked.every((r) => r.experiments?.[0]?.experiment === 'from-priors')).toBe(true);
    await context.close();
  });
});
