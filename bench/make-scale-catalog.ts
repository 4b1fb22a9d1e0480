// A synthetic store of N products for the scale benchmark (issue 17): varied English titles (brand, line, product type,
// model code, colour, size), a category path per product type, prices, a Zipf-like popularity, and a model bundle of
// the same vocabulary (untrained weights: latency and size do not depend on their values). Seeded and deterministic.
// Usage: npx tsx bench/make-scale-catalog.ts OUT_DIR N
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type { CatalogItem } from '../src/core/catalog.js';
import { seededRandom } from '../src/core/seeded-random.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS, type NamedArray } from '../src/model/model-bundle.js';
import { sasrecConfig } from '../src/model/sasrec-config.js';
import { writeBundle } from '../models/cli/bundle-files.js';
import { encodeBundle } from '../models/cli/training/encode-bundle.js';
import { initSasrecWeights } from '../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../models/cli/training/weights-io.js';
import { tiersCommand } from '../models/cli/tiers.js';

const SYLLABLES = ['ka', 'ro', 'vex', 'lu', 'tor', 'mi', 'zen', 'qua', 'bel', 'dor', 'fin', 'gra', 'hex', 'io', 'jun', 'kel', 'lor', 'max', 'nor', 'pix'];
const DEPARTMENTS: Record<string, string[]> = {
  Electronics: ['headphones', 'earbuds', 'speaker', 'soundbar', 'television', 'monitor', 'keyboard', 'mouse', 'webcam', 'router', 'charger', 'power bank', 'cable', 'tablet', 'smartwatch'],
  Home: ['lamp', 'kettle', 'toaster', 'blender', 'air fryer', 'rice cooker', 'vacuum', 'fan', 'heater', 'humidifier', 'pillow', 'duvet', 'towel', 'mug', 'frying pan'],
  Fashion: ['t-shirt', 'hoodie', 'jacket', 'jeans', 'dress', 'skirt', 'sneakers', 'boots', 'sandals', 'backpack', 'wallet', 'belt', 'scarf', 'cap', 'socks'],
  Sports: ['yoga mat', 'dumbbell', 'kettlebell', 'running shoes', 'tent', 'sleeping bag', 'water bottle', 'bike helmet', 'gloves', 'jump rope', 'resistance band', 'foam roller', 'hiking poles', 'swim goggles', 'tennis racket'],
  Beauty: ['lipstick', 'foundation', 'mascara', 'sunscreen', 'moisturiser', 'serum', 'shampoo', 'conditioner', 'face mask', 'perfume', 'nail polish', 'hair dryer', 'razor', 'toothbrush', 'body lotion'],
};
const LINES = ['Pro', 'Ultra', 'Lite', 'Max', 'Air', 'Mini', 'Plus', 'Classic', 'Sport', 'Eco', 'Studio', 'Travel', 'Smart', 'Neo', 'Prime'];
const ADJECTIVES = ['wireless', 'portable', 'compact', 'waterproof', 'lightweight', 'foldable', 'rechargeable', 'premium', 'ergonomic', 'adjustable', 'quiet', 'fast', 'organic', 'soft', 'durable'];
const COLOURS = ['black', 'white', 'grey', 'navy', 'red', 'green', 'blue', 'pink', 'beige', 'silver'];

/** `n` products with ids `p0000001`…, most popular first by a Zipf-like popularity. */
export function makeScaleCatalog(n: number, seed = 17): CatalogItem[] {
  const rand = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const brands = Array.from({ length: 400 }, () => {
    const name = `${pick(SYLLABLES)}${pick(SYLLABLES)}${rand() < 0.4 ? pick(SYLLABLES) : ''}`;
    return name[0]!.toUpperCase() + name.slice(1);
  });
  const departments = Object.entries(DEPARTMENTS);
  const items: CatalogItem[] = [];
  for (let i = 0; i < n; i++) {
    const [department, types] = pick(departments);
    const type = pick(types);
    const brand = pick(brands);
    const model = `${String.fromCharCode(65 + Math.floor(rand() * 26))}${Math.floor(rand() * 9000) + 100}`;
    const colour = pick(COLOURS);
    const words = [brand, pick(LINES), rand() < 0.6 ? pick(ADJECTIVES) : '', type, model, colour].filter((w) => w !== '');
    items.push({
      id: `p${String(i + 1).padStart(7, '0')}`,
      title: words.join(' '),
      brand,
      category: `${department} > ${type[0]!.toUpperCase()}${type.slice(1)}`,
      price: Math.round((5 + rand() * 495) * 100) / 100,
      popularity: Math.round(1_000_000 / (i + 10)),
      description: `${brand} ${type} in ${colour}, ${pick(ADJECTIVES)} and ${pick(ADJECTIVES)}.`,
      attributes: { colour },
    });
  }
  return items;
}

/** Co-occurrence neighbours per product, as `edgereco neighbours` keeps them (its default is 20; trained stores keep ~11 on average). */
const NEIGHBOURS = 11;

/** Each product's neighbours: products of the same category, seeded (vocabulary indices are 1-based, 0 is padding). */
function neighbourLists(items: readonly CatalogItem[], k: number): NamedArray[] {
  const rand = seededRandom(3);
  const byCategory = new Map<string, number[]>();
  items.forEach((item, i) => {
    const list = byCategory.get(item.category!) ?? [];
    list.push(i + 1);
    byCategory.set(item.category!, list);
  });
  const counts = new Float32Array(items.length + 1);
  const ids: number[] = [];
  items.forEach((item, i) => {
    const same = byCategory.get(item.category!)!;
    const n = Math.min(k, same.length - 1);
    for (let j = 0; j < n; j++) ids.push(same[Math.floor(rand() * same.length)]!);
    counts[i + 1] = n;
  });
  return [
    { name: NEIGHBOUR_COUNTS, shape: [items.length + 1], data: counts },
    { name: NEIGHBOUR_IDS, shape: [ids.length], data: Float32Array.from(ids) },
    { name: NEIGHBOUR_WEIGHTS, shape: [ids.length], data: new Float32Array(ids.length).fill(1) },
  ];
}

/** The co-occurrence memory's weight in the bench's stores (`neighbourWeight`). */
export const BENCH_MEMORY = 0.5;
/** Its walk (since 2026-12-07): three steps, each past the first weighted 1/30, as the committed Games bundle's. */
const BENCH_WALK = { neighbourHops: 3, neighbourPathWeight: 1 / 30 };

/** Past this many products the store ships tiers (the whole catalog alone would pass 5 MB): a head of {@link HEAD} items. */
export const TIER_FROM = 50_000;
const HEAD = 20_000;
const SHARD_ITEMS = 500;

export interface ScaleStore {
  products: number;
  head: number;
  shards: number;
}

/** Gzips `path` to `path.gz` and removes it (the bench server serves X.json.gz for X.json, as a CDN compresses). */
function gzipInPlace(path: string): void {
  writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
  rmSync(path);
}

/**
 * Writes a store of `n` products to `out`: `catalog.json.gz` and `model/`. Above {@link TIER_FROM} products (or with
 * `head` given) the store is tiered by `edgereco tiers` itself, from the full catalog and bundle: the head in the
 * catalog and the bundle, the tail in `shards/K.json.gz`.
 */
export async function writeScaleStore(out: string, n: number, options: { head?: number; shardItems?: number; memory?: number } = {}): Promise<ScaleStore> {
  mkdirSync(out, { recursive: true });
  const items = makeScaleCatalog(n);
  const head = options.head ?? (n > TIER_FROM ? HEAD : n);
  const full = head < n ? join(out, 'full') : out;
  mkdirSync(full, { recursive: true });
  await tf.setBackend('cpu');
  // `memory`: the co-occurrence memory's weight (0, none, unless given).
  const config = sasrecConfig({ numItems: items.length, neighbourWeight: options.memory ?? 0, ...(options.memory ? BENCH_WALK : {}) });
  const arrays = exportWeights(initSasrecWeights(config, 1));
  arrays.push(...neighbourLists(items, NEIGHBOURS));
  writeBundle(join(full, 'model'), await encodeBundle(config, items.map((i) => i.id), arrays, 'int8'));
  writeFileSync(join(full, 'catalog.json'), JSON.stringify({ format: 'edgereco-catalog', version: 1, items }));
  if (head === n) {
    gzipInPlace(join(out, 'catalog.json'));
    return { products: n, head: n, shards: 0 };
  }
  const shardItems = options.shardItems ?? SHARD_ITEMS;
  const log = console.log;
  let summary = '';
  console.log = (line: string) => (summary += line);
  try {
    await tiersCommand(['--catalog', join(full, 'catalog.json'), '--model', join(full, 'model'), '--head', String(head), '--shard-items', String(shardItems), '--out', out, '--json']);
  } finally {
    console.log = log;
  }
  rmSync(full, { recursive: true });
  gzipInPlace(join(out, 'catalog.json'));
  for (const part of ['shards', 'clusters', 'packs']) for (const name of readdirSync(join(out, part))) if (name.endsWith('.json')) gzipInPlace(join(out, part, name));
  const written = JSON.parse(summary) as { head: { items: number }; shards: { count: number } };
  return { products: n, head: written.head.items, shards: written.shards.count };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  const n = Number(process.argv[3]);
  if (!out || !Number.isInteger(n) || n < 1) throw new Error('usage: make-scale-catalog.ts OUT_DIR N');
  // The bench's stores have a memory, as a store's bundle trained with the defaults has (they chose 0.5 on Games).
  const store = await writeScaleStore(out, n, { memory: BENCH_MEMORY });
  console.log(`wrote ${out}: ${n} products (${store.head} in the head${store.shards ? `, ${n - store.head} in ${store.shards} shards` : ''})`);
}
