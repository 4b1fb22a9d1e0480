import { mkdirSync, writeFileSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { DEDICATED, launch, openSdkPage, resultsDir, watchErrors } from './chromium.js';

/**
 * A multi-page storefront in real Chromium: each page view is a new document with a new worker, in one profile. The
 * first view builds the search index and keeps its completions and the checked catalog rows; the next view of the
 * unchanged catalog (one 304) answers suggest() from them at once, as the full index would, and its other answers from
 * the kept rows; a changed catalog is never answered from the old ones.
 */
type W = Window & { sdk: typeof Sdk };

const DIR = `${resultsDir()}/warm-start`;
const URL_PATH = '/test-results/warm-start/catalog.json';
const WORDS = ['wireless', 'wired', 'window', 'winter', 'headphones', 'headset', 'keyboard', 'mouse', 'lamp', 'mug', '蓝牙耳机', '空气炸锅'];

function writeCatalog(extra: string[] = []): void {
  const items = Array.from({ length: 3000 }, (_, i) => ({ id: `p${i}`, title: `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`, category: `C${i % 20}` }));
  extra.forEach((title, j) => items.push({ id: `x${j}`, title, category: 'C0' }));
  writeFileSync(`${DIR}/catalog.json`, JSON.stringify({ format: 'edgereco-catalog', version: 1, items }));
}

let browser: Browser;

beforeAll(async () => {
  mkdirSync(DIR, { recursive: true });
  writeCatalog();
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** One page view: the recommender started as a storefront starts it; its debug lines; the answers to `prefixes`. */
async function pageView(context: BrowserContext, prefixes: string[]): Promise<{ answers: Sdk.Suggestion[][]; related: string[]; lines: string[]; errors: string[] }> {
  const page = await openSdkPage(context, DEDICATED);
  const errors = watchErrors(page);
  const lines: string[] = [];
  page.on('console', (m) => m.text().startsWith('edgereco:') && lines.push(m.text()));
  const { answers, related } = await page.evaluate(
    async ({ url, prefixes }) => {
      const w = window as unknown as W;
      const reco = w.sdk.createRecommender({ storeId: 'warm-start', catalogUrl: url, debug: true, timeoutMs: 60_000 });
      const out: Sdk.Suggestion[][] = [];
      for (const prefix of prefixes) {
        out.push(await reco.suggest(prefix));
        console.info(`edgereco: (test) answered ${prefix}`);
      }
      // An answer made from the catalog's rows (ids and titles of the same category).
      const related = (await reco.related('p1', { k: 8 })).map((r) => `${r.itemId} ${r.title}`);
      return { answers: out, related };
    },
    { url: URL_PATH, prefixes },
  );
  // Stay on the page until what it keeps for the next view is written (or it says why not).
  await page.waitForFunction(() => true);
  for (let i = 0; i < 100 && !lines.some((l) => /catalog rows (kept|restored)|not kept/.test(l)); i++) await page.waitForTimeout(100);
  await page.close();
  return { answers, related, lines, errors };
}

describe('a repeat page view of an unchanged catalog', () => {
  it('answers suggest() from the completions the last view kept, as the full index does; a changed catalog is read afresh', async () => {
    const context = await browser.newContext();
    const prefixes = ['wi', 'head', '蓝牙', 'wireless h', 'zeb'];
    const first = await pageView(context, prefixes);
    expect(first.lines.some((l) => l.includes('search completions kept for the next page view'))).toBe(true);
    expect(first.lines.some((l) => l.includes('catalog rows kept for the next page view'))).toBe(true);
    expect(first.related).toHaveLength(8);
    expect(first.answers[0]!.map((s) => s.text)).toEqual(expect.arrayContaining(['wireless', 'wired', 'window', 'winter']));

    const repeat = await pageView(context, prefixes);
    expect(repeat.lines.some((l) => l.includes('search completions restored'))).toBe(true);
    // Answered from the kept completions: the single words before the full index was built (rebuilt after the page's
    // calls, in the background); 'wireless h' (words before the last) waited for it.
    const at = (text: string) => repeat.lines.findIndex((l) => l.includes(text));
    expect(at('search completions restored')).toBeLessThan(at('(test) answered wi'));
    expect(at('(test) answered 蓝牙')).toBeLessThan(at('search index built'));
    expect(at('(test) answered wireless h')).toBeGreaterThan(at('search index built'));
    expect(repeat.answers).toEqual(first.answers);
    expect(repeat.answers[4]).toEqual([]);
    // The catalog's rows came from the kept copy (not parsed again), and answer as the catalog does.
    expect(repeat.lines.some((l) => l.includes('catalog rows restored'))).toBe(true);
    expect(repeat.lines.some((l) => l.includes('3000 catalog items'))).toBe(true);
    expect(repeat.related).toEqual(first.related);

    // The store publishes a new catalog at the same URL: a new ETag, so the kept completions are not used.
    writeCatalog(['zebra lamp']);
    const changed = await pageView(context, prefixes);
    expect(changed.lines.some((l) => l.includes('none kept for this catalog version'))).toBe(true);
    expect(changed.answers[4]!.map((s) => s.text)).toEqual(['zebra']);
    expect(changed.lines.some((l) => l.includes('catalog rows restored'))).toBe(false);
    expect(changed.lines.some((l) => l.includes('3001 catalog items'))).toBe(true);
    const again = await pageView(context, ['zeb']);
    expect(again.lines.some((l) => l.includes('search completions restored'))).toBe(true);
    expect(again.answers[0]!.map((s) => s.text)).toEqual(['zebra']);
    expect(again.lines.some((l) => l.includes('catalog rows restored'))).toBe(true);
    expect(again.lines.some((l) => l.includes('3001 catalog items'))).toBe(true);
    for (const view of [first, repeat, changed, again]) expect(view.errors).toEqual([]);
    await context.close();
  });
});
