// A synthetic store of N products for the scale benchmark (issue 17): varied English titles (brand, line, product type,
// model code, colour, size), a category path per product type, prices, a Zipf-like popularity, and a model bundle of
// the same vocabulary (untrained weights: latency and size do not depend on their values). Seeded and deterministic.
// Usage: npx tsx bench/make-scale-catalog.ts OUT_DIR N
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { toBase64url } from '../src/core/base64url.js';
import type { CatalogItem } from '../src/core/catalog.js';
import { SHARD_FORMAT, shardOf, TIERS_VERSION } from '../src/core/catalog-tiers.js';
import { seededRandom } from '../src/core/seeded-random.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, type NamedArray } from '../src/model/model-bundle.js';
import { sasrecConfig } from '../src/model/sasrec-config.js';
import { writeBundle } from '../models/cli/bundle-files.js';
import { encodeBundle } from '../models/cli/training/encode-bundle.js';
import { initSasrecWeights } from '../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../models/cli/training/weights-io.js';

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
  ];
}

/** Past this many products the store ships tiers (the whole catalog alone would pass 5 MB): a head of {@link HEAD} items. */
export const TIER_FROM = 50_000;
const HEAD = 20_000;
const SHARD_ITEMS = 500;

/** Random int8 scoring rows (untrained, as the head's weights are) of the head table's size, in a shard's `model` member. */
function shardRows(ids: readonly string[], width: number, weights: string, scale: number, rand: () => number): Record<string, unknown> {
  const q = new Int8Array(ids.length * width);
  for (let i = 0; i < q.length; i++) q[i] = Math.round((rand() * 2 - 1) * 127);
  return { weights, width, ids, rows: toBase64url(new Uint8Array(q.buffer)), scales: ids.map(() => scale) };
}

/** The mean largest |value| of a table's rows, over 127: an int8 scale that draws rows of that size. */
function rowScale(table: Float32Array, width: number): number {
  let sum = 0;
  const rows = table.length / width;
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let j = 0; j < width; j++) max = Math.max(max, Math.abs(table[r * width + j]!));
    sum += max;
  }
  return sum / rows / 127;
}

export interface ScaleStore {
  products: number;
  head: number;
  shards: number;
  modelBytes: number;
}

/**
 * Writes a store of `n` products to `out`: `catalog.json.gz`, `model/`, and above {@link TIER_FROM} products (or with
 * `head` given) the tiers: the head in the catalog, the tail in `shards/K.json.gz`.
 */
export async function writeScaleStore(out: string, n: number, options: { head?: number; shardItems?: number } = {}): Promise<ScaleStore> {
  mkdirSync(out, { recursive: true });
  const items = makeScaleCatalog(n);
  const head = items.slice(0, options.head ?? (n > TIER_FROM ? HEAD : n));
  const tail = items.slice(head.length);
  const shards = Math.max(1, Math.ceil(tail.length / (options.shardItems ?? SHARD_ITEMS)));
  const tiers = tail.length > 0 ? { tiers: { version: TIERS_VERSION, items: n, shards, shardUrl: 'shards/{shard}.json' } } : {};
  // Gzipped, as a CDN sends it (the bench server serves X.json.gz for X.json with content-encoding: gzip).
  writeFileSync(join(out, 'catalog.json.gz'), gzipSync(JSON.stringify({ format: 'edgereco-catalog', version: 1, items: head, ...tiers })));
  await tf.setBackend('cpu');
  const config = sasrecConfig({ numItems: head.length });
  const arrays = exportWeights(initSasrecWeights(config, 1));
  const table = arrays.find((a) => a.shape.length === 2 && a.shape[0] === head.length + 1 && a.shape[1] === config.dim)!;
  arrays.push(...neighbourLists(head, NEIGHBOURS));
  const modelBytes = writeBundle(join(out, 'model'), await encodeBundle(config, head.map((i) => i.id), arrays, 'int8'));
  if (tail.length > 0) {
    const manifest = JSON.parse(readFileSync(join(out, 'model', 'manifest.json'), 'utf8')) as { weightsFile: string; checksums: Record<string, string> };
    const weights = manifest.checksums[manifest.weightsFile]!;
    const width = config.dim; // scoringWidth: the item vector (this model has no prior column)
    const scale = rowScale(table.data, width);
    const byShard = Array.from({ length: shards }, () => [] as CatalogItem[]);
    for (const item of tail) byShard[shardOf(item.id, shards)]!.push(item);
    mkdirSync(join(out, 'shards'), { recursive: true });
    const rand = seededRandom(5);
    byShard.forEach((list, k) => {
      const doc = { format: SHARD_FORMAT, version: TIERS_VERSION, shard: k, shards, items: list, model: shardRows(list.map((i) => i.id), width, weights, scale, rand) };
      writeFileSync(join(out, 'shards', `${k}.json.gz`), gzipSync(JSON.stringify(doc)));
    });
  }
  return { products: n, head: head.length, shards: tail.length > 0 ? shards : 0, modelBytes };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2];
  const n = Number(process.argv[3]);
  if (!out || !Number.isInteger(n) || n < 1) throw new Error('usage: make-scale-catalog.ts OUT_DIR N');
  const store = await writeScaleStore(out, n);
  console.log(`wrote ${out}: ${n} products (${store.head} in the head${store.shards ? `, ${n - store.head} in ${store.shards} shards` : ''}), model ${store.modelBytes} B`);
}
