import { execSync } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { readBundle } from '../../models/cli/bundle-files.js';
import { historyScorer } from '../../models/cli/evaluation/catalog-scores.js';
import { plainSasrec } from '../../src/model/history-state.js';
import { DEDICATED, launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';

type W = Window & { sdk: typeof Sdk };
const MODEL = '/test-results/models/tiny/manifest.json';
const ENSEMBLE = MODEL.replace('tiny', 'tiny-ensemble');
const MEMORY = MODEL.replace('tiny', 'tiny-memory');
const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;

interface Run {
  ready: Sdk.RecommenderEvents['ready'];
  backend: Sdk.RecommenderEvents['backend'];
  before: [string, number][];
  after: [string, number][];
  /** Sources of `related('3', { k: 3 })` after those views. */
  related: string[];
  errors: string[];
}

let browser: Browser;
let webgpuBrowser: Browser;
const runs = new Map<string, Run>();

beforeAll(async () => {
  // End to end: train → quantize → bundle, with the real CLI on fixture data; the browser then loads and scores it.
  // One plain model each, its last epoch (`--eval-every 0`): five sequences are too few to choose on.
  execSync(`npx tsx models/cli/main.ts train --events test/fixtures/model/tiny.s3rec.txt --format s3rec --epochs 5 --seed 1 --members 1 --eval-every 0 --out ${resultsDir()}/models/tiny`, { stdio: 'pipe' });
  // A store export with event types and times: this bundle reads both.
  execSync(`npx tsx models/cli/main.ts train --events test/fixtures/model/store-export.csv --format csv --dim 16 --epochs 5 --seed 1 --members 1 --eval-every 0 --out ${resultsDir()}/models/store`, { stdio: 'pipe' });
  // An ensemble of two seeds (one bundle, averaged scores).
  execSync(`npx tsx models/cli/main.ts train --events test/fixtures/model/tiny.s3rec.txt --format s3rec --epochs 5 --seed 1 --members 2 --out ${resultsDir()}/models/tiny-ensemble`, { stdio: 'pipe' });
  // The tiny model again (same seed), given a co-occurrence memory by `edgereco neighbours`.
  execSync(`npx tsx models/cli/main.ts train --events test/fixtures/model/tiny.s3rec.txt --format s3rec --epochs 5 --seed 1 --members 1 --eval-every 0 --out ${resultsDir()}/models/tiny-memory`, { stdio: 'pipe' });
  execSync(`npx tsx models/cli/main.ts neighbours --events test/fixtures/model/tiny.s3rec.txt --format s3rec --neighbours 3 --hops 3 --model ${resultsDir()}/models/tiny-memory`, { stdio: 'pipe' });
  browser = await launch();
  webgpuBrowser = await launch({ webgpu: true });
});
afterAll(async () => {
  await browser?.close();
  await webgpuBrowser?.close();
});

/** Loads a model (default: the tiny one) on one backend, records the scores for a fixed history, then after one more view. */
async function runOn(backend: (typeof BACKENDS)[number], modelUrl = MODEL): Promise<Run> {
  const context = await (backend === 'webgpu' ? webgpuBrowser : browser).newContext();
  const page = await openSdkPage(context);
  const errors = watchErrors(page);
  const result = await page.evaluate(
    async ({ modelUrl, backend }) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: `model-${backend}`, modelUrl, backend });
      const ready = new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
      const chosen = new Promise<Sdk.RecommenderEvents['backend']>((r) => reco.on('backend', r));
      for (const itemId of ['1', '2', '3']) await reco.track({ type: 'view', itemId });
      const before = (await reco.recommend({ k: 4 })).map((r) => [r.itemId, r.score] as [string, number]);
      await reco.track({ type: 'view', itemId: '7' });
      const after = (await reco.recommend({ k: 4 })).map((r) => [r.itemId, r.score] as [string, number]);
      const related = (await reco.related('3', { k: 3 })).map((r) => r.source);
      return { ready: await ready, backend: await chosen, before, after, related };
    },
    { modelUrl, backend },
  );
  await context.close();
  return { ...result, errors };
}

describe.each(BACKENDS)('the click model on %s', (backend) => {
  it('loads the int8 bundle, runs on that backend, and the next recommend() reflects a view', async () => {
    const run = await runOn(backend);
    runs.set(backend, run);
    expect(run.ready.recommender).toBe('model');
    expect(run.backend.backend).toBe(backend);
    expect(run.ready.backend).toBe(backend);
    expect(run.before).toHaveLength(4);
    expect(run.before.map(([id]) => id)).not.toContain('1'); // seen items are not recommended back
    expect(run.after).not.toEqual(run.before);
    expect(run.errors).toEqual([]);
  });
});

describe('rerank()', () => {
  it('puts a store’s own list in the shopper’s order when the model knows the history, and keeps it otherwise', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async (modelUrl) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'rerank-model', modelUrl, backend: 'wasm' });
      for (const itemId of ['1', '2', '3']) await reco.track({ type: 'view', itemId });
      // The store's list: four items the shopper has not seen, in the reverse of the model's order.
      const modelTop = (await reco.recommend({ k: 4 })).map((r) => r.itemId);
      const list = [...modelTop].reverse();
      const plain = w.sdk.createRecommender({ storeId: 'rerank-plain' });
      const kept = (await plain.rerank(list, { query: 'x' })).map((r) => r.itemId);
      const reranked = await reco.rerank(list, { query: 'x' });
      return { list, kept, modelTop, reranked: reranked.map((r) => r.itemId), reasons: reranked.map((r) => r.reason) };
    }, MODEL);
    expect(result.list.sort()).toEqual(['4', '5', '6', '7']);
    expect(result.kept).toEqual([...result.modelTop].reverse());
    expect(result.reranked).not.toEqual(result.kept);
    // The model's favourite, last in the store's list, moves up (fusion keeps the store's order in the balance, so not
    // necessarily to the top).
    expect(result.reranked.indexOf(result.modelTop[0]!)).toBeLessThan(3);
    expect(result.reasons.every((r) => r.startsWith('Matches “x”'))).toBe(true);
    await context.close();
  });
});

describe('related() with the model', () => {
  it('answers from the model’s item embeddings for an item the shopper never saw, and falls back for an unknown item', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async (modelUrl) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'related-model', modelUrl, backend: 'wasm' });
      const known = await reco.related('3', { k: 3 });
      const unknown = await reco.related('not-in-the-model', { k: 3 });
      return { known: known.map((r) => [r.itemId, r.source, r.reason]), unknown: unknown.map((r) => r.source) };
    }, MODEL);
    expect(result.known).toHaveLength(3);
    expect(result.known.every(([id, source, reason]) => id !== '3' && source === 'model' && reason === 'Often chosen by shoppers who chose “3”')).toBe(true);
    expect(result.unknown.every((s) => s === 'baseline')).toBe(true);
    await context.close();
  });
});

describe('an ensemble bundle (train --members 2)', () => {
  it('recommends and relates from the model on WASM and WebGPU, with the same scores on both', async () => {
    const [wasm, webgpu] = [await runOn('wasm', ENSEMBLE), await runOn('webgpu', ENSEMBLE)];
    for (const [backend, run] of [['wasm', wasm], ['webgpu', webgpu]] as const) {
      expect(run.ready.recommender).toBe('model');
      expect(run.ready.backend).toBe(backend);
      expect(run.before).toHaveLength(4);
      expect(run.after).not.toEqual(run.before);
      expect(run.related).toEqual(['model', 'model', 'model']);
      expect(run.errors).toEqual([]);
    }
    expect(webgpu.before.map(([id]) => id)).toEqual(wasm.before.map(([id]) => id));
    webgpu.before.forEach(([, score], i) => expect(Math.abs(score - wasm.before[i]![1])).toBeLessThan(1e-3));
  });
});

describe('a bundle with a co-occurrence memory (edgereco neighbours)', () => {
  it('recommends with the scores the evaluation CLI computes for the same history, on WASM and WebGPU', async () => {
    await tf.setBackend('cpu');
    const bundle = await readBundle(`${resultsDir()}/models/tiny-memory`);
    expect(bundle.manifest.config.neighbourWeight).toBe(1);
    expect(bundle.manifest.config.neighbourHops).toBe(3); // walks of up to three steps, path weight 1 over the default gain 100
    expect(bundle.manifest.config.neighbourPathWeight).toBeCloseTo(1 / 100, 12);
    const model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
    const index = (id: string) => bundle.manifest.vocabulary.indexOf(id) + 1;
    // What `evaluate` ranks by (historyScorer, the memory included), for the views the page makes, seen items left out.
    const expected = (views: string[]): [string, number][] => {
      const row = historyScorer(model)([views.map(index)])[0]!;
      return bundle.manifest.vocabulary
        .filter((id) => !views.includes(id))
        .map((id): [string, number] => [id, row[index(id)]!])
        .sort((a, b) => b[1] - a[1])
        .slice(0, 4);
    };
    const memoryOff = historyScorer(plainSasrec({ ...bundle.manifest.config, neighbourWeight: 0 }, bundle.tensors))([['1', '2', '3'].map(index)])[0]!;
    const before = expected(['1', '2', '3']);
    expect(before.some(([id, score]) => Math.abs(score - memoryOff[index(id)]!) > 0.1)).toBe(true); // the memory counts
    const pathsOff = historyScorer(plainSasrec({ ...bundle.manifest.config, neighbourPathWeight: 0 }, bundle.tensors))([['1', '2', '3'].map(index)])[0]!;
    const withPaths = historyScorer(model)([['1', '2', '3'].map(index)])[0]!;
    expect(withPaths.some((score, i) => i > 0 && score - pathsOff[i]! > 0.01)).toBe(true); // and so do its longer paths
    for (const backend of ['wasm', 'webgpu'] as const) {
      const run = await runOn(backend, MEMORY);
      expect(run.ready.backend).toBe(backend);
      expect(run.errors).toEqual([]);
      for (const [got, want] of [[run.before, before], [run.after, expected(['1', '2', '3', '7'])]] as const) {
        expect(got.map(([id]) => id)).toEqual(want.map(([id]) => id));
        got.forEach(([, score], i) => expect(Math.abs(score - want[i]![1])).toBeLessThan(1e-3));
      }
    }
  });
});

describe('items the model never saw', () => {
  it('score from their category’s known items, come back with their category as the reason, and follow filters', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async (modelUrl) => {
      const w = window as unknown as W;
      const item = (id: string, category: string) => ({ id, title: `Item ${id}`, category });
      const catalog = [
        ...['1', '3', '5'].map((id) => item(id, 'Toys > Odd')),
        ...['2', '4', '6'].map((id) => item(id, 'Toys > Even')),
        item('7', 'Misc'),
        item('new-odd', 'Toys > Odd'),
        item('new-even', 'Toys > Even'),
        item('new-garden', 'Garden'), // no known item shares anything with it
      ];
      const reco = w.sdk.createRecommender({ storeId: 'model-new-items', modelUrl, backend: 'wasm', catalog });
      await reco.track({ type: 'view', itemId: '7' });
      const all = await reco.recommend({ k: 20 });
      const odd = await reco.recommend({ k: 20, filter: { category: 'Toys > Odd' } });
      return {
        all: all.map((r) => ({ id: r.itemId, score: r.score, source: r.source, reason: r.reason })),
        odd: odd.map((r) => r.itemId),
      };
    }, MODEL);
    const score = (id: string): number => result.all.find((r) => r.id === id)!.score;
    const ids = result.all.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5', '6', 'new-odd', 'new-even']));
    expect(ids).not.toContain('new-garden');
    expect(score('new-odd')).toBeCloseTo((score('1') + score('3') + score('5')) / 3, 3);
    expect(score('new-even')).toBeCloseTo((score('2') + score('4') + score('6')) / 3, 3);
    const fresh = result.all.find((r) => r.id === 'new-odd')!;
    expect(fresh.source).toBe('model');
    expect(fresh.reason).toContain('Toys > Odd');
    expect([...result.odd].sort()).toEqual(['1', '3', '5', 'new-odd']);
    await context.close();
  });
});

describe('a model that reads event types and times', () => {
  it('scores the shopper’s log through the training featurization: the latest event’s type changes the answer', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context);
    const result = await page.evaluate(async (modelUrl) => {
      const w = window as unknown as W;
      const shopper = async (storeId: string, last: 'view' | 'add_to_cart') => {
        const reco = w.sdk.createRecommender({ storeId, modelUrl, backend: 'wasm' });
        const readyEvent = new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
        await reco.track({ type: 'view', itemId: 'item1' });
        await reco.track({ type: 'view', itemId: 'item4' });
        await reco.track(last === 'view' ? { type: 'view', itemId: 'item7' } : { type: 'add_to_cart', itemId: 'item7', quantity: 1 });
        return { ready: await readyEvent, list: (await reco.recommend({ k: 5 })).map((r) => [r.itemId, r.score] as [string, number]) };
      };
      return { viewed: await shopper('types-view', 'view'), carted: await shopper('types-cart', 'add_to_cart') };
    }, MODEL.replace('tiny', 'store'));
    expect(result.viewed.ready.recommender).toBe('model');
    expect(result.viewed.list).toHaveLength(5);
    expect(result.carted.list).not.toEqual(result.viewed.list);
    await context.close();
  });
});

describe('backend fallback', () => {
  it('asked for WebGPU where there is no adapter, the model runs on the next backend and the caller only sees a backend event', async () => {
    const context = await browser.newContext(); // this Chromium runs with --disable-gpu: requestAdapter() finds nothing
    const page = await openSdkPage(context);
    const errors = watchErrors(page);
    const result = await page.evaluate(async (modelUrl) => {
      const w = window as unknown as W;
      const adapter = await (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter();
      const reco = w.sdk.createRecommender({ storeId: 'model-fallback', modelUrl, backend: 'webgpu' });
      const failures: string[] = [];
      reco.on('error', (e) => failures.push(e.code));
      const chosen = new Promise<Sdk.RecommenderEvents['backend']>((r) => reco.on('backend', r));
      await reco.track({ type: 'view', itemId: '2' });
      const recs = await reco.recommend({ k: 3 });
      return { adapter: adapter ?? null, backend: await chosen, source: recs[0]?.source, failures };
    }, MODEL);
    expect(result.adapter).toBeNull();
    expect(result.backend.backend).not.toBe('webgpu');
    expect(result.backend.skipped.webgpu).toBeTruthy();
    expect(result.source).toBe('model');
    expect(result.failures).toEqual([]);
    expect(errors.filter((e) => !/WebGPU|adapter/i.test(e))).toEqual([]);
    await context.close();
  });
});

describe("backend: 'auto'", () => {
  it('starts on WASM, remembers why for this device and model (IndexedDB), and the next page view starts from that', async () => {
    for (const [which, chromium, why] of [
      ['no GPU', () => browser, 'no WebGPU adapter: WASM'],
      ['SwiftShader', () => webgpuBrowser, 'the WebGPU adapter is a software fallback: WASM (google swiftshader (software))'],
    ] as const) {
      const context = await chromium().newContext();
      const open = async () => {
        const page = await openSdkPage(context, DEDICATED);
        const lines: string[] = [];
        page.on('console', (m) => lines.push(m.text()));
        const result = await page.evaluate(async (modelUrl) => {
          const w = window as unknown as W;
          const reco = w.sdk.createRecommender({ storeId: 'auto-backend', modelUrl, backend: 'auto', debug: true });
          const chosen = new Promise<Sdk.RecommenderEvents['backend']>((r) => reco.on('backend', r));
          await reco.track({ type: 'view', itemId: '2' });
          const recs = await reco.recommend({ k: 3 });
          return { backend: await chosen, source: recs[0]?.source };
        }, MODEL);
        return { ...result, lines, page };
      };
      const first = await open();
      expect(first.backend.backend, which).toBe('wasm');
      expect(first.backend.why).toBe('auto: WASM by default; the steady state is measured in the background after the first answer');
      expect(first.source).toBe('model');
      await expect.poll(() => first.lines.find((l) => l.includes('remembered for this device and model')), { timeout: 10_000 }).toMatch(new RegExp(`^edgereco: model backend wasm: ${why.replace(/[()]/g, '\\$&')}; remembered for this device and model, measured again after \\d{4}-\\d\\d-\\d\\d$`));
      await first.page.close();
      const next = await open();
      expect(next.backend.backend).toBe('wasm');
      expect(next.backend.why).toBe(`auto: remembered from ${new Date().toISOString().slice(0, 10)} for this device and model (${why})`);
      expect(next.source).toBe('model');
      expect(next.lines.filter((l) => l.includes('remembered for this device'))).toEqual([]); // nothing measured or written again
      await context.close();
    }
  });
});

describe('model bundle cache', () => {
  it('a reload does not download the weights again (Cache Storage), and forget() removes the cache', async () => {
    const context = await browser.newContext();
    const page = await openSdkPage(context, DEDICATED);
    const fetched: string[] = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    const load = () =>
      page.evaluate(async (modelUrl) => {
        const w = window as unknown as W;
        const reco = w.sdk.createRecommender({ storeId: 'model-cache', modelUrl, backend: 'wasm' });
        const ready = await new Promise<Sdk.RecommenderEvents['ready']>((r) => reco.on('ready', r));
        (window as unknown as { reco: Sdk.Recommender }).reco = reco;
        return ready.recommender;
      }, MODEL);
    expect(await load()).toBe('model');
    expect(fetched.filter((p) => p.endsWith('/weights.bin'))).toHaveLength(1);
    await page.reload();
    await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
    fetched.length = 0;
    expect(await load()).toBe('model');
    expect(fetched.filter((p) => p.endsWith('/weights.bin'))).toEqual([]);
    expect(fetched.filter((p) => p.endsWith('/manifest.json'))).toHaveLength(1); // revalidated: a new model would be picked up
    const caches = await page.evaluate(async () => {
      await (window as unknown as { reco: Sdk.Recommender }).reco.forget();
      return globalThis.caches.keys();
    });
    expect(caches).toEqual([]);
    await context.close();
  });
});

describe('one model, every backend', () => {
  it('gives the same scores for a fixed input on CPU, WASM and WebGPU (within 1e-3)', () => {
    const reference = runs.get('cpu')!;
    console.log(JSON.stringify(Object.fromEntries([...runs].map(([k, r]) => [k, { before: r.before, after: r.after }]))));
    for (const backend of ['wasm', 'webgpu'] as const) {
      const run = runs.get(backend)!;
      for (const key of ['before', 'after'] as const) {
        expect(run[key].map(([id]) => id)).toEqual(reference[key].map(([id]) => id));
        run[key].forEach(([, score], i) => expect(Math.abs(score - reference[key][i]![1])).toBeLessThan(1e-3));
      }
    }
  });
});
