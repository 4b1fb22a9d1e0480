import { describe, expect, it } from 'vitest';
import { gradedNdcg, condensedNdcg } from '../../../models/cli/graded-ndcg.js';
import { queryHalf } from '../../../models/cli/query-half.js';
import { fuzzyEdits, normalizeTerm, tokenizeText } from '../../../src/search/index.js';

describe('query and catalog text', () => {
  it('normalizes case, accents and plurals, but not model numbers', () => {
    expect(normalizeTerm('Batteries')).toBe('battery');
    expect(normalizeTerm('Speakers')).toBe('speaker');
    expect(normalizeTerm('glass')).toBe('glass');
    expect(normalizeTerm('Café')).toBe('cafe');
    expect(normalizeTerm('ps4s')).toBe('ps4s');
  });

  it('splits compounds and also writes them solid, first', () => {
    expect(tokenizeText('Wi-Fi router')).toEqual(['WiFi', 'Wi', 'Fi', 'router']);
    expect(tokenizeText('43.2 cm')).toEqual(['43', '2', 'cm']);
  });

  it('allows typos like Elasticsearch AUTO, never in terms with digits', () => {
    expect([fuzzyEdits('tv'), fuzzyEdits('usb'), fuzzyEdits('mouse'), fuzzyEdits('wireless'), fuzzyEdits('tn2110')]).toEqual([0, 1, 1, 2, 0]);
  });
});

describe('evaluation helpers', () => {
  const grades = new Map([['a', 3], ['b', 1], ['c', 0]]);

  it('graded NDCG@10 is 1 for the ideal order and counts unjudged results as 0', () => {
    expect(gradedNdcg(['a', 'b', 'c'], grades)).toBeCloseTo(1);
    const swapped = (1 + 7 / Math.log2(3)) / (7 + 1 / Math.log2(3));
    expect(gradedNdcg(['b', 'a'], grades)).toBeCloseTo(swapped);
    expect(gradedNdcg(['x', 'a', 'b'], grades)).toBeLessThan(1);
    expect(condensedNdcg(['x', 'a', 'b'], grades)).toBeCloseTo(1);
    expect(gradedNdcg(['a'], new Map([['a', 0]]))).toBe(0);
  });

  it('splits queries into two stable halves', () => {
    expect(queryHalf('laptop')).toBe(queryHalf('laptop'));
    const halves = ['aa', 'aaa', 'tv', 'laptop', 'mouse', 'printer', 'ssd', 'usb hub'].map(queryHalf);
    expect(new Set(halves).size).toBe(2);
  });
});
