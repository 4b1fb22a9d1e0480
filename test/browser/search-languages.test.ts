import fc from 'fast-check';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../../src/index.js';
import { DEDICATED, launch, openSdkPage, watchErrors } from './chromium.js';

type W = Window & { sdk: typeof Sdk };

/** A small store in three languages: what a shopper in each would search for, and traps beside it. */
const CATALOG: Sdk.CatalogItem[] = [
  { id: 'zh-bt1', title: '小米Redmi Buds 5 Pro无线蓝牙耳机主动降噪长续航', brand: '小米', category: '数码 > 耳机', price: 399, attributes: { 颜色: '黑色' } },
  { id: 'zh-bt2', title: '华为FreeBuds 6i真无线蓝牙耳机 入耳式降噪', brand: '华为', category: '数码 > 耳机', price: 499, attributes: { 颜色: '白色' } },
  { id: 'zh-bt3', title: '漫步者运动蓝牙耳机挂耳式防水', brand: '漫步者', category: '数码 > 耳机', price: 159, attributes: { 颜色: '黑色' } },
  { id: 'zh-wired', title: '森海塞尔有线耳机HiFi发烧入耳式', brand: '森海塞尔', category: '数码 > 耳机', price: 899, attributes: { 颜色: '黑色' } },
  { id: 'zh-case', title: '耳机收纳包便携硬壳', brand: '绿联', category: '数码 > 配件', price: 29 },
  { id: 'zh-speaker', title: '小米蓝牙音箱户外便携低音炮', brand: '小米', category: '数码 > 音箱', price: 199 },
  { id: 'zh-shell', title: 'iPhone 15手机壳透明防摔', brand: '倍思', category: '手机 > 配件', price: 39 },
  { id: 'zh-cover', title: '华为Mate 60保护套磨砂全包', brand: '华为', category: '手机 > 配件', price: 49 },
  { id: 'zh-cup', title: '象印保温杯大容量不锈钢480ml', brand: '象印', category: '家居 > 水杯', price: 229 },
  { id: 'zh-fryer', title: '美的空气炸锅家用大容量5L', brand: '美的', category: '家电 > 厨房电器', price: 299 },
  { id: 'ja-ear1', title: 'ソニー ワイヤレスイヤホン WF-1000XM5 ノイズキャンセリング', brand: 'ソニー', category: '家電 > イヤホン', price: 41800 },
  { id: 'ja-ear2', title: 'Anker Soundcore ワイヤレスイヤホン Bluetooth 5.3', brand: 'Anker', category: '家電 > イヤホン', price: 5990 },
  { id: 'ja-kettle', title: 'ティファール 電気ケトル 0.8L', brand: 'ティファール', category: '家電 > キッチン家電', price: 3980 },
  { id: 'en-tv1', title: 'Samsung 55" 4K Smart TV', brand: 'Samsung', category: 'Electronics > TV', price: 549 },
  { id: 'en-tv2', title: 'LG 65 inch OLED television', brand: 'LG', category: 'Electronics > TV', price: 1299 },
  { id: 'en-hp1', title: 'Sony WH-1000XM5 wireless headphones noise cancelling', brand: 'Sony', category: 'Electronics > Headphones', price: 349, description: 'Industry-leading noise cancelling with two processors and eight microphones.' },
  { id: 'en-hp2', title: 'Bose QuietComfort headphones', brand: 'Bose', category: 'Electronics > Headphones', price: 299 },
  { id: 'th-ear', title: 'หูฟังบลูทูธไร้สาย ตัดเสียงรบกวน', brand: 'Soundpeats', category: 'อิเล็กทรอนิกส์ > หูฟัง', price: 990 },
];

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Runs `fn` in a fresh page with a recommender over {@link CATALOG} and the given search settings. */
async function withStore<T>(search: Sdk.SearchSettings, fn: (reco: Sdk.Recommender) => Promise<T>, globals: Record<string, unknown> = {}): Promise<{ value: T; errors: string[]; requested: string[] }> {
  const context = await browser.newContext();
  const page = await openSdkPage(context, DEDICATED);
  const errors = watchErrors(page);
  const requested: string[] = [];
  context.on('request', (request) => requested.push(new URL(request.url()).pathname));
  const value = await page.evaluate(
    async ({ catalog, search, body, globals }) => {
      const w = window as unknown as W;
      Object.assign(w, globals);
      const reco = w.sdk.createRecommender({ storeId: `langs-${Math.random()}`, catalog, search });
      // The function travels as text: the page has no access to the test's closures.
      return (await new Function('reco', `return (${body})(reco)`)(reco)) as unknown;
    },
    { catalog: CATALOG, search, body: fn.toString(), globals },
  );
  await context.close();
  return { value: value as T, errors, requested };
}

const marked = (title: string, ranges: readonly Sdk.TextRange[]) => ranges.map((r) => title.slice(r.start, r.end));

describe('search in Chinese, Japanese and English, as a shopper meets it in the browser', () => {
  it('蓝牙耳机 finds the bluetooth headphones whose titles hold it inside a longer run, and marks the matched characters', async () => {
    const { value, errors } = await withStore({ locale: 'zh-CN' }, async (reco) => {
      const hits = await reco.search('蓝牙耳机', { k: 5 });
      return hits.map((h) => ({ id: h.itemId, title: h.title!, ranges: h.highlight?.title ?? [] }));
    });
    expect(value.slice(0, 3).map((h) => h.id).sort()).toEqual(['zh-bt1', 'zh-bt2', 'zh-bt3']);
    for (const hit of value.slice(0, 3)) expect(marked(hit.title, hit.ranges).join('')).toContain('蓝牙耳机');
    expect(errors).toEqual([]);
  });

  it('Traditional Chinese finds the Simplified titles, and Thai is searched by words', async () => {
    const { value, errors } = await withStore({}, async (reco) => ({
      traditional: (await reco.search('藍牙耳機', { k: 3 })).map((h) => h.itemId),
      thai: (await reco.search('บลูทูธ', { k: 3 })).map((h) => h.itemId),
    }));
    expect(value.traditional.sort()).toEqual(['zh-bt1', 'zh-bt2', 'zh-bt3']);
    expect(value.thai).toEqual(['th-ear']);
    expect(errors).toEqual([]);
  });

  it('pinyin completes to Chinese only when the store turns it on, and only then is its chunk fetched', async () => {
    const off = await withStore({}, async (reco) => (await reco.suggest('lanya')).map((s) => s.text));
    expect(off.value).toEqual([]);
    expect(off.requested.some((p) => p.includes('pinyin'))).toBe(false);
    const on = await withStore({ pinyin: true }, async (reco) => ({ whole: (await reco.suggest('lanya')).map((s) => s.text), initials: (await reco.suggest('lyej')).map((s) => s.text) }));
    expect(on.value.whole).toContain('蓝牙耳机');
    expect(on.value.initials).toContain('蓝牙耳机');
    expect(on.requested.some((p) => p.endsWith('/edgereco.pinyin-pro.js'))).toBe(true);
    expect(on.errors).toEqual([]);
  });

  it('suggest() completes Chinese and Japanese prefixes typed without spaces', async () => {
    const { value } = await withStore({}, async (reco) => ({ zh: await reco.suggest('蓝牙'), ja: await reco.suggest('ワイヤレス') }));
    expect(value.zh.map((s) => s.text)).toContain('蓝牙耳机');
    expect(value.ja.some((s) => s.text.startsWith('ワイヤレス') && s.text.length > 'ワイヤレス'.length)).toBe(true);
  });

  it('highlights Japanese and English matches, and the description snippet', async () => {
    const { value } = await withStore({}, async (reco) => {
      const pick = async (q: string) => (await reco.search(q, { k: 3 })).map((h) => ({ id: h.itemId, title: h.title!, ranges: h.highlight?.title ?? [], snippet: h.highlight?.snippet }));
      return { ja: await pick('ワイヤレスイヤホン'), en: await pick('noise cancelling headphones'), desc: await pick('microphones') };
    });
    expect(value.ja[0]!.id).toMatch(/^ja-ear/);
    expect(marked(value.ja[0]!.title, value.ja[0]!.ranges).join('')).toContain('ワイヤレスイヤホン');
    expect(value.en[0]!.id).toBe('en-hp1');
    expect(marked(value.en[0]!.title, value.en[0]!.ranges).map((s) => s.toLowerCase())).toEqual(expect.arrayContaining(['headphones', 'noise', 'cancelling']));
    const snippet = value.desc[0]!.snippet!;
    expect(snippet.ranges.map((r) => snippet.text.slice(r.start, r.end).toLowerCase())).toContain('microphones');
  });

  it('counts facets over every matching item, exactly, and filters by a facet value', async () => {
    const { value } = await withStore({ priceRanges: [0, 200, 500, 1000] }, async (reco) => {
      const all = await reco.search('耳机', { k: 2, facets: ['brand', 'category', 'price', 'attr:颜色'] });
      const black = await reco.search('耳机', { k: 20, facets: ['attr:颜色', 'brand'], filters: { attributes: { 颜色: '黑色' } } });
      return { total: all.total, facets: all.facets, ids: all.map((h) => h.itemId), black: black.map((h) => h.itemId), blackFacets: black.facets, blackTotal: black.total };
    });
    // Brute force over the catalog: every item whose title or category holds 耳机 (the headphones, the case, and none else).
    const matching = CATALOG.filter((i) => `${i.title} ${i.category}`.includes('耳机'));
    expect(value.ids).toHaveLength(2);
    expect(value.total).toBe(matching.length);
    const count = (values: (string | undefined)[]) => {
      const m = new Map<string, number>();
      for (const v of values) if (v !== undefined) m.set(v, (m.get(v) ?? 0) + 1);
      return m;
    };
    const asMap = (vs: readonly Sdk.FacetValue[] | undefined) => new Map((vs ?? []).filter((v) => v.count > 0).map((v) => [v.value, v.count]));
    expect(asMap(value.facets.brand)).toEqual(count(matching.map((i) => i.brand)));
    expect(asMap(value.facets['attr:颜色'])).toEqual(count(matching.map((i) => i.attributes?.颜色 as string | undefined)));
    expect(value.facets.category!.find((v) => v.value === '数码')!.count).toBe(matching.filter((i) => i.category!.startsWith('数码')).length);
    const inRange = (min: number, max: number) => matching.filter((i) => i.price! >= min && i.price! <= max).length;
    expect(value.facets.price!.find((v) => v.min === 200)!.count).toBe(inRange(200, 500));
    const black = matching.filter((i) => i.attributes?.颜色 === '黑色');
    expect(value.black.sort()).toEqual(black.map((i) => i.id).sort());
    expect(value.blackTotal).toBe(black.length);
    // The colour facet ignores its own filter (a shopper can widen the choice); the brand facet applies it.
    expect(asMap(value.blackFacets['attr:颜色'])).toEqual(count(matching.map((i) => i.attributes?.颜色 as string | undefined)));
    expect(asMap(value.blackFacets.brand)).toEqual(count(black.map((i) => i.brand)));
  });

  it('facet counts and totals equal a brute-force count for random queries and filters (property test)', async () => {
    type Case = { q: string; brand?: string; maxPrice?: number; colour?: string };
    const cases = fc.sample(
      fc.record({
        q: fc.constantFrom('耳机', '蓝牙', '小米', '手机', '蓝牙耳机', '便携', '华为', 'headphones', 'tv', 'イヤホン'),
        brand: fc.option(fc.constantFrom('小米', '华为', 'Sony', '漫步者'), { nil: undefined }),
        maxPrice: fc.option(fc.constantFrom(200, 400, 1000), { nil: undefined }),
        colour: fc.option(fc.constantFrom('黑色', '白色'), { nil: undefined }),
      }, { requiredKeys: ['q'] }),
      { numRuns: 30, seed: 18 },
    ) as Case[];
    const { value } = await withStore({}, async (reco) => {
      const out = [];
      for (const c of (window as unknown as { cases: Case[] }).cases) {
        const all = await reco.search(c.q, { k: 200 });
        const filters: Sdk.SearchFilters = {};
        if (c.brand) filters.brand = c.brand;
        if (c.maxPrice) filters.maxPrice = c.maxPrice;
        if (c.colour) filters.attributes = { 颜色: c.colour };
        const faceted = await reco.search(c.q, { k: 200, filters, facets: ['brand', 'attr:颜色'] });
        out.push({ matching: all.slice(0, all.total).map((h) => h.itemId), total: faceted.total, facets: faceted.facets });
      }
      return out;
    }, { cases });
    const byId = new Map(CATALOG.map((i) => [i.id, i]));
    value.forEach((got, n) => {
      const c = cases[n]!;
      const passes = (id: string, skip: 'brand' | 'colour' | '') => {
        const item = byId.get(id)!;
        return (skip === 'brand' || !c.brand || item.brand === c.brand) && (!c.maxPrice || item.price! <= c.maxPrice) && (skip === 'colour' || !c.colour || item.attributes?.颜色 === c.colour);
      };
      const tally = (ids: string[], key: (id: string) => unknown) => {
        const m = new Map<string, number>();
        for (const id of ids) if (key(id) !== undefined) m.set(String(key(id)), (m.get(String(key(id))) ?? 0) + 1);
        return m;
      };
      const asMap = (vs: readonly Sdk.FacetValue[] | undefined) => new Map((vs ?? []).filter((v) => v.count > 0).map((v) => [v.value, v.count]));
      expect(got.total, JSON.stringify(c)).toBe(got.matching.filter((id) => passes(id, '')).length);
      expect(asMap(got.facets.brand), JSON.stringify(c)).toEqual(tally(got.matching.filter((id) => passes(id, 'brand')), (id) => byId.get(id)!.brand));
      expect(asMap(got.facets['attr:颜色']), JSON.stringify(c)).toEqual(tally(got.matching.filter((id) => passes(id, 'colour')), (id) => byId.get(id)!.attributes?.颜色));
    });
    expect(value.filter((v) => v.matching.length > 0).length).toBeGreaterThan(20);
  });

  it('applies the store’s synonyms both ways, in Chinese and in English', async () => {
    const synonyms = [{ words: ['手机壳', '保护套'] }, { words: ['tv', 'television'] }];
    const { value } = await withStore({ synonyms }, async (reco) => {
      const ids = async (q: string) => (await reco.search(q, { k: 10 })).map((h) => h.itemId);
      return { shell: await ids('手机壳'), cover: await ids('保护套'), tv: await ids('tv'), television: await ids('television') };
    });
    expect(value.shell).toEqual(expect.arrayContaining(['zh-shell', 'zh-cover']));
    expect(value.cover).toEqual(expect.arrayContaining(['zh-shell', 'zh-cover']));
    expect(value.tv).toEqual(expect.arrayContaining(['en-tv1', 'en-tv2']));
    expect(value.television).toEqual(expect.arrayContaining(['en-tv1', 'en-tv2']));
  });

  it('a misspelt query with no result says what the shopper meant, and searches it when correction is on', async () => {
    const { value } = await withStore({}, async (reco) => {
      const wrong = await reco.search('hedfones', { k: 5 });
      const corrected = await reco.search('hedfones', { k: 5, correct: true });
      return { n: wrong.length, total: wrong.total, didYouMean: wrong.didYouMean, corrected: corrected.map((h) => h.itemId), from: corrected.correctedFrom };
    });
    expect(value.total).toBe(0);
    expect(value.didYouMean).toBe('headphones');
    expect(value.corrected.slice(0, 2).sort()).toEqual(['en-hp1', 'en-hp2']);
    expect(value.from).toBe('hedfones');
  });

  it('a pinned item is at its position for its query whatever the shopper viewed, and obeys the filters', async () => {
    const pins = [{ query: '蓝牙耳机', pin: [{ id: 'zh-wired', position: 0 }], bury: ['zh-bt1'] }];
    const { value } = await withStore({ pins }, async (reco) => {
      for (let i = 0; i < 3; i++) await reco.track({ type: 'view', itemId: 'zh-bt1' });
      const pinned = await reco.search('蓝牙耳机', { k: 4 });
      const cheap = await reco.search('蓝牙耳机', { k: 4, filters: { maxPrice: 500 } });
      return { pinned: pinned.map((h) => h.itemId), cheap: cheap.map((h) => h.itemId) };
    });
    expect(value.pinned[0]).toBe('zh-wired');
    expect(value.pinned.indexOf('zh-bt1')).toBe(value.pinned.length - 1);
    expect(value.cheap).not.toContain('zh-wired'); // 899: outside the filter, so not shown
  });
});
