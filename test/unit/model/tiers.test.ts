import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fromBase64url } from '../../../src/core/base64url.js';
import { checkTiers, parseCentroids, parseCluster, parsePack, parseShard, shardOf, type CatalogTiers } from '../../../src/core/catalog-tiers.js';
import type { DecodedBundle } from '../../../src/model/decode-bundle.js';
import { ModelRuntime } from '../../../src/model/model-runtime.js';
import { memoryTerms, plainSasrec, scoringRows, scoringWidth } from '../../../src/model/history-state.js';
import { NEIGHBOUR_COUNTS, NEIGHBOUR_IDS, NEIGHBOUR_WEIGHTS, type NamedArray } from '../../../src/model/model-bundle.js';
import { sasrecConfig } from '../../../src/model/sasrec-config.js';
import { readBundle, writeBundle } from '../../../models/cli/bundle-files.js';
import { historyScorer } from '../../../models/cli/evaluation/catalog-scores.js';
import { encodeBundle } from '../../../models/cli/training/encode-bundle.js';
import { exportWeights } from '../../../models/cli/training/weights-io.js';
import { TIERS } from '../../../models/cli/commands.js';
import { PACK_SOURCES, tiersCommand, type TiersSummary } from '../../../models/cli/tiers.js';
import { trainedLike } from './trained-like.js';
import { useCpu } from './tf-setup.js';
import { TailShards } from '../../../src/worker/tail-shards.js';

beforeAll(useCpu);
const dir = mkdtempSync(join(tmpdir(), 'edgereco-tiers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const retail = new URL('../../../models/retail', import.meta.url).pathname;

/** Runs `edgereco tiers … --json` and returns its summary. */
async function tiers(...argv: string[]): Promise<TiersSummary> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const warn = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    await tiersCommand([...argv, '--json', '--backend', 'cpu']);
  } finally {
    log.mockRestore();
    warn.mockRestore();
  }
  return JSON.parse(lines.at(-1)!) as TiersSummary;
}

interface Written {
  head: { items: { id: string; [k: string]: unknown }[]; tiers: CatalogTiers };
  shards: ReturnType<typeof parseShard>[];
  raw: { model?: { weights: string; scales: number[]; rows: string; ids: string[] } }[];
}

/** Reads what tiers wrote, every shard through the SDK's reader. */
function readTiers(out: string): Written {
  const head = JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8')) as Written['head'];
  const tiersMember = checkTiers(head.tiers, 'https://shop.example/catalog.json');
  const raw = Array.from({ length: tiersMember.shards }, (_, k) => JSON.parse(readFileSync(join(out, 'shards', `${k}.json`), 'utf8')));
  const shards = raw.map((doc, k) => parseShard(doc, tiersMember, k, `https://shop.example/shards/${k}.json`));
  return { head, shards, raw };
}

/** Each id's scores for histories of ids, by a bundle (ids it does not know are left out of the histories). */
function scoresById(bundle: DecodedBundle, histories: readonly string[][], ids: readonly string[]): number[][] {
  const index = new Map(bundle.manifest.vocabulary.map((id, i) => [id, i + 1]));
  const scorer = historyScorer(plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes));
  try {
    // Every event a view with no gap (retail's model reads gaps; the others ignore them).
    const features = histories.map((h) => ({ types: h.map(() => 0), gaps: h.map(() => 0) }));
    return scorer(histories.map((h) => h.map((id) => index.get(id)!)), features).map((row) => ids.map((id) => row[index.get(id)!]!));
  } finally {
    scorer.dispose();
  }
}

/** Serves folder `out` over real HTTP while `use` runs, with the URL its catalog.json would have (404 for a missing file). */
async function serving(out: string, use: (base: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    try {
      const body = readFileSync(join(out, decodeURIComponent(new URL(req.url!, 'http://x').pathname)));
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/catalog.json`);
  } finally {
    server.close();
  }
}

const topK = (scores: readonly number[], k: number): number[] => scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).slice(0, k).map(([, i]) => i);

describe('edgereco tiers on the committed retail bundle', () => {
  // A catalog of 3,000: 2,800 of the model's items and 200 it never saw, popularity on each (descending by a hash).
  const vocabulary: string[] = JSON.parse(readFileSync(join(retail, 'manifest.json'), 'utf8')).vocabulary;
  const items = [...vocabulary.slice(0, 2800), ...Array.from({ length: 200 }, (_, i) => `new-${i}`)].map((id, i) => ({
    id,
    title: `Item ${id}`,
    price: 1 + (i % 50),
    popularity: (i * 7919) % 3001,
    attributes: { colour: i % 2 === 0 ? 'red' : 'blue' },
  }));
  const out = join(dir, 'retail');
  let summary: TiersSummary;
  let written: Written;
  beforeAll(async () => {
    writeFileSync(join(dir, 'retail.json'), JSON.stringify({ format: 'edgereco-catalog', version: 1, items }));
    summary = await tiers('--catalog', join(dir, 'retail.json'), '--model', retail, '--head', '500', '--shard-items', '100', '--out', out);
    written = readTiers(out);
  });

  it('puts every item in exactly one place: the 500 most popular in the head, each other in shard shardOf(id, S)', () => {
    expect(summary).toMatchObject({ items: 3000, head: { items: 500, by: 'popularity' }, shards: { count: 25, items: 2500 } });
    expect(written.head.tiers).toMatchObject({ version: 1, items: 3000, shards: 25, shardUrl: 'shards/{shard}.json' });
    const popular = [...items].sort((a, b) => b.popularity - a.popularity).slice(0, 500).map((i) => i.id);
    expect(new Set(written.head.items.map((i) => i.id))).toEqual(new Set(popular));
    const placed = [...written.head.items.map((i) => i.id)];
    written.shards.forEach((shard, k) => {
      expect(shard.skipped).toEqual([]);
      for (const item of shard.items) {
        expect(shardOf(item.id, 25)).toBe(k);
        placed.push(item.id);
      }
    });
    expect(placed.sort()).toEqual(items.map((i) => i.id).sort());
    // Items keep all their fields, in the head and in the shards.
    const byId = new Map(items.map((i) => [i.id, i]));
    for (const item of [...written.head.items, ...written.shards.flatMap((s) => s.items)]) expect(item).toEqual(byId.get(item.id));
  });

  it('ships a head bundle of the head items the model knows that scores them as the full bundle does', async () => {
    const head = await readBundle(join(out, 'model'));
    const full = await readBundle(retail);
    const exact = await readBundle(join(retail, 'f32'));
    const known = written.head.items.map((i) => i.id).filter((id) => vocabulary.includes(id));
    expect(head.manifest.config).toEqual({ ...full.manifest.config, numItems: known.length });
    expect(head.manifest.vocabulary).toEqual(vocabulary.filter((id) => known.includes(id)));
    expect(summary.model).toMatchObject({ source: join(retail, 'f32'), headItems: known.length, weights: head.manifest.checksums['weights.bin'], droppedItems: 384, unknownItems: 200 });
    const histories = [known.slice(0, 5), known.slice(40, 41), known.slice(100, 130), [known[7]!, known[3]!, known[7]!]];
    const h = scoresById(head, histories, head.manifest.vocabulary);
    const f = scoresById(full, histories, head.manifest.vocabulary);
    const x = scoresById(exact, histories, head.manifest.vocabulary);
    histories.forEach((_, r) => {
      // The head bundle is the f32 twin quantized again (format 3's float16 scales, the committed bundle's format 1
      // has float32 ones): each entry within half a step of the exact weights, as the full int8 bundle's are. So the
      // head's scores must be as close to the exact model's as the full bundle's, up to the same int8 error again.
      const fullError = Math.max(...f[r]!.map((s, i) => Math.abs(s - x[r]![i]!)));
      const headError = Math.max(...h[r]!.map((s, i) => Math.abs(s - x[r]![i]!)));
      expect(headError).toBeLessThanOrEqual(2 * fullError + 1e-6);
      const overlap = topK(h[r]!, 10).filter((i) => topK(f[r]!, 10).includes(i)).length;
      expect(overlap).toBeGreaterThanOrEqual(9);
    });
  });

  it('gives each shard the int8 scoring rows of its items the model knows, for the head bundle\'s weights', async () => {
    const exact = await readBundle(join(retail, 'f32'));
    const model = plainSasrec(exact.manifest.config, exact.tensors);
    const rows = scoringRows(model);
    const width = scoringWidth(model);
    const index = new Map(vocabulary.map((id, i) => [id, i + 1]));
    let total = 0;
    written.shards.forEach((shard, k) => {
      const m = shard.model!;
      expect(m.weights).toBe(summary.model!.weights);
      expect(m.width).toBe(width);
      expect(m.ids).toEqual(shard.items.map((i) => i.id).filter((id) => index.has(id)));
      const scales = written.raw[k]!.model!.scales;
      m.ids.forEach((id, r) => {
        const row = index.get(id)!;
        for (let j = 0; j < width; j++) {
          // Half a step of the row's scale, and float32's rounding of the product.
          expect(Math.abs(m.rows[r * width + j]! - rows[row * width + j]!)).toBeLessThanOrEqual(scales[r]! / 2 + 1e-6);
        }
      });
      total += m.ids.length;
    });
    const headKnown = written.head.items.filter((i) => index.has(i.id)).length;
    expect(total).toBe(2800 - headKnown);
    expect(summary.model!.tailRows).toBe(total);
  });

  it('also cuts the tail items the model knows by clusters of their rows: each once, about a shard each, the centroid their mean, and what a state scores best is near the best cluster', async () => {
    const clusters = written.head.tiers.clusters!;
    expect(clusters).toEqual({ count: summary.clusters!.count, clusterUrl: 'clusters/{cluster}.json', centroidsUrl: 'clusters/centroids.json' });
    const url = (k: number) => `https://shop.example/clusters/${k}.json`;
    const docs = Array.from({ length: clusters.count }, (_, k) => parseCluster(JSON.parse(readFileSync(join(out, 'clusters', `${k}.json`), 'utf8')), clusters, k, url(k)));
    const centroids = parseCentroids(JSON.parse(readFileSync(join(out, 'clusters', 'centroids.json'), 'utf8')), clusters, 'https://shop.example/clusters/centroids.json');
    // Every tail item with rows in exactly one cluster, with the same rows as in its shard; no cluster past twice 100.
    const inShards = new Map(written.shards.flatMap((s) => s.model!.ids.map((id, r) => [id, s.model!.rows.subarray(r * s.model!.width, (r + 1) * s.model!.width)] as const)));
    const seen = new Set<string>();
    for (const c of docs) {
      expect(c.model.ids).toEqual(c.items.map((i) => i.id));
      expect(c.model.ids.length).toBeGreaterThan(0);
      expect(c.model.ids.length).toBeLessThanOrEqual(200);
      c.model.ids.forEach((id, r) => {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
        expect(Array.from(c.model.rows.subarray(r * c.model.width, (r + 1) * c.model.width))).toEqual(Array.from(inShards.get(id)!));
      });
    }
    expect(seen.size).toBe(summary.model!.tailRows);
    expect(summary.clusters!.items).toBe(seen.size);
    const width = centroids.width;
    // Each centroid is its cluster's mean row (within the int8 steps of both).
    docs.forEach((c, k) => {
      for (let j = 0; j < width; j++) {
        let mean = 0;
        for (let r = 0; r < c.model.ids.length; r++) mean += c.model.rows[r * width + j]! / c.model.ids.length;
        expect(Math.abs(centroids.rows[k * width + j]! - mean)).toBeLessThan(0.05 * Math.max(1e-3, ...Array.from(centroids.rows.subarray(k * width, (k + 1) * width), Math.abs)));
      }
    });
    // Clusters group rows the model scores alike: for random states, the tail's best item lies in one of the 12
    // clusters whose centroids score best far more often than 12 random clusters of this many would hold it.
    let hits = 0;
    const trials = 200;
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5;
    for (let t = 0; t < trials; t++) {
      const state = Float32Array.from({ length: width }, random);
      const dot = (rows: Float32Array, r: number) => rows.subarray(r * width, (r + 1) * width).reduce((sum, x, j) => sum + x * state[j]!, 0);
      const best = Array.from({ length: clusters.count }, (_, k) => k).sort((a, b) => dot(centroids.rows, b) - dot(centroids.rows, a)).slice(0, 12);
      let top = -Infinity;
      let where = -1;
      docs.forEach((c, k) => c.model.ids.forEach((_, r) => { const v = dot(c.model.rows, r); if (v > top) { top = v; where = k; } }));
      if (best.includes(where)) hits++;
    }
    expect(clusters.count).toBeGreaterThanOrEqual(20); // 12 random clusters would hold it at most 60% of the time
    expect(hits / trials).toBeGreaterThan(0.8);
  });

  it('refuses a cluster document of another cluster or count, or without model rows, and centroids of another count, saying what to do', () => {
    const clusters = written.head.tiers.clusters!;
    const doc = JSON.parse(readFileSync(join(out, 'clusters', '1.json'), 'utf8'));
    const url = 'https://shop.example/clusters/1.json';
    expect(() => parseCluster(doc, clusters, 2, url)).toThrow(/tail cluster at .*must be cluster 2 of \d+ \(it says 1 of \d+\).*edgereco tiers/);
    expect(() => parseCluster(doc, { ...clusters, count: clusters.count + 1 }, 1, url)).toThrow(/must be cluster 1 of/);
    expect(() => parseCluster({ ...doc, model: undefined }, clusters, 1, url)).toThrow(/must have the model rows/);
    const centroids = JSON.parse(readFileSync(join(out, 'clusters', 'centroids.json'), 'utf8'));
    expect(() => parseCentroids(centroids, { ...clusters, count: clusters.count + 1 }, 'https://shop.example/clusters/centroids.json')).toThrow(/one row per cluster/);
    expect(() => parseCentroids({ ...centroids, format: 'edgereco-catalog-shard' }, clusters, 'u')).toThrow(/must be a "edgereco-tail-centroids" document/);
    expect(() => checkTiers({ ...written.head.tiers, clusters: { ...clusters, clusterUrl: 'clusters/x.json' } }, 'u')).toThrow(/clusterUrl must be a URL holding "\{cluster\}"/);
  });

  it('refuses a head that holds the whole catalog, and a catalog that is already a tiered head', async () => {
    await expect(tiers('--catalog', join(dir, 'retail.json'), '--head', '3000', '--out', join(dir, 'whole'))).rejects.toThrow(
      expect.objectContaining({ code: 'INVALID_OPTION', message: expect.stringMatching(/^edgereco: --head 3000 holds the whole catalog \(3000 items\): no tiers needed, ship the catalog whole/) }),
    );
    await expect(tiers('--catalog', join(out, 'catalog.json'), '--head', '10', '--out', join(dir, 'again'))).rejects.toThrow(/already the head of a tiered catalog; pass the full catalog/);
    await expect(tiers('--catalog', join(dir, 'retail.json'), '--model', join(dir, 'nowhere'), '--head', '10', '--out', join(dir, 'x'))).rejects.toThrow(/--model .*nowhere has no manifest\.json/);
  });
});

describe('edgereco tiers without a model', () => {
  it('reads a CSV catalog as the SDK does, takes the first rows without popularity, and clears shards a larger run left', async () => {
    const csv = ['id,title,price', ...Array.from({ length: 40 }, (_, i) => `p${i},"Product ${i}, red",${i}`), 'bad-row-with,too,many,cells'].join('\n');
    writeFileSync(join(dir, 'small.csv'), csv);
    const out = join(dir, 'small');
    const first = await tiers('--catalog', join(dir, 'small.csv'), '--head', '10', '--shard-items', '5', '--out', out);
    expect(first).toMatchObject({ items: 40, skipped: 1, head: { items: 10, by: 'file order' }, shards: { count: 6, items: 30 } });
    expect(first.model).toBeUndefined();
    const second = await tiers('--catalog', join(dir, 'small.csv'), '--head', '10', '--shard-items', '10', '--out', out);
    expect(second.shards.count).toBe(3);
    expect(readdirSync(join(out, 'shards')).sort()).toEqual(['0.json', '1.json', '2.json']);
    const { head, shards } = readTiers(out);
    expect(head.items.map((i) => i.id)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
    expect(head.items[3]).toEqual({ id: 'p3', title: 'Product 3, red', price: 3 });
    expect(shards.every((s) => s.model === null)).toBe(true);
    expect(shards.reduce((n, s) => n + s.items.length, 0)).toBe(30);
  });
});

describe('edgereco tiers on an ensemble with a prior, attributes and a co-occurrence memory', () => {
  const member = sasrecConfig({ numItems: 60, dim: 8, blocks: 1, ffnDim: 8, maxLength: 10, numAttributes: 5, maxAttributes: 2 });
  const config = { ...member, members: 2, priorWeight: 0.5, neighbourWeight: 1 };
  const vocabulary = Array.from({ length: 60 }, (_, i) => `sku-${i}`);
  const V = 61;
  const counts = Float32Array.from({ length: V }, (_, i) => (i === 0 ? 0 : 1 + ((i * 37) % 53)));
  const prior = counts.map((c) => Math.log1p(c));
  // Item i's neighbours: i+1, i+7, i+13 (mod 60), weights decreasing.
  const listCounts = Float32Array.from({ length: V }, (_, i) => (i === 0 ? 0 : 3));
  const listIds = Float32Array.from({ length: 180 }, (_, j) => 1 + ((Math.floor(j / 3) + [1, 7, 13][j % 3]!) % 60));
  const listWeights = Float32Array.from({ length: 180 }, (_, j) => 3 - (j % 3) + (j % 5) / 10);
  const attributes = Int32Array.from({ length: V * 2 }, (_, j) => (j < 2 ? 0 : (j * 3) % 6));
  const source = join(dir, 'ensemble-model');
  const out = join(dir, 'ensemble');
  let summary: TiersSummary;
  let written: Written;
  beforeAll(async () => {
    const arrays: NamedArray[] = [0, 1].flatMap((k) => exportWeights(trainedLike(member, 11 + k)).map((a) => ({ ...a, name: `members.${k}.${a.name}` })));
    arrays.push(
      { name: 'itemPrior', shape: [1, V], data: prior },
      { name: NEIGHBOUR_COUNTS, shape: [V], data: listCounts },
      { name: NEIGHBOUR_IDS, shape: [180], data: listIds },
      { name: NEIGHBOUR_WEIGHTS, shape: [1, 180], data: listWeights },
    );
    const record = { dataHash: 'test', split: 'none' as const, format: 'csv', epochs: 1, seed: 11 };
    writeBundle(source, await encodeBundle(config, vocabulary, arrays, 'int8', record, attributes));
    writeBundle(join(source, 'f32'), await encodeBundle(config, vocabulary, arrays, 'float32', record, attributes));
    const items = [...vocabulary, 'gift-card', 'sample'].map((id) => ({ id }));
    writeFileSync(join(dir, 'ensemble.json'), JSON.stringify(items));
    summary = await tiers('--catalog', join(dir, 'ensemble.json'), '--model', source, '--head', '20', '--shard-items', '10', '--out', out);
    written = readTiers(out);
  });

  it('ranks the head by the model\'s prior and cuts every item-indexed part of the bundle to it, consistently', async () => {
    expect(summary.head.by).toBe('model prior');
    expect(summary.model).toMatchObject({ headItems: 20, unknownItems: 2, droppedItems: 0, memorySteps: 1, width: 17 });
    const top = [...vocabulary.keys()].sort((a, b) => prior[b + 1]! - prior[a + 1]! || a - b).slice(0, 20).sort((a, b) => a - b);
    const head = await readBundle(join(out, 'model'));
    expect(head.manifest.vocabulary).toEqual(top.map((i) => vocabulary[i]));
    expect(head.manifest.config).toEqual({ ...config, numItems: 20, neighbourHops: 1, neighbourPathWeight: 0 });
    const old = [0, ...top.map((i) => i + 1)];
    const get = (b: DecodedBundle, name: string) => b.tensors.find((t) => t.name === name)!;
    for (const k of [0, 1]) {
      const table = get(head, `members.${k}.itemEmbedding`);
      expect(table.shape).toEqual([21, 8]);
      const full = get(await readBundle(join(source, 'f32')), `members.${k}.itemEmbedding`).data;
      old.forEach((o, n) => {
        for (let j = 0; j < 8; j++) expect(table.data[n * 8 + j]).toBeCloseTo(full[o * 8 + j]!, 1);
      });
      expect(get(head, `members.${k}.attributeEmbedding`).shape).toEqual([6, 8]);
    }
    old.forEach((o, n) => {
      expect([head.attributes![n * 2], head.attributes![n * 2 + 1]]).toEqual([attributes[o * 2], attributes[o * 2 + 1]]);
      expect(get(head, 'itemPrior').data[n]).toBeCloseTo(prior[o]!, 1);
    });
    // Each head item's list: its old list without the items outside the head, renumbered, in the same order.
    const offsets = [0];
    for (let n = 0; n <= 20; n++) offsets.push(offsets[n]! + get(head, NEIGHBOUR_COUNTS).data[n]!);
    old.forEach((o, n) => {
      const expected = Array.from(listIds.subarray(o * 3 - 3, o * 3)).filter((id) => old.includes(id)).map((id) => old.indexOf(id));
      expect(Array.from(get(head, NEIGHBOUR_IDS).data.subarray(offsets[n]!, offsets[n + 1]!))).toEqual(o === 0 ? [] : expected);
    });
    expect(get(head, NEIGHBOUR_WEIGHTS).shape).toEqual([1, offsets[21]]);
  });

  it('loads in the worker\'s ModelRuntime, which scores head items as it scores them with the full bundle', async () => {
    const load = async (path: string) => ModelRuntime.load(await readBundle(path), { preference: 'cpu', order: ['cpu'], onBackend: () => {} });
    const head = await load(join(out, 'model'));
    const full = await load(source);
    const ids = head.vocabulary;
    for (const history of [ids.slice(0, 3), ids.slice(10, 20)]) {
      const h = (await head.score(history))!;
      const f = (await full.score(history))!;
      // As below: the same weights quantized twice.
      ids.forEach((id, i) => expect(Math.abs(h[i + 1]! - f[full.indexOf(id)!]!)).toBeLessThan(0.05));
    }
  });

  it('scores head items for histories of head items as the full bundle does (memory included), and ships the tail\'s rows', async () => {
    const head = await readBundle(join(out, 'model'));
    const full = await readBundle(source);
    const ids = head.manifest.vocabulary;
    const histories = [ids.slice(0, 4), [ids[9]!], ids.slice(5, 15), [ids[2]!, ids[2]!, ids[17]!]];
    const h = scoresById(head, histories, ids);
    const f = scoresById(full, histories, ids);
    histories.forEach((_, r) => {
      // Same f32 weights quantized twice; the only change is an item table's, prior's or memory weights' float16 scale
      // unit when its largest row left: one int8 step at most per entry. Scores here span about -1 to 5; they differ
      // by about 0.009, and 0.05 (1% of the range) still catches a row or a list given to the wrong item.
      h[r]!.forEach((s, i) => expect(Math.abs(s - f[r]![i]!)).toBeLessThan(0.05));
      expect(topK(h[r]!, 10).filter((i) => topK(f[r]!, 10).includes(i)).length).toBeGreaterThanOrEqual(9);
    });
    const exact = await readBundle(join(source, 'f32'));
    const model = plainSasrec(exact.manifest.config, exact.tensors, exact.attributes);
    const rows = scoringRows(model);
    expect(scoringWidth(model)).toBe(17); // two members' 8 floats, then the prior
    const tail = written.shards.flatMap((s) => s.model!.ids);
    expect(tail.sort()).toEqual(vocabulary.filter((id) => !ids.includes(id)).sort());
    for (const shard of written.shards) {
      shard.model!.ids.forEach((id, r) => {
        const row = vocabulary.indexOf(id) + 1;
        const max = Math.max(...Array.from(rows.subarray(row * 17, row * 17 + 17), Math.abs));
        for (let j = 0; j < 17; j++) expect(Math.abs(shard.model!.rows[r * 17 + j]! - rows[row * 17 + j]!)).toBeLessThanOrEqual(max / 254 + 1e-6);
      });
    }
    expect(new Int8Array(fromBase64url(written.raw[0]!.model!.rows).buffer).length).toBe(written.shards[0]!.model!.ids.length * 17);
  });

  it('ships the memory toward the clustered tail: from the incoming lists a page adds the full model\'s one-step terms to tail items, and each item points to its clusters of most weight', async () => {
    const clusters = written.head.tiers.clusters!;
    const docs = Array.from({ length: clusters.count }, (_, k) => parseCluster(JSON.parse(readFileSync(join(out, 'clusters', `${k}.json`), 'utf8')), clusters, k, `u${k}`));
    const centroids = parseCentroids(JSON.parse(readFileSync(join(out, 'clusters', 'centroids.json'), 'utf8')), clusters, 'u');
    const clusterOf = new Map(docs.flatMap((d, k) => d.model.ids.map((id) => [id, k] as const)));
    const full = await readBundle(join(source, 'f32')); // the weights tiers reads
    const model = plainSasrec(full.manifest.config, full.tensors, full.attributes);
    const index = new Map(vocabulary.map((id, i) => [id, i + 1]));
    // Every item's list entries toward the tail, by cluster: its two clusters of most weight, as written.
    const lists = model.neighbours!;
    const expectedPointers = (id: string): [number, number][] => {
      const f = index.get(id)!;
      const mass = new Map<number, number>();
      for (let e = lists.offsets[f]!; e < lists.offsets[f + 1]!; e++) {
        const k = clusterOf.get(vocabulary[lists.ids[e]! - 1]!);
        if (k !== undefined) mass.set(k, (mass.get(k) ?? 0) + lists.sims[e]!);
      }
      return [...mass].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 2);
    };
    const asRead = (p: { clusters: Int32Array; mass: Float32Array }, r: number): [number, number][] =>
      [0, 1].filter((j) => p.clusters[r * 2 + j]! >= 0).map((j) => [p.clusters[r * 2 + j]!, p.mass[r * 2 + j]!]);
    const head = (await readBundle(join(out, 'model'))).manifest.vocabulary;
    const close = (a: [number, number][], b: [number, number][]) => {
      expect(a.map(([k]) => k)).toEqual(b.map(([k]) => k));
      a.forEach(([, m], j) => expect(m).toBeCloseTo(b[j]![1], 3));
    };
    head.forEach((id, r) => close(asRead(centroids.pointers!, r), expectedPointers(id)));
    for (const shard of written.shards) shard.model!.ids.forEach((id, r) => close(asRead(shard.model!.pointers!, r), expectedPointers(id)));
    for (const d of docs) d.model.ids.forEach((id, r) => close(asRead(d.model.pointers!, r), expectedPointers(id)));
    expect(head.some((id) => expectedPointers(id).length === 2)).toBe(true);
    // For histories of head and tail items, the one-step memory term of every clustered tail item, summed from the
    // incoming lists of its cluster, is the full model's (one step: this model's walk).
    expect(model.config.neighbourHops).toBe(1);
    for (const history of [vocabulary.slice(0, 5), [vocabulary[40]!, vocabulary[7]!, vocabulary[59]!], vocabulary.slice(20, 30)]) {
      const terms = memoryTerms(model, history.map((id) => index.get(id)!))!;
      const want = new Map(Array.from(terms.items, (f, r) => [vocabulary[f - 1]!, terms.terms[r]!] as const));
      let checked = 0;
      for (const d of docs) {
        const inc = d.model.incoming!;
        d.model.ids.forEach((id, r) => {
          let sum = 0;
          for (let e = inc.offsets[r]!; e < inc.offsets[r + 1]!; e++) if (history.includes(inc.ids[inc.from[e]!]!)) sum += inc.weights[e]!;
          const term = sum > 0 ? model.config.neighbourWeight * Math.log1p(sum) : 0;
          expect(term).toBeCloseTo(want.get(id) ?? 0, 3);
          if (term > 0) checked++;
        });
      }
      expect(checked).toBeGreaterThan(0);
    }
    // In the worker (TailShards, over real HTTP): a cluster's items are known once it is loaded, but their rows
    // become inputs of the state only when a call names them, once each.
    await serving(out, async (base) => {
      const warnings: string[] = [];
      const tail = new TailShards(checkTiers(written.head.tiers, base), base, (e) => warnings.push(e.message));
      const inputs: string[][] = [];
      tail.onRows = (rows) => inputs.push(rows.ids);
      const [loaded] = await tail.clusterRows([0]);
      expect(loaded!.ids).toEqual(docs[0]!.model.ids);
      expect(tail.get(loaded!.ids[0]!)?.id).toBe(loaded!.ids[0]);
      expect(inputs).toEqual([]);
      const named = loaded!.ids.slice(0, 2);
      await tail.ensure(named);
      expect(inputs).toEqual([named]);
      await tail.ensure(named);
      expect(inputs).toHaveLength(1);
      expect(tail.pointersOf(named[0]!).map(([k]) => k)).toEqual(expectedPointers(named[0]!).map(([k]) => k));
      expect(warnings).toEqual([]);
    });
    // Lists or pointers that do not fit are refused, saying what to do.
    const doc = JSON.parse(readFileSync(join(out, 'clusters', '0.json'), 'utf8'));
    const broken = { ...doc, model: { ...doc.model, incoming: { ...doc.model.incoming, offsets: doc.model.incoming.offsets.slice(1) } } };
    expect(() => parseCluster(broken, clusters, 0, 'u0')).toThrow(/model\.incoming must be \{ ids, offsets.*edgereco tiers/);
    const c = JSON.parse(readFileSync(join(out, 'clusters', 'centroids.json'), 'utf8'));
    expect(() => parseCentroids({ ...c, pointers: { ...c.pointers, clusters: c.pointers.clusters.map(() => clusters.count) } }, clusters, 'u')).toThrow(/pointers\.clusters must be cluster numbers below/);
  });

  it("packs each item's own tail neighbours by the memory, with their rows and incoming lists, in the pack its id names; a page fetches the packs of the items it names", async () => {
    const packs = written.head.tiers.packs!;
    expect(packs.count).toBe(Math.ceil(62 / PACK_SOURCES));
    expect(summary.packs?.count).toBe(packs.count);
    const clusters = written.head.tiers.clusters!;
    const docs = Array.from({ length: clusters.count }, (_, k) => parseCluster(JSON.parse(readFileSync(join(out, 'clusters', `${k}.json`), 'utf8')), clusters, k, `u${k}`));
    const inCluster = new Map(docs.flatMap((d) => d.model.ids.map((id, r) => [id, { d, r }] as const)));
    const read = Array.from({ length: packs.count }, (_, k) => parsePack(JSON.parse(readFileSync(join(out, 'packs', `${k}.json`), 'utf8')), packs, k, `p${k}`));
    const full = await readBundle(join(source, 'f32'));
    const model = plainSasrec(full.manifest.config, full.tensors, full.attributes);
    const lists = model.neighbours!;
    for (const [f, id] of vocabulary.entries()) {
      // Item id's clustered tail neighbours (i+1, i+7, i+13 here), all in its pack, with the rows, pointers and
      // incoming lists their cluster holds.
      const want = [];
      for (let e = lists.offsets[f + 1]!; e < lists.offsets[f + 2]!; e++) if (inCluster.has(vocabulary[lists.ids[e]! - 1]!)) want.push(vocabulary[lists.ids[e]! - 1]!);
      const pack = read[shardOf(id, packs.count)]!;
      for (const t of want) {
        const r = pack.model.ids.indexOf(t);
        expect(r, `${t} in the pack of ${id}`).toBeGreaterThanOrEqual(0);
        const { d, r: c } = inCluster.get(t)!;
        expect(Array.from(pack.model.rows.subarray(r * pack.model.width, (r + 1) * pack.model.width))).toEqual(Array.from(d.model.rows.subarray(c * d.model.width, (c + 1) * d.model.width)));
        const incoming = (m: typeof pack.model, row: number) => Array.from({ length: m.incoming!.offsets[row + 1]! - m.incoming!.offsets[row]! }, (_, e) => [m.incoming!.ids[m.incoming!.from[m.incoming!.offsets[row]! + e]!], m.incoming!.weights[m.incoming!.offsets[row]! + e]]);
        expect(incoming(pack.model, r)).toEqual(incoming(d.model, c));
        expect(pack.items.find((item) => item.id === t)).toBeDefined();
      }
    }
    // Nothing else: a pack holds the tail neighbours of the items whose id falls in it, each once.
    for (const [k, pack] of read.entries()) {
      const sources = vocabulary.filter((id) => shardOf(id, packs.count) === k).map((id) => vocabulary.indexOf(id) + 1);
      const union = new Set(sources.flatMap((f) => Array.from(lists.ids.subarray(lists.offsets[f]!, lists.offsets[f + 1]!), (t) => vocabulary[t - 1]!).filter((t) => inCluster.has(t))));
      expect(new Set(pack.model.ids)).toEqual(union);
      expect(pack.model.ids.length).toBe(union.size);
    }
    // In the worker, over real HTTP: the packs of the named items, each fetched once; a missing one is a warning.
    await serving(out, async (base) => {
      const warnings: string[] = [];
      const tail = new TailShards(checkTiers(written.head.tiers, base), base, (e) => warnings.push(e.message));
      const named = [vocabulary[3]!, vocabulary[41]!];
      const loaded = await tail.packRows(named);
      expect(new Set(loaded.flatMap((m) => m.ids))).toEqual(new Set(named.flatMap((id) => read[shardOf(id, packs.count)]!.model.ids)));
      const before = tail.loadedClusters;
      await tail.packRows(named);
      expect(tail.loadedClusters).toBe(before);
      expect(warnings).toEqual([]);
      const gone = new TailShards(checkTiers({ ...written.head.tiers, packs: { ...packs, packUrl: 'nowhere/{pack}.json' } }, base), base, (e) => warnings.push(e.message));
      expect(await gone.packRows(named)).toEqual([]);
      expect(warnings[0]).toMatch(/could not load a memory pack from .*nowhere\/\d+\.json: HTTP 404.*catalogUrl/);
    });
    // A pack of another number or count is refused, saying what to do.
    const doc = JSON.parse(readFileSync(join(out, 'packs', '1.json'), 'utf8'));
    expect(() => parsePack(doc, packs, 2, 'p2')).toThrow(/memory pack at p2.*must be pack 2 of \d+ \(it says 1 of/s);
    expect(() => checkTiers({ ...written.head.tiers, packs: { count: 3, packUrl: 'packs.json' } }, 'u')).toThrow(/tiers\.packs must be/);
  });
});

describe('edgereco tiers on a memory that walks three steps', () => {
  const config = { ...sasrecConfig({ numItems: 60, dim: 8, blocks: 1, ffnDim: 8, maxLength: 10 }), neighbourWeight: 1, neighbourHops: 3, neighbourPathWeight: 0.2 };
  const vocabulary = Array.from({ length: 60 }, (_, i) => `w-${i}`);
  const V = 61;
  // Item i's neighbours: i+1, i+7, i+13 (mod 60), weights decreasing.
  const listIds = Float32Array.from({ length: 180 }, (_, j) => 1 + ((Math.floor(j / 3) + [1, 7, 13][j % 3]!) % 60));
  const listWeights = Float32Array.from({ length: 180 }, (_, j) => 3 - (j % 3) + (j % 5) / 10);
  const source = join(dir, 'walk-model');
  const out = join(dir, 'walk');
  beforeAll(async () => {
    const arrays: NamedArray[] = exportWeights(trainedLike(config, 5));
    arrays.push(
      { name: NEIGHBOUR_COUNTS, shape: [V], data: Float32Array.from({ length: V }, (_, i) => (i === 0 ? 0 : 3)) },
      { name: NEIGHBOUR_IDS, shape: [180], data: listIds },
      { name: NEIGHBOUR_WEIGHTS, shape: [1, 180], data: listWeights },
    );
    writeBundle(source, await encodeBundle(config, vocabulary, arrays, 'int8', { dataHash: 'test', split: 'none' as const, format: 'csv', epochs: 1, seed: 5 }));
    writeFileSync(join(dir, 'walk.json'), JSON.stringify(vocabulary.map((id) => ({ id }))));
    await tiers('--catalog', join(dir, 'walk.json'), '--model', source, '--head', '20', '--shard-items', '10', '--out', out);
  });

  it("packs the lists to walk; from them a page gives each tail item it scores the whole bundle's memory term, all three steps", async () => {
    const head = JSON.parse(readFileSync(join(out, 'catalog.json'), 'utf8')) as Written['head'];
    const packs = head.tiers.packs!;
    const clusters = head.tiers.clusters!;
    const full = await readBundle(source);
    const model = plainSasrec(full.manifest.config, full.tensors, full.attributes);
    const lists = model.neighbours!;
    const index = new Map(vocabulary.map((id, i) => [id, i + 1]));
    const listOf = (f: number) => Array.from({ length: lists.offsets[f + 1]! - lists.offsets[f]! }, (_, e) => [vocabulary[lists.ids[lists.offsets[f]! + e]! - 1]!, lists.sims[lists.offsets[f]! + e]!] as const);
    // Pack k: the lists of the items whose id falls in it and of every item they list, as the bundle holds them.
    for (let k = 0; k < packs.count; k++) {
      const walk = parsePack(JSON.parse(readFileSync(join(out, 'packs', `${k}.json`), 'utf8')), packs, k, `p${k}`).model.walk!;
      const own = vocabulary.filter((id) => shardOf(id, packs.count) === k);
      const want = new Set(own.flatMap((id) => [id, ...listOf(index.get(id)!).map(([t]) => t)]));
      expect(new Set(Array.from(walk.sources, (s) => walk.ids[s]!))).toEqual(want);
      walk.sources.forEach((s, r) => {
        const got = Array.from(walk.to.subarray(walk.offsets[r]!, walk.offsets[r + 1]!), (t, e) => [walk.ids[t]!, walk.weights[walk.offsets[r]! + e]!] as const);
        const expected = listOf(index.get(walk.ids[s]!)!);
        expect(got.map(([t]) => t)).toEqual(expected.map(([t]) => t));
        got.forEach(([, w], e) => expect(w).toBeCloseTo(expected[e]![1], 3));
      });
    }
    // In the worker, over real HTTP: with the packs of a history's items loaded, every clustered tail item's memory
    // term is the whole bundle's (three steps), where the first step alone misses most of them.
    await serving(out, async (base) => {
      const warnings: string[] = [];
      const tail = new TailShards(checkTiers(head.tiers, base), base, (e) => warnings.push(e.message));
      const parts = await tail.clusterRows(Array.from({ length: clusters.count }, (_, k) => k));
      let differ = 0;
      let checked = 0;
      for (const history of [[vocabulary[0]!, vocabulary[30]!], [vocabulary[45]!, vocabulary[3]!, vocabulary[59]!], vocabulary.slice(20, 26)]) {
        const latest = [...new Set([...history].reverse())];
        await tail.packRows(latest);
        const terms = memoryTerms(model, history.map((id) => index.get(id)!))!;
        const want = new Map(Array.from(terms.items, (f, r) => [vocabulary[f - 1]!, terms.terms[r]!] as const));
        const walked = tail.sourceWeights(history, latest, 3, 0.2);
        const oneStep = tail.sourceWeights(history, latest, 1, 0.2);
        const walkedSums = tail.memorySums(parts, walked);
        const firstSums = tail.memorySums(parts, oneStep);
        for (const part of parts) {
          const sums = walkedSums.get(part)!;
          const first = firstSums.get(part)!;
          part.ids.forEach((id, r) => {
            const term = sums[r]! > 0 ? Math.log1p(sums[r]!) : 0;
            expect(term, `${id} after ${history.join(' ')}`).toBeCloseTo(want.get(id) ?? 0, 3);
            if (term > 0) checked++;
            if (Math.abs((first[r]! > 0 ? Math.log1p(first[r]!) : 0) - term) > 1e-3) differ++;
          });
        }
      }
      expect(checked).toBeGreaterThan(20);
      expect(differ).toBeGreaterThan(10);
      expect(warnings).toEqual([]);
    });
    // A walk that does not fit is refused, saying what to do.
    const doc = JSON.parse(readFileSync(join(out, 'packs', '0.json'), 'utf8'));
    const broken = { ...doc, model: { ...doc.model, walk: { ...doc.model.walk, to: [...doc.model.walk.to.slice(1), 10_000] } } };
    expect(() => parsePack(broken, packs, 0, 'p0')).toThrow(/model\.walk must be \{ ids, sources.*edgereco tiers/);
  });
});

it('docs/large-catalogs.md documents every option of edgereco tiers with its default', () => {
  const guide = readFileSync(new URL('../../../docs/large-catalogs.md', import.meta.url), 'utf8');
  for (const [name, spec] of Object.entries(TIERS.options)) {
    const row = guide.split('\n').find((line) => line.startsWith(`| \`--${name}`));
    expect(row, `--${name}`).toBeDefined();
    expect(row).toContain(spec.required ? '(required)' : String(spec.default ?? ''));
  }
});
