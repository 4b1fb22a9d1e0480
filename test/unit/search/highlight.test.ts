import { describe, expect, it } from 'vitest';
import type { Highlight } from '../../../src/core/search-types.js';
import { TextAnalyzer } from '../../../src/search/analyzer.js';
import { highlightItem } from '../../../src/search/highlight.js';
import { SearchIndex } from '../../../src/search/index.js';
import { normalizeTerm } from '../../../src/search/normalize-term.js';

const DESCRIPTION =
  'Made for long flights and busy offices, these over-ear wireless headphones block the noise around you and last thirty hours on one charge.';
const CATALOG = [
  { id: 'h1', title: 'Sony WH-1000XM4 Wireless Headphones Black', brand: 'Sony', category: 'Audio', description: DESCRIPTION },
  { id: 'm1', title: 'Logitech M185 Wireless Mouse', brand: 'Logitech', category: 'Mice', description: 'Compact mouse.' },
  { id: 'z1', title: '无线蓝牙耳机 主动降噪', brand: '小米', category: '耳机' },
];
const index = new SearchIndex(CATALOG);

/** Searches like the worker does and highlights the first hit with the terms it matched. */
function highlight(query: string): { title: string; highlight: Highlight } {
  const hit = index.search(query, { k: 1 })[0]!;
  const item = index.get(hit.id)!;
  return { title: item.title!, highlight: highlightItem(item, new Set(hit.terms), index.analyzer, normalizeTerm) };
}
const marked = (text: string, h: { start: number; end: number }[]) => h.map((r) => text.slice(r.start, r.end));

describe('highlightItem', () => {
  it('marks the matched words of the title, as offsets into the original title', () => {
    const { title, highlight: h } = highlight('wireless headphones');
    expect(marked(title, h.title)).toEqual(['Wireless', 'Headphones']);
  });

  it('a prefix marks the whole word it completed to ("headph" → "Headphones")', () => {
    const { title, highlight: h } = highlight('sony headph');
    expect(marked(title, h.title)).toEqual(['Sony', 'Headphones']);
  });

  it('a typo marks the word the index matched', () => {
    const { title, highlight: h } = highlight('logitech wireles');
    expect(marked(title, h.title)).toEqual(['Logitech', 'Wireless']);
  });

  it('a snippet of the description around its first match, with the matches inside it', () => {
    const { highlight: h } = highlight('headphones noise');
    const snippet = h.snippet!;
    expect(snippet.text.startsWith('…')).toBe(true);
    expect(snippet.text.endsWith('…')).toBe(true);
    expect(snippet.text.length).toBeLessThanOrEqual(90);
    expect(marked(snippet.text, snippet.ranges)).toEqual(['headphones', 'noise']);
    // Cut at spaces: the snippet's words are words of the description.
    for (const word of snippet.text.replace(/…/g, '').split(' ')) expect(DESCRIPTION.split(' ')).toContain(word);
  });

  it('no snippet when the description did not match; nothing when nothing matched', () => {
    expect(highlight('logitech').highlight.snippet).toBeUndefined();
    expect(highlightItem(CATALOG[0]!, new Set(), new TextAnalyzer(), normalizeTerm)).toEqual({ title: [] });
  });

  it('touching matched tokens (CJK bigrams) merge into one span', () => {
    const analyzer = new TextAnalyzer();
    const bigrams = { ...analyzer, tokens: (text: string) => [...text].slice(0, -1).map((_, i) => ({ term: text.slice(i, i + 2), start: i, end: i + 2 })) } as TextAnalyzer;
    // The matched terms as the index stores them (normalized: CJK terms as their index keys).
    const matched = new Set(['蓝牙', '牙耳', '耳机'].map((t) => normalizeTerm(t)!));
    const h = highlightItem({ id: 'z', title: '无线蓝牙耳机' }, matched, bigrams, normalizeTerm);
    expect(h.title).toEqual([{ start: 2, end: 6 }]);
  });

  it('Chinese: the matched run is marked', () => {
    const hit = index.search('无线蓝牙耳机', { k: 1 })[0]!;
    const item = index.get(hit.id)!;
    const h = highlightItem(item, new Set(hit.terms), index.analyzer, normalizeTerm);
    expect(marked(item.title!, h.title).join('')).toContain('蓝牙耳机');
  });
});
