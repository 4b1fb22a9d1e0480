import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../../../src/core/catalog.js';
import { FIXTURE_DIR, makeCjkJudgments, readCjkFixture } from '../../../scripts/make-cjk-judgments.js';

const read = (name: string): unknown => JSON.parse(readFileSync(`${FIXTURE_DIR}${name}`, 'utf8'));
const catalog = read('catalog.json') as { version: number; items: { id: string }[] };
const judgments = read('judgments.json') as { version: number; judgments: { query: string; id: string; grade: number }[] };
const { labels, queries } = readCjkFixture();

describe('the Chinese + Japanese search collection', () => {
  it('judgments.json is what the intent rules give (run scripts/make-cjk-judgments.ts after editing labels or queries)', () => {
    expect(judgments).toEqual({ version: 1, judgments: makeCjkJudgments(labels, queries) });
  });

  it('labels one item per catalog row, and the catalog is valid', () => {
    expect(catalog.version).toBe(1);
    expect(validateCatalog(catalog.items)).toHaveLength(catalog.items.length);
    expect(Object.keys(labels).sort()).toEqual(catalog.items.map((item) => item.id).sort());
  });

  it('has at least 40 queries in both languages, each with at least 2 exact matches', () => {
    expect(queries.length).toBeGreaterThanOrEqual(40);
    expect(new Set(queries.map((q) => q.lang))).toEqual(new Set(['zh', 'ja']));
    for (const q of queries) {
      const exact = judgments.judgments.filter((j) => j.query === q.query && j.grade === 2);
      expect(exact.length, q.query).toBeGreaterThanOrEqual(2);
    }
  });
});
