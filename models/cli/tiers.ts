import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CATALOG_FORMAT, CATALOG_VERSION, type CatalogItem } from '../../src/core/catalog.js';
import { CENTROIDS_FORMAT, SHARD_FORMAT, shardOf, TIERS_VERSION, type CatalogTiers } from '../../src/core/catalog-tiers.js';
import type { DecodedBundle } from '../../src/model/decode-bundle.js';
import type { NeighbourLists } from '../../src/model/cooccurrence-walk.js';
import { plainSasrec, scoringRows, scoringWidth } from '../../src/model/history-state.js';
import { sasrecConfig } from '../../src/model/sasrec-config.js';
import { encodeBundle } from './training/encode-bundle.js';
import { invalidOption, parseArgs, type Args } from './args.js';
import { readBundle, writeBundle } from './bundle-files.js';
import { TIERS } from './commands.js';
import { restrictBundle } from './head-bundle.js';
import { headItems, type HeadRanking } from './head-items.js';
import { readCatalog } from './read-catalog.js';
import { shardModelRows } from './shard-rows.js';
import { memoryPacks, POINTERS, tailClusters, tailMemory, type TailMemory } from './tail-clusters.js';
import { useBackend } from './wasm-backend.js';

/** What a first page view may download (catalog and model), in bytes: the budget the head is sized against. */
export const FIRST_VIEW_BUDGET_BYTES = 5_000_000;
/** Where the shards go, relative to the head document (the `shardUrl` it names). */
const SHARD_URL = 'shards/{shard}.json';
/** Where the tail's clusters and their centroids go (`tiers.clusters`). */
const CLUSTER_URL = 'clusters/{cluster}.json';
const CENTROIDS_URL = 'clusters/centroids.json';
/** Where the memory packs go (`tiers.packs`), and how many items' packs share a file, on average. */
const PACK_URL = 'packs/{pack}.json';
export const PACK_SOURCES = 4;

/** What `edgereco tiers` wrote (printed, or one line of JSON with `--json`). */
export interface TiersSummary {
  /** Valid catalog items, head and tail; `skipped` rows were left out. */
  items: number;
  skipped: number;
  head: { items: number; by: HeadRanking; bytes: number; gzipBytes: number };
  shards: { count: number; items: number; medianBytes: number; medianGzipBytes: number; largestBytes: number };
  /** With a model: the tail items it knows, also cut by clusters of their rows (`tiers.clusters`), and the centroids' file. */
  clusters?: { count: number; items: number; medianBytes: number; medianGzipBytes: number; largestBytes: number; centroidsBytes: number; centroidsGzipBytes: number };
  /** With a memory: each catalog item's tail neighbours, {@link PACK_SOURCES} items' to a file on average (`tiers.packs`). */
  packs?: { count: number; medianItems: number; medianBytes: number; medianGzipBytes: number; largestBytes: number };
  model?: {
    /** The bundle read: the float32 twin (`DIR/f32`) when there is one, else the int8 bundle. */
    source: string;
    /** Head items the model knows (the head bundle's vocabulary) and its files' bytes, manifest included. */
    headItems: number;
    bytes: number;
    /** SHA-256 of the head bundle's weights file, named by every shard's rows. */
    weights: string;
    /** Tail items the model knows (rows in the shards), and the rows' width. */
    tailRows: number;
    width: number;
    /** Catalog items the model does not know, and model items that are not in the catalog (in neither tier). */
    unknownItems: number;
    droppedItems: number;
    /** Steps of the co-occurrence memory's walk (0: no memory); past 1, the head bundle's walk loses the paths through the tail. */
    memorySteps: number;
  };
  /** The head catalog gzipped plus the head bundle, against {@link FIRST_VIEW_BUDGET_BYTES}. */
  firstViewBytes: number;
}

/** The bundle to cut: its float32 twin when there is one (exact weights, quantized once), else the int8 bundle. */
async function readSource(dir: string): Promise<{ bundle: DecodedBundle; source: string }> {
  if (!existsSync(join(dir, 'manifest.json'))) throw invalidOption(`--model ${dir} has no manifest.json; pass the folder \`edgereco train --out\` wrote`);
  const twin = join(dir, 'f32');
  if (!existsSync(join(twin, 'manifest.json'))) return { bundle: await readBundle(dir), source: dir };
  const bundle = await readBundle(twin);
  const int8 = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as DecodedBundle['manifest'];
  const same = JSON.stringify(sasrecConfig(int8.config)) === JSON.stringify(bundle.manifest.config) && int8.training?.dataHash === bundle.manifest.training?.dataHash;
  if (!same) throw invalidOption(`${twin} is not the float32 twin of ${dir} (their configs or training data differ); write both again with \`edgereco train\` (and \`edgereco neighbours\`), or remove ${twin}`);
  return { bundle, source: twin };
}

/** The model's prior `log(1 + training count)` by item id, when the bundle has one. */
function priorById(bundle: DecodedBundle): Map<string, number> | undefined {
  const prior = bundle.tensors.find((t) => t.name === 'itemPrior');
  return prior && new Map(bundle.manifest.vocabulary.map((id, i) => [id, prior.data[i + 1]!]));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The largest of any number of values (a spread into `Math.max` overflows the stack past ~65,000: 250,000 packs). */
function largest(values: readonly number[]): number {
  return values.reduce((a, b) => Math.max(a, b), -Infinity);
}

/** Writes a JSON document; returns its bytes and gzipped bytes. */
function writeJson(path: string, doc: unknown): { bytes: number; gzipBytes: number } {
  const data = Buffer.from(JSON.stringify(doc));
  writeFileSync(path, data);
  return { bytes: data.byteLength, gzipBytes: gzipSync(data).byteLength };
}

/** Removes `shards/K.json` files an earlier run left for K ≥ `count` (a shard count that changed); returns how many. */
function removeStaleShards(dir: string, count: number): number {
  let removed = 0;
  for (const name of readdirSync(dir)) {
    const m = /^(\d+)\.json$/.exec(name);
    if (m && Number(m[1]) >= count) {
      rmSync(join(dir, name));
      removed++;
    }
  }
  return removed;
}

/** The head bundle (OUT/model) and what the shards need of the full model: its scoring rows and the head's checksum. */
async function writeHeadModel(args: Args, bundle: DecodedBundle, head: readonly CatalogItem[], out: string) {
  const parts = restrictBundle(bundle, new Set(head.map((item) => item.id)));
  const training = bundle.manifest.training;
  // How the bundle was made, as `neighbours` records it (without --json, which changes nothing written).
  const line = [...args.given].filter(([name]) => name !== 'json').map(([name, value]) => `--${name} ${String(value)}`).join(' ');
  const record = training && { ...training, command: `${training.command ?? 'edgereco train'} && edgereco tiers ${line}` };
  const encoded = await encodeBundle(parts.config, parts.vocabulary, parts.arrays, 'int8', record, parts.attributes);
  const dir = join(out, 'model');
  const bytes = writeBundle(dir, encoded) + readFileSync(join(dir, 'manifest.json')).byteLength;
  const model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
  return {
    headItems: parts.config.numItems,
    bytes,
    weights: encoded.manifest.checksums[encoded.manifest.weightsFile]!,
    table: scoringRows(model),
    width: scoringWidth(model),
    index: new Map(bundle.manifest.vocabulary.map((id, i) => [id, i + 1])),
    vocabulary: bundle.manifest.vocabulary,
    headVocabulary: parts.vocabulary,
    neighbours: model.neighbours ?? null,
    hops: model.neighbours ? model.config.neighbourHops : 0,
  };
}

type HeadModel = Awaited<ReturnType<typeof writeHeadModel>>;

/** A weight as written: 4 significant digits (the memory's weights are int8 in the bundle). */
const weight = (x: number): number => Number(x.toPrecision(4));

/** The pointers of full-model items `at` (indices), as a document member. */
function pointersOf(memory: TailMemory, at: readonly number[]): { clusters: number[]; mass: number[] } {
  const clusters: number[] = [];
  const mass: number[] = [];
  for (const f of at) {
    for (let j = 0; j < POINTERS; j++) {
      clusters.push(memory.pointers[f * POINTERS + j]!);
      mass.push(weight(memory.mass[f * POINTERS + j]!));
    }
  }
  return { clusters, mass };
}

/**
 * The tail items the model knows, cut by clusters of their scoring rows (`tailClusters`, about `target` items each):
 * DIR/K.json each cluster's catalog rows and int8 model rows, DIR/centroids.json every cluster's mean row.
 */
function writeClusters(tail: readonly CatalogItem[], model: HeadModel, target: number, dir: string): { summary: NonNullable<TiersSummary['clusters']>; memory: TailMemory | null; clusterOf: Int32Array; known: readonly CatalogItem[] } | null {
  const known = tail.filter((item) => model.index.has(item.id));
  if (known.length === 0) return null;
  const { width } = model;
  const rows = new Float32Array(known.length * width);
  known.forEach((item, r) => {
    const at = model.index.get(item.id)!;
    rows.set(model.table.subarray(at * width, (at + 1) * width), r * width);
  });
  const { members, centroids } = tailClusters(rows, width, target);
  const count = members.length;
  const clusterOf = new Int32Array(model.vocabulary.length + 1).fill(-1);
  members.forEach((group, k) => group.forEach((r) => (clusterOf[model.index.get(known[r]!.id)!] = k)));
  const memory = model.neighbours ? tailMemory(model.neighbours, clusterOf) : null;
  const sizes = members.map((group, k) => {
    const items = Array.from(group, (r) => known[r]!);
    const ids = items.map((item) => item.id);
    return writeJson(join(dir, `${k}.json`), {
      format: SHARD_FORMAT,
      version: TIERS_VERSION,
      cluster: k,
      clusters: count,
      items,
      model: memberRows(model, memory, ids, true),
    });
  });
  // The centroids as a table with a padding row, named "0", "1", … by cluster.
  const table = new Float32Array((count + 1) * width);
  table.set(centroids, width);
  const names = Array.from({ length: count }, (_, k) => String(k));
  const head = memory ? { pointers: pointersOf(memory, model.headVocabulary.map((id) => model.index.get(id)!)) } : {};
  const file = writeJson(join(dir, 'centroids.json'), { format: CENTROIDS_FORMAT, version: TIERS_VERSION, model: shardModelRows(table, width, names, new Map(names.map((name, k) => [name, k + 1])), model.weights), ...head });
  return { memory, clusterOf, known, summary: {
    count,
    items: known.length,
    medianBytes: median(sizes.map((s) => s.bytes)),
    medianGzipBytes: median(sizes.map((s) => s.gzipBytes)),
    largestBytes: largest(sizes.map((s) => s.bytes)),
    centroidsBytes: file.bytes,
    centroidsGzipBytes: file.gzipBytes,
  } };
}

/**
 * The memory packs (`memoryPacks`): DIR/K.json for each of `count` packs, the tail neighbours of the catalog items
 * whose id falls in pack K, as a cluster's document holds its items (catalog rows, model rows, pointers, incoming lists).
 * Every pack is written, an empty one too, so a page never asks for a file that is not there.
 */
function writePacks(items: readonly CatalogItem[], written: NonNullable<ReturnType<typeof writeClusters>>, model: HeadModel, dir: string): NonNullable<TiersSummary['packs']> {
  const memory = written.memory!;
  const count = Math.max(1, Math.ceil(items.length / PACK_SOURCES));
  const packOf = new Int32Array(model.vocabulary.length + 1).fill(-1);
  for (const item of items) {
    const at = model.index.get(item.id);
    if (at !== undefined) packOf[at] = shardOf(item.id, count);
  }
  const row = new Map(written.known.map((item) => [model.index.get(item.id)!, item]));
  const packs = memoryPacks(model.neighbours!, written.clusterOf, packOf, count);
  // A walk of more than one step: each pack also holds the lists of its own items and of their neighbours.
  const own: number[][] = Array.from({ length: count }, () => []);
  if (model.hops > 1) packOf.forEach((k, f) => k >= 0 && own[k]!.push(f));
  const sizes = packs.map((targets, k) => {
    const at = Array.from(targets);
    return writeJson(join(dir, `${k}.json`), {
      format: SHARD_FORMAT,
      version: TIERS_VERSION,
      pack: k,
      packs: count,
      items: at.map((f) => row.get(f)!),
      model: { ...memberRows(model, memory, at.map((f) => model.vocabulary[f - 1]!), true), ...(model.hops > 1 ? { walk: walkOf(model.neighbours!, own[k]!, model.vocabulary) } : {}) },
    });
  });
  return {
    count,
    medianItems: median(packs.map((p) => p.length)),
    medianBytes: median(sizes.map((s) => s.bytes)),
    medianGzipBytes: median(sizes.map((s) => s.gzipBytes)),
    largestBytes: largest(sizes.map((s) => s.bytes)),
  };
}

/**
 * A shard's, cluster's or pack's `model` member for items `ids` the model knows: their int8 scoring rows and, with a
 * memory, their pointers and (`incoming`: in a cluster or pack) who lists them.
 */
function memberRows(model: HeadModel, memory: TailMemory | null, ids: readonly string[], incoming: boolean) {
  const at = ids.map((id) => model.index.get(id)!);
  return {
    ...shardModelRows(model.table, model.width, ids, model.index, model.weights),
    ...(memory ? { pointers: pointersOf(memory, at), ...(incoming ? { incoming: incomingOf(memory.incoming, at, model.vocabulary) } : {}) } : {}),
  };
}

/**
 * A pack's `model.walk` (see `TailMemoryWalk`): the lists of items `own` (full-model indices) and of every item they
 * list, each source once, its entries as the bundle holds them (positive weights only, as the walk reads them).
 */
function walkOf(lists: NeighbourLists, own: readonly number[], vocabulary: readonly string[]): { ids: string[]; sources: number[]; offsets: number[]; to: number[]; weights: number[] } {
  const sources = new Set<number>();
  for (const f of own) {
    sources.add(f);
    for (let e = lists.offsets[f]!; e < lists.offsets[f + 1]!; e++) if (lists.sims[e]! > 0) sources.add(lists.ids[e]!);
  }
  const ids: string[] = [];
  const at = new Map<number, number>();
  const named = (f: number): number => {
    if (!at.has(f)) {
      at.set(f, ids.length);
      ids.push(vocabulary[f - 1]!);
    }
    return at.get(f)!;
  };
  const out = { sources: [] as number[], offsets: [0], to: [] as number[], weights: [] as number[] };
  for (const f of [...sources].sort((a, b) => a - b)) {
    out.sources.push(named(f));
    for (let e = lists.offsets[f]!; e < lists.offsets[f + 1]!; e++) {
      if (!(lists.sims[e]! > 0)) continue;
      out.to.push(named(lists.ids[e]!));
      out.weights.push(weight(lists.sims[e]!));
    }
    out.offsets.push(out.to.length);
  }
  return { ids, ...out };
}

/** Who lists each of `rows` (full-model indices) as a neighbour: `{ ids, offsets, from, weights }` (see `TailMemory`). */
function incomingOf(incoming: readonly (readonly [number, number][] | undefined)[], rows: readonly number[], vocabulary: readonly string[]): { ids: string[]; offsets: number[]; from: number[]; weights: number[] } {
  const ids: string[] = [];
  const at = new Map<number, number>();
  const offsets = [0];
  const from: number[] = [];
  const weights: number[] = [];
  for (const t of rows) {
    for (const [f, sim] of incoming[t] ?? []) {
      if (!at.has(f)) {
        at.set(f, ids.length);
        ids.push(vocabulary[f - 1]!);
      }
      from.push(at.get(f)!);
      weights.push(weight(sim));
    }
    offsets.push(from.length);
  }
  return { ids, offsets, from, weights };
}

/**
 * `tiers --catalog FILE [--model DIR] [--head N] [--shard-items N] --out DIR [--json]`: a tiered catalog (see
 * src/core/catalog-tiers.ts) from a store's full catalog and, optionally, its full model bundle. OUT/catalog.json is
 * the head (the N most popular items, every field kept) with `tiers`; OUT/shards/K.json the tail items with
 * `shardOf(id, S) === K` and, with a model, their int8 scoring rows for the head bundle; OUT/model the bundle cut to
 * the head items it knows. Prints what it wrote and its sizes.
 */
export async function tiersCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(TIERS, argv);
  const catalogPath = args.str('catalog');
  const headSize = args.num('head');
  const out = args.str('out');
  const check = readCatalog(catalogPath);
  if (check.skipped.length > 0) {
    const first = check.skipped.slice(0, 3).map((e) => e.message.replace(/^edgereco: /, ''));
    console.error(`warning: ${check.skipped.length} of the ${check.total} rows of ${catalogPath} are left out of the tiers (fix them in the catalog): ${first.join('; ')}${check.skipped.length > 3 ? '; …' : ''}`);
  }
  const items = check.items;
  if (headSize >= items.length) {
    throw invalidOption(`--head ${headSize} holds the whole catalog (${items.length} items): no tiers needed, ship the catalog whole (or pass a smaller --head)`);
  }
  const modelDir = args.get('model');
  const source = typeof modelDir === 'string' ? await readSource(modelDir) : undefined;
  const { inHead, by } = headItems(items, headSize, source && priorById(source.bundle));
  const head = items.filter((_, i) => inHead[i]);
  const tail = items.filter((_, i) => !inHead[i]);
  const count = Math.max(1, Math.ceil(tail.length / args.num('shard-items')));
  mkdirSync(join(out, 'shards'), { recursive: true });
  mkdirSync(join(out, 'clusters'), { recursive: true });
  mkdirSync(join(out, 'packs'), { recursive: true });
  if (source) await useBackend(args.choice<'wasm' | 'cpu'>('backend')); // the clusters' k-means
  const model = source && (await writeHeadModel(args, source.bundle, head, out));
  const written = model ? writeClusters(tail, model, args.num('shard-items'), join(out, 'clusters')) : null;
  const clusters = written?.summary ?? null;
  const packs = written?.memory ? writePacks(items, written, model!, join(out, 'packs')) : null;
  const staleClusters = removeStaleShards(join(out, 'clusters'), clusters?.count ?? 0) + removeStaleShards(join(out, 'packs'), packs?.count ?? 0);
  const tiers: CatalogTiers = {
    version: TIERS_VERSION,
    items: items.length,
    shards: count,
    shardUrl: SHARD_URL,
    ...(clusters ? { clusters: { count: clusters.count, clusterUrl: CLUSTER_URL, centroidsUrl: CENTROIDS_URL } } : {}),
    ...(packs ? { packs: { count: packs.count, packUrl: PACK_URL } } : {}),
  };
  const headFile = writeJson(join(out, 'catalog.json'), { format: CATALOG_FORMAT, version: CATALOG_VERSION, items: head, tiers });
  const groups = Array.from({ length: count }, (): CatalogItem[] => []);
  for (const item of tail) groups[shardOf(item.id, count)]!.push(item);
  let tailRows = 0;
  const sizes = groups.map((group, k) => {
    const known = model ? group.map((item) => item.id).filter((id) => model.index.has(id)) : [];
    tailRows += known.length;
    const rows = model && { model: memberRows(model, written?.memory ?? null, known, false) };
    return writeJson(join(out, 'shards', `${k}.json`), { format: SHARD_FORMAT, version: TIERS_VERSION, shard: k, shards: count, items: group, ...rows });
  });
  const stale = removeStaleShards(join(out, 'shards'), count) + staleClusters;
  const catalogIds = new Set(items.map((item) => item.id));
  const summary: TiersSummary = {
    items: items.length,
    skipped: check.skipped.length,
    head: { items: head.length, by, ...headFile },
    shards: {
      count,
      items: tail.length,
      medianBytes: median(sizes.map((s) => s.bytes)),
      medianGzipBytes: median(sizes.map((s) => s.gzipBytes)),
      largestBytes: largest(sizes.map((s) => s.bytes)),
    },
    ...(clusters ? { clusters } : {}),
    ...(packs ? { packs } : {}),
    ...(model && source
      ? {
          model: {
            source: source.source,
            headItems: model.headItems,
            bytes: model.bytes,
            weights: model.weights,
            tailRows,
            width: model.width,
            unknownItems: items.filter((item) => !model.index.has(item.id)).length,
            droppedItems: source.bundle.manifest.vocabulary.filter((id) => !catalogIds.has(id)).length,
            memorySteps: source.bundle.manifest.config.neighbourWeight > 0 ? source.bundle.manifest.config.neighbourHops : 0,
          },
        }
      : {}),
    firstViewBytes: headFile.gzipBytes + (model?.bytes ?? 0),
  };
  if (args.has('json')) console.log(JSON.stringify(summary));
  else printSummary(summary, out, stale);
}

function printSummary(s: TiersSummary, out: string, stale: number): void {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const lines = [
    `catalog: ${n(s.items)} items${s.skipped > 0 ? ` (${n(s.skipped)} invalid rows left out, see the warning)` : ''}`,
    `head: the ${n(s.head.items)} most popular items by ${s.head.by} → ${join(out, 'catalog.json')}, ${n(s.head.bytes)} bytes (${n(s.head.gzipBytes)} gzipped)`,
    `tail: ${n(s.shards.items)} items in ${n(s.shards.count)} shards → ${join(out, 'shards')}/K.json, median ${n(s.shards.medianBytes)} bytes (${n(s.shards.medianGzipBytes)} gzipped), largest ${n(s.shards.largestBytes)}${stale > 0 ? `; removed ${stale} shard files of an earlier run` : ''}`,
  ];
  const m = s.model;
  if (m) {
    lines.push(
      `model: read ${m.source}; head bundle ${join(out, 'model')}: ${n(m.headItems)} items, ${n(m.bytes)} bytes; shards carry the int8 scoring rows of ${n(m.tailRows)} tail items (width ${m.width}) for weights ${m.weights.slice(0, 12)}…`,
    );
    if (m.unknownItems > 0) lines.push(`  ${n(m.unknownItems)} catalog items are not in the model's vocabulary (their shards carry no rows for them)`);
    if (m.droppedItems > 0) lines.push(`  ${n(m.droppedItems)} model items are not in the catalog: left out of both tiers`);
    const c = s.clusters;
    if (c) lines.push(`  and by clusters of those rows: ${n(c.count)} clusters → ${join(out, 'clusters')}/K.json, median ${n(c.medianBytes)} bytes (${n(c.medianGzipBytes)} gzipped), largest ${n(c.largestBytes)}; centroids ${n(c.centroidsGzipBytes)} bytes gzipped, fetched with the first recommendation that uses them`);
    const p = s.packs;
    if (p) lines.push(`  and each catalog item's tail neighbours by the memory: ${n(p.count)} packs (about ${PACK_SOURCES} items' each) → ${join(out, 'packs')}/K.json, median ${n(p.medianItems)} items, ${n(p.medianBytes)} bytes (${n(p.medianGzipBytes)} gzipped), largest ${n(p.largestBytes)}; a recommendation fetches the packs of the shopper's latest items`);
    if (m.memorySteps > 1) lines.push(`  the memory walks ${m.memorySteps} steps: the head bundle's walk loses its paths through tail items, so its scores differ from the full model's (docs/large-catalogs.md)`);
  }
  const share = `${(s.firstViewBytes / 1e6).toFixed(2)} MB of the ${FIRST_VIEW_BUDGET_BYTES / 1e6} MB budget`;
  lines.push(`first page view: the head catalog gzipped${m ? ' and the head bundle' : ''}, ${n(s.firstViewBytes)} bytes = ${share}`);
  if (s.firstViewBytes > FIRST_VIEW_BUDGET_BYTES) lines.push(`warning: over the first page view's budget; pass a smaller --head`);
  console.log(lines.join('\n'));
}
