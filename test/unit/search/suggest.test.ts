import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { SearchIndex, SuggestIndex } from '../../../src/search/index.js';

const FIXTURE: unknown[] = JSON.parse(readFileSync(new URL('../../fixtures/search/products.json', import.meta.url), 'utf8'));

describe('suggest', () => {
  const index = new SearchIndex(FIXTURE);

  it('completes the last word from catalog words, most frequent first', () => {
    const s = index.suggest('wir');
    expect(s.map((x) => x.text)).toEqual(['wireless', 'wired']);
    expect(s[0]!.count).toBe(2); // the M185 mouse and the K270 keyboard (titles)
    expect(index.suggest('Cab')[0]).toEqual({ text: 'cable', count: 3 });
  });

  it('keeps the words before the last one and limits to k', () => {
    expect(index.suggest('wireless mo', 1)).toEqual([{ text: 'wireless mouse', count: 2 }]);
    expect(index.suggest('l', 2)).toHaveLength(2);
  });

  it('ranks completions among the items that match the words before first', () => {
    // Catalog-wide, "t" completes to "table", "tripp", "tp-link"…; after "brother" only Brother's words come first.
    expect(index.suggest('brother t', 2).map((x) => x.text)).toEqual(['brother toner', 'brother tn-2110']);
    expect(index.suggest('brother t', 4).map((x) => x.text).slice(2)).not.toContain('brother toner');
  });

  it('counts the completions among the items matching the words before again once the catalog changed', () => {
    const rows = (prefix: string, title: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, title }));
    const store = new SearchIndex([...rows('t', 'Toner cartridge black', 5), ...rows('p', 'Paper cyan sheets', 30)]);
    // While "toner" stays typed its items are searched once; the shopper goes on typing the last word.
    expect(store.suggest('toner c', 2).map((x) => x.text)).toEqual(['toner cartridge', 'toner cyan']);
    store.add(rows('y', 'Toner cyclone', 3));
    expect(store.suggest('toner cy', 2).map((x) => x.text)).toEqual(['toner cyclone', 'toner cyan']);
    store.remove(['y0', 'y1', 'y2']);
    expect(store.suggest('toner cy', 2).map((x) => x.text)).toEqual(['toner cyan']);
  });

  it('returns nothing for a blank input, a finished word followed by a space, or an unknown prefix', () => {
    expect(index.suggest('')).toEqual([]);
    expect(index.suggest('mouse ')).toEqual([]);
    expect(index.suggest('qqq')).toEqual([]);
  });

  it('follows additions and removals', () => {
    const s = new SuggestIndex();
    s.addAll([{ id: '1', title: 'Trackball' }]);
    s.add({ id: '2', title: 'Track pad' });
    expect(s.suggest('tra').map((x) => x.text)).toEqual(['track', 'trackball']);
    s.remove({ id: '1', title: 'Trackball' });
    expect(s.suggest('tra').map((x) => x.text)).toEqual(['track']);
  });
});

describe('completions kept for the next page view (SearchIndex.suggestSnapshot → SearchIndex.quickSuggest)', () => {
  const CJK: unknown[] = JSON.parse(readFileSync(new URL('../../fixtures/search-cjk/catalog.json', import.meta.url), 'utf8')).items;

  // Every prefix of every catalog word (a single word or unspaced run: what the quick path answers) completes exactly
  // as the full index does, through a JSON round trip as the worker stores it; text with words before the last is
  // left to the full index (null).
  it.each([
    ['English', FIXTURE, {}],
    ['Chinese and Japanese, Traditional folded, pinyin on', CJK, { pinyin: true }],
  ] as const)('%s: the restored completions answer as the full index', async (_, rows, settings) => {
    const full = await SearchIndex.create(rows, settings);
    const quick = await SearchIndex.quickSuggest(JSON.parse(JSON.stringify(full.suggestSnapshot())), settings);
    const prefixes = new Set<string>();
    for (const { text } of full.suggest('', 0).concat(...'abcdefghijklmnopqrstuvwxyz蓝无ワ空手'.split('').map((c) => full.suggest(c, 50)))) {
      for (let i = 1; i <= text.length; i++) prefixes.add(text.slice(0, i));
    }
    for (const extra of ['lanya', 'lyej', 'shouji', '藍牙', 'Wire', 'qqq']) prefixes.add(extra);
    expect(prefixes.size).toBeGreaterThan(40);
    for (const prefix of prefixes) expect(quick(prefix, 8), prefix).toEqual(full.suggest(prefix, 8));
    expect(quick('wireless mo', 8)).toBeNull();
    // The full index of a repeat page view takes the kept completions over instead of counting them again.
    const counting = vi.spyOn(SuggestIndex.prototype, 'addAll');
    const kept = await SearchIndex.staged(rows, settings, { kept: Promise.resolve(JSON.parse(JSON.stringify(full.suggestSnapshot()))) }).index;
    expect(counting.mock.calls.filter(([items]) => items.length > 0)).toEqual([]);
    counting.mockRestore();
    for (const prefix of [...prefixes, 'wireless mo']) expect(kept.suggest(prefix, 8), prefix).toEqual(full.suggest(prefix, 8));
  });
});
