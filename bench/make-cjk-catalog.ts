// A synthetic Chinese catalog for latency benchmarks, built from the vocabulary of the hand-written search-cjk fixture
// (its brands, product-type words, modifiers and categories), seeded and deterministic.
// Usage: npx tsx bench/make-cjk-catalog.ts OUT.json [n]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CatalogItem } from '../src/core/catalog.js';

const DIR = fileURLToPath(new URL('../test/fixtures/search-cjk/', import.meta.url));
const read = <T>(name: string): T => JSON.parse(readFileSync(`${DIR}${name}`, 'utf8')) as T;

/** mulberry32: a small seeded generator, so the same (n, seed) gives the same catalog. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The Chinese items of the fixture, grouped by category; the title words of each category are its vocabulary. */
function vocabulary(): { category: string; brands: string[]; words: string[]; prices: number[] }[] {
  const items = read<{ items: CatalogItem[] }>('catalog.json').items.filter((item) => item.id.startsWith('zh-'));
  const byCategory = new Map<string, { brands: Set<string>; words: Set<string>; prices: number[] }>();
  for (const item of items) {
    const key = item.category ?? '其他';
    let group = byCategory.get(key);
    if (!group) byCategory.set(key, (group = { brands: new Set(), words: new Set(), prices: [] }));
    if (item.brand) group.brands.add(item.brand);
    for (const word of (item.title ?? '').split(/\s+/)) if (word.length >= 2) group.words.add(word);
    group.prices.push(item.price ?? 99);
  }
  return [...byCategory].map(([category, g]) => ({ category, brands: [...g.brands], words: [...g.words], prices: g.prices }));
}

const COLOURS = ['黑色', '白色', '红色', '蓝色', '灰色', '粉色', '绿色', '金色'];
const ORIGINS = ['中国大陆', '日本', '韩国', '德国', '美国'];

/** `n` Chinese catalog items (ids `cjk-000001`…): brand + 3–7 words of one category (run together 7 times in 10), a price near that category's, a colour and an origin. */
export function makeCjkCatalog(n = 19406, seed = 1): CatalogItem[] {
  const rand = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const groups = vocabulary();
  const items: CatalogItem[] = [];
  for (let i = 0; i < n; i++) {
    const g = pick(groups);
    const brand = pick(g.brands);
    const words = new Set<string>();
    const count = 3 + Math.floor(rand() * 5);
    for (let k = 0; k < count * 3 && words.size < count; k++) words.add(pick(g.words));
    // Most Chinese listings run their words together; some put spaces between them.
    const joiner = rand() < 0.7 ? '' : ' ';
    const price = Math.round(pick(g.prices) * (0.6 + rand() * 0.8) * 10) / 10;
    items.push({
      id: `cjk-${String(i + 1).padStart(6, '0')}`,
      title: `${brand}${joiner}${[...words].join(joiner)}`,
      brand,
      category: g.category,
      price,
      currency: 'CNY',
      available: rand() > 0.05,
      description: [...words].slice(0, 2).join('，'),
      attributes: { 颜色: pick(COLOURS), 产地: pick(ORIGINS) },
    });
  }
  return items;
}

/** The Chinese queries of the fixture, in order (the latency bench types them a letter at a time). */
export function cjkBenchQueries(): string[] {
  return read<{ queries: { query: string; lang: string }[] }>('queries.json').queries.filter((q) => q.lang === 'zh').map((q) => q.query);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: npx tsx bench/make-cjk-catalog.ts OUT.json [n]');
  const items = makeCjkCatalog(process.argv[3] ? Number(process.argv[3]) : undefined);
  writeFileSync(out, `${JSON.stringify({ version: 1, items })}\n`);
  console.log(`wrote ${items.length} items to ${out}`);
}
