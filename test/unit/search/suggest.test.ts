import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
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
