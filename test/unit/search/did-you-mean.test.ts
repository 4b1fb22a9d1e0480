import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { correctQuery, distance } from '../../../src/search/did-you-mean.js';
import { SearchIndex } from '../../../src/search/index.js';

const FIXTURE: unknown[] = JSON.parse(readFileSync(new URL('../../fixtures/search/products.json', import.meta.url), 'utf8'));
const index = new SearchIndex(FIXTURE);
const found = (q: string) => {
  const a = index.query(q, { k: 20 });
  return a.hits.slice(0, a.total).map((h) => h.id).sort();
};

describe('didYouMean', () => {
  it('a misspelt query with no result gets a correction that finds the intended items', () => {
    for (const [typed, meant, items] of [
      ['hdmi cabel', 'hdmi cable', ['c1']],
      ['earphnoes', 'earphones', ['h2']],
      ['head phones', 'headphones', ['h1']],
    ] as const) {
      const answer = index.query(typed);
      expect(answer.total).toBe(0);
      expect(answer.didYouMean).toBe(meant);
      expect(found(answer.didYouMean!)).toEqual(expect.arrayContaining([...items]));
      expect(index.search(answer.didYouMean!, { k: 1 })[0]?.id).toBe(items[0]);
    }
  });

  it('searches the correction when asked, and says so', () => {
    const answer = index.query('hdmi cabel', { correct: true });
    expect(answer.correctedFrom).toBe('hdmi cabel');
    expect(answer.hits[0]?.id).toBe('c1');
  });

  it("prefers the shopper's own past query", () => {
    const answer = index.query('mousepda bleu', { history: ['mousepad blue', 'laser printer'] });
    expect(answer.didYouMean).toBe('mousepad blue');
    expect(found(answer.didYouMean!)).toEqual(['x1']);
  });

  it('joins and splits words the catalog writes otherwise', () => {
    const sources = { known: (t: string) => ['head', 'phone', 'bluetooth', 'speaker'].includes(t), history: [] };
    const words = (): Iterable<[string, number]> => [['headphones', 4], ['bluetooth', 9], ['speaker', 5], ['head', 1], ['phones', 2]];
    expect(correctQuery('head phones', { ...sources, words })).toBe('headphones');
    expect(correctQuery('bluetoothspeaker', { ...sources, words })).toBe('bluetooth speaker');
  });

  it('ties go to the same first letter, then to the word more items hold', () => {
    const sources = { known: () => false, history: [] };
    expect(correctQuery('cabel', { ...sources, words: (): Iterable<[string, number]> => [['label', 50], ['cable', 3]] })).toBe('cable');
    expect(correctQuery('mose', { ...sources, words: (): Iterable<[string, number]> => [['mase', 2], ['mouse', 40], ['moss', 1]] })).toBe('mouse');
  });

  it('Chinese: a catalog phrase of the same length one character away', () => {
    const words = (): Iterable<[string, number]> => [['蓝牙耳机', 12], ['蓝牙音箱', 5], ['耳机', 30]];
    expect(correctQuery('蓝芽耳机', { known: () => false, words, history: [] })).toBe('蓝牙耳机');
  });

  it('returns undefined when nothing is closer, or the query is already right', () => {
    const words = (): Iterable<[string, number]> => [['mouse', 4]];
    expect(correctQuery('zzzzzzzz', { known: () => false, words, history: [] })).toBeUndefined();
    expect(correctQuery('mouse', { known: (t) => t === 'mouse', words, history: [] })).toBeUndefined();
    expect(index.query('mouse').didYouMean).toBeUndefined();
  });

  it('counts a swap of adjacent letters as one edit', () => {
    expect(distance('keybaord', 'keyboard', 2)).toBe(1);
    expect(distance('abc', 'abc', 2)).toBe(0);
    expect(distance('kitten', 'sitting', 3)).toBe(3);
    expect(distance('aaaaaa', 'bbbbbb', 2)).toBe(3);
  });
});
