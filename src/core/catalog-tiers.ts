import { fromBase64url } from './base64url.js';
import { fnv1a32 } from './fnv1a.js';
import { checkCatalog, type CatalogItem } from './catalog.js';
import { createError, describeValue, ERROR_CODES, type EdgeRecoError } from './errors.js';

/**
 * A tiered catalog (issue 17): a store too large to ship whole (past about 50,000 products the catalog alone passes
 * the 5 MB a first page view may download) ships its **head** (the items most shoppers see, by its sales or the
 * priors) as an ordinary catalog document with a `tiers` member, and the **tail** in shards fetched when a shopper's
 * history, the item in view or a re-ranked list names one of their items. An item's shard follows from its id alone
 * ({@link shardOf}), so no directory of a million ids ships. `edgereco tiers` writes both from a full catalog and
 * model bundle.
 *
 * ```json
 * { "format": "edgereco-catalog", "version": 1, "items": [ …the head… ],
 *   "tiers": { "version": 1, "items": 1000000, "shards": 1960, "shardUrl": "shards/{shard}.json" } }
 * ```
 * A shard (`shardUrl` with `{shard}` replaced by its number, relative to the catalog's URL):
 * ```json
 * { "format": "edgereco-catalog-shard", "version": 1, "shard": 17, "shards": 1960, "items": [ … ],
 *   "model": { "weights": "<sha256 of the head bundle's weights>", "width": 65, "ids": [ … ],
 *              "rows": "<base64url: int8 [ids.length, width]>", "scales": [ …one per row… ] } }
 * ```
 * `model` (optional) holds the model's scoring rows (item vector and prior, as `scoringRows`) of the shard's items the
 * model knows, int8 with a float scale per row, for the head bundle whose weights have that checksum: with it the
 * model scores a tail item as it scores the head.
 *
 * With a model, the tail is also cut by **clusters** of those scoring rows (`tiers.clusters`, optional: a catalog
 * without it is tiered by hash only): k-means, a cluster past twice the shard size split again, so a cluster holds
 * items the model scores alike. `centroidsUrl` names one file of every cluster's mean row (int8, as a shard's rows);
 * `recommend()` scores those centroids for the shopper and fetches the best clusters (`clusterUrl`, `{cluster}`
 * replaced), so the tail items the shopper's state points to are candidates although none of their ids was named —
 * the hash shards alone reach only the shards of ids a call names. A cluster file is a shard document with `cluster`
 * and `clusters` in place of `shard` and `shards` (its items' catalog rows and model rows); the hash shards stay the
 * way an id is found.
 * ```json
 * "tiers": { …, "clusters": { "count": 1960, "clusterUrl": "clusters/{cluster}.json", "centroidsUrl": "clusters/centroids.json" } }
 * { "format": "edgereco-tail-centroids", "version": 1, "model": { "weights": …, "width": 65, "ids": ["0", "1", …], "rows": …, "scales": … } }
 * ```
 * With a co-occurrence memory, the tail also comes in **memory packs** (`tiers.packs`, optional): pack k holds the
 * clustered tail items that the items with {@link shardOf}`(id, packs.count) === k` list as neighbours (their catalog
 * rows, model rows and incoming lists, as a cluster's), so `recommend()` fetches the pack of each of the shopper's
 * latest items and scores those items' own tail neighbours, not whole clusters around them. A pack file is a shard
 * document with `pack` and `packs`. When the memory walks more than one step (`config.neighbourHops` > 1), a pack's
 * `model.walk` also holds the neighbour lists of the items whose pack it is and of their neighbours (head and tail
 * alike), from which a page walks the steps before the last from the shopper's latest items, so the memory's terms of
 * the tail items it scores are the whole bundle's, not their first step only ({@link TailMemoryWalk}).
 * ```json
 * "tiers": { …, "packs": { "count": 250000, "packUrl": "packs/{pack}.json" } }
 * ```
 */
export const TIERS_VERSION = 1;
export const SHARD_FORMAT = 'edgereco-catalog-shard';
export const CENTROIDS_FORMAT = 'edgereco-tail-centroids';

/** A tiered catalog's tail clusters (see the module's comment). */
export interface TailClusters {
  count: number;
  /** Cluster k's document: `{cluster}` replaced by k, resolved against the catalog's URL. */
  clusterUrl: string;
  /** The centroids' document, resolved against the catalog's URL. */
  centroidsUrl: string;
}

/** A tiered catalog's memory packs (see the module's comment). */
export interface TailPacks {
  count: number;
  /** Pack k's document: `{pack}` replaced by k, resolved against the catalog's URL. */
  packUrl: string;
}

export interface CatalogTiers {
  version: number;
  /** Products in head and tail together. */
  items: number;
  shards: number;
  /** The URL of shard k: `{shard}` replaced by k, resolved against the catalog's URL. */
  shardUrl: string;
  /** The tail cut by clusters of the model's rows (absent: by hash only). */
  clusters?: TailClusters;
  /** Each item's tail neighbours by the memory, packed by the item's id (absent: none). */
  packs?: TailPacks;
}

export interface ShardModelRows {
  weights: string;
  width: number;
  ids: string[];
  /** Dequantized, row-major `[ids.length, width]`. */
  rows: Float32Array;
  /** With a memory: each row's tail clusters of most memory weight ({@link TailMemoryPointers}). */
  pointers?: TailMemoryPointers;
  /** With a memory, in a cluster: who lists each row's item as a neighbour ({@link TailMemoryIncoming}). */
  incoming?: TailMemoryIncoming;
  /** With a memory of more than one step, in a pack: neighbour lists to walk ({@link TailMemoryWalk}). */
  walk?: TailMemoryWalk;
}

/**
 * The co-occurrence memory toward a tiered catalog's clustered tail (the head bundle's memory reaches head items
 * only). For each item, {@link POINTERS_PER_ITEM} clusters holding most of its neighbour weight toward the tail
 * (`clusters` −1 where it has fewer), with that weight: the head's in the centroids document (`pointers`, in the head
 * bundle's vocabulary order), a tail item's in its shard's `model.pointers` (in row order). `recommend()` adds the
 * clusters the shopper's items point to most.
 */
export interface TailMemoryPointers {
  clusters: Int32Array;
  mass: Float32Array;
}

/**
 * In a cluster's `model.incoming`: for row r, `from[offsets[r]]…from[offsets[r + 1] − 1]` index `ids`, the items that
 * list it as a neighbour, with `weights`: one step of the memory's walk, so a page adds the memory's term to a tail
 * item whose list it never saw.
 */
export interface TailMemoryIncoming {
  ids: string[];
  offsets: Int32Array;
  from: Int32Array;
  weights: Float32Array;
}

/**
 * In a memory pack's `model.walk`: for source s, `to[offsets[s]]…to[offsets[s + 1] − 1]` index `ids`, the neighbours
 * item `ids[sources[s]]` lists, with `weights`: the whole bundle's lists of the items whose pack it is and of their
 * neighbours, so a page can walk from those items the steps a walk of up to three takes before its last.
 */
export interface TailMemoryWalk {
  ids: string[];
  sources: Int32Array;
  offsets: Int32Array;
  to: Int32Array;
  weights: Float32Array;
}

/** Pointers per item (see {@link TailMemoryPointers}). */
export const POINTERS_PER_ITEM = 2;

export interface CatalogShard {
  shard: number;
  items: CatalogItem[];
  skipped: EdgeRecoError[];
  model: ShardModelRows | null;
}

/** The shard holding an item: FNV-1a (32 bits) of the id's UTF-16 code units, modulo the number of shards. */
export function shardOf(id: string, shards: number): number {
  return fnv1a32(id) % shards;
}

/** A catalog document's `tiers` member, checked (INVALID_DATA / UNSUPPORTED_VERSION saying what to fix). */
export function checkTiers(value: unknown, url: string): CatalogTiers {
  const t = value as Partial<CatalogTiers> | null;
  const bad = (requirement: string, got: unknown) => createError(ERROR_CODES.INVALID_DATA, { subject: `the catalog at ${url}: tiers`, requirement, got, fix: 'write the tiers again with `npx edgereco tiers`' });
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw bad('must be an object { version, items, shards, shardUrl }', t);
  if (t.version !== TIERS_VERSION) throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: 'tiered catalog', version: t.version, supported: `version ${TIERS_VERSION}`, fix: 'upgrade edgereco or write the tiers again with this version' });
  if (!Number.isInteger(t.shards) || t.shards! < 1) throw bad('tiers.shards must be a whole number ≥ 1', t.shards);
  if (!Number.isInteger(t.items) || t.items! < 0) throw bad('tiers.items must be a whole number ≥ 0', t.items);
  if (typeof t.shardUrl !== 'string' || !t.shardUrl.includes('{shard}')) throw bad('tiers.shardUrl must be a URL holding "{shard}"', t.shardUrl);
  const tiers: CatalogTiers = { version: t.version, items: t.items!, shards: t.shards!, shardUrl: t.shardUrl };
  if (t.clusters !== undefined) {
    const c = t.clusters as Partial<TailClusters> | null;
    if (typeof c !== 'object' || c === null || !Number.isInteger(c.count) || c.count! < 1) throw bad('tiers.clusters must be { count (a whole number ≥ 1), clusterUrl, centroidsUrl }', c);
    if (typeof c.clusterUrl !== 'string' || !c.clusterUrl.includes('{cluster}')) throw bad('tiers.clusters.clusterUrl must be a URL holding "{cluster}"', c.clusterUrl);
    if (typeof c.centroidsUrl !== 'string' || c.centroidsUrl === '') throw bad('tiers.clusters.centroidsUrl must be a URL', c.centroidsUrl);
    tiers.clusters = { count: c.count!, clusterUrl: c.clusterUrl, centroidsUrl: c.centroidsUrl };
  }
  if (t.packs !== undefined) {
    const p = t.packs as Partial<TailPacks> | null;
    if (typeof p !== 'object' || p === null || !Number.isInteger(p.count) || p.count! < 1 || typeof p.packUrl !== 'string' || !p.packUrl.includes('{pack}')) throw bad('tiers.packs must be { count (a whole number ≥ 1), packUrl (a URL holding "{pack}") }', p);
    tiers.packs = { count: p.count!, packUrl: p.packUrl };
  }
  return tiers;
}

/**
 * The URL of part `k` of a tail (`tiers.shardUrl`, `clusters.clusterUrl` or `packs.packUrl`, with `{shard}`,
 * `{cluster}` or `{pack}` replaced by k), resolved against the catalog's URL.
 */
export function partUrl(template: string, key: 'shard' | 'cluster' | 'pack', k: number, catalogUrl: string): string {
  return new URL(template.replace(`{${key}}`, String(k)), catalogUrl).href;
}

/**
 * Reads a shard document. Rows of the wrong shard are refused (a shard mixed up with another, or written for another
 * shard count), as are model rows whose size does not match; bad items are skipped as in a catalog.
 */
export function parseShard(doc: unknown, tiers: CatalogTiers, k: number, url: string): CatalogShard {
  return readPart(doc, url, 'shard', k, tiers.shards, (id) => shardOf(id, tiers.shards) === k);
}

/**
 * Reads tail cluster `k`'s document (a shard document with `cluster` and `clusters`): refused when it is another
 * cluster or of another count, or has no model rows (a cluster exists for them).
 */
export function parseCluster(doc: unknown, clusters: TailClusters, k: number, url: string): CatalogShard & { model: ShardModelRows } {
  const part = readPart(doc, url, 'cluster', k, clusters.count, () => true);
  if (!part.model) throw partError(url, 'cluster', 'must have the model rows of its items (`model`)');
  return part as CatalogShard & { model: ShardModelRows };
}

/** Reads memory pack `k`'s document (a shard document with `pack` and `packs`; an empty pack has no items). */
export function parsePack(doc: unknown, packs: TailPacks, k: number, url: string): CatalogShard & { model: ShardModelRows } {
  const part = readPart(doc, url, 'pack', k, packs.count, () => true);
  if (!part.model && part.items.length > 0) throw partError(url, 'pack', 'must have the model rows of its items (`model`)');
  return { ...part, model: part.model ?? { weights: '', width: 0, ids: [], rows: new Float32Array(0) } };
}

/** Reads the tail clusters' centroids: one row per cluster, in cluster order. */
export function parseCentroids(doc: unknown, clusters: TailClusters, url: string): ShardModelRows {
  const c = doc as { format?: unknown; version?: unknown; model?: unknown } | null;
  const bad = (problem: string): EdgeRecoError => partError(url, 'centroids', problem);
  if (typeof c !== 'object' || c === null || c.format !== CENTROIDS_FORMAT) throw bad(`must be a "${CENTROIDS_FORMAT}" document (its format is ${describeValue(c?.format)})`);
  if (c.version !== TIERS_VERSION) throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: 'tail centroids', version: c.version, supported: `version ${TIERS_VERSION}` });
  const model = readModelRows(c.model, bad);
  if (model.ids.length !== clusters.count) throw bad(`must hold one row per cluster (${clusters.count}; it holds ${model.ids.length})`);
  const pointers = (c as { pointers?: unknown }).pointers;
  if (pointers === undefined) return model;
  const read = readPointers(pointers, bad, clusters.count, null);
  return { ...model, pointers: read };
}

/** A `pointers` member: `{ clusters, mass }`, {@link POINTERS_PER_ITEM} per item (`rows` of them when given). */
function readPointers(value: unknown, bad: (problem: string) => EdgeRecoError, count: number, rows: number | null): TailMemoryPointers {
  const p = value as { clusters?: unknown; mass?: unknown } | null;
  const ok = typeof p === 'object' && p !== null && Array.isArray(p.clusters) && Array.isArray(p.mass) && p.clusters.length === p.mass.length && p.clusters.length % POINTERS_PER_ITEM === 0;
  if (!ok || (rows !== null && (p.clusters as unknown[]).length !== rows * POINTERS_PER_ITEM)) throw bad(`pointers must be { clusters, mass }, ${POINTERS_PER_ITEM} per item${rows !== null ? ` (${rows} items)` : ''}`);
  const clusters = Int32Array.from(p.clusters as unknown[], (k) => (Number.isInteger(k) && (k as number) >= -1 && (k as number) < count ? (k as number) : -2));
  if (clusters.includes(-2)) throw bad(`pointers.clusters must be cluster numbers below ${count}, or -1`);
  return { clusters, mass: Float32Array.from(p.mass as unknown[], Number) };
}

/** A cluster's `model.incoming` for `rows` rows (see {@link TailMemoryIncoming}). */
function readIncoming(value: unknown, bad: (problem: string) => EdgeRecoError, rows: number): TailMemoryIncoming {
  const m = value as { ids?: unknown; offsets?: unknown; from?: unknown; weights?: unknown } | null;
  const fix = 'model.incoming must be { ids, offsets (one more than the rows, rising), from (indices of ids), weights (one per from) }';
  if (typeof m !== 'object' || m === null || !Array.isArray(m.ids) || !Array.isArray(m.offsets) || !Array.isArray(m.from) || !Array.isArray(m.weights)) throw bad(fix);
  const offsets = Int32Array.from(m.offsets as unknown[], Number);
  const from = Int32Array.from(m.from as unknown[], Number);
  const rising = offsets.every((o, i) => Number.isInteger(o) && (i === 0 ? o === 0 : o >= offsets[i - 1]!));
  if (offsets.length !== rows + 1 || !rising || offsets[rows] !== from.length || m.weights.length !== from.length || from.some((f) => !(f >= 0 && f < (m.ids as unknown[]).length))) throw bad(fix);
  return { ids: (m.ids as unknown[]).map(String), offsets, from, weights: Float32Array.from(m.weights as unknown[], Number) };
}

/** A pack's `model.walk` (see {@link TailMemoryWalk}). */
function readWalk(value: unknown, bad: (problem: string) => EdgeRecoError): TailMemoryWalk {
  const m = value as { ids?: unknown; sources?: unknown; offsets?: unknown; to?: unknown; weights?: unknown } | null;
  const fix = 'model.walk must be { ids, sources (indices of ids), offsets (one more than the sources, rising), to (indices of ids), weights (one per to) }';
  if (typeof m !== 'object' || m === null || !Array.isArray(m.ids) || !Array.isArray(m.sources) || !Array.isArray(m.offsets) || !Array.isArray(m.to) || !Array.isArray(m.weights)) throw bad(fix);
  const n = m.ids.length;
  const index = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) < n ? (v as number) : -1);
  const sources = Int32Array.from(m.sources as unknown[], index);
  const to = Int32Array.from(m.to as unknown[], index);
  const offsets = Int32Array.from(m.offsets as unknown[], Number);
  const rising = offsets.every((o, i) => Number.isInteger(o) && (i === 0 ? o === 0 : o >= offsets[i - 1]!));
  if (offsets.length !== sources.length + 1 || !rising || offsets[sources.length] !== to.length || m.weights.length !== to.length || sources.includes(-1) || to.includes(-1)) throw bad(fix);
  return { ids: (m.ids as unknown[]).map(String), sources, offsets, to, weights: Float32Array.from(m.weights as unknown[], Number) };
}

const PART_NAMES = { shard: 'catalog shard', cluster: 'tail cluster', pack: 'memory pack', centroids: 'tail centroids' } as const;

function partError(url: string, what: keyof typeof PART_NAMES, requirement: string): EdgeRecoError {
  const subject = `the ${PART_NAMES[what]} at ${url}`;
  return createError(ERROR_CODES.INVALID_DATA, { subject, requirement, fix: 'write the tiers again with `npx edgereco tiers` and upload every file' });
}

function readPart(doc: unknown, url: string, key: 'shard' | 'cluster' | 'pack', k: number, of: number, belongs: (id: string) => boolean): CatalogShard {
  const s = doc as Record<string, unknown> | null;
  const bad = (problem: string): EdgeRecoError => partError(url, key, problem);
  if (typeof s !== 'object' || s === null || s['format'] !== SHARD_FORMAT) throw bad(`must be a "${SHARD_FORMAT}" document (its format is ${describeValue(s?.['format'])})`);
  if (s['version'] !== TIERS_VERSION) throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: PART_NAMES[key], version: s['version'], supported: `version ${TIERS_VERSION}` });
  if (s[key] !== k || s[`${key}s`] !== of) throw bad(`must be ${key} ${k} of ${of} (it says ${describeValue(s[key])} of ${describeValue(s[`${key}s`])})`);
  const checked = checkCatalog(s['items']);
  const items = checked.items.filter((item) => belongs(item.id));
  if (items.length < checked.items.length) throw bad(`must hold only items whose id falls in shard ${k} (${checked.items.length - items.length} do not)`);
  const model = s['model'] === undefined ? null : readModelRows(s['model'], bad);
  return { shard: k, items, skipped: checked.skipped, model };
}

/** A `model` member (`{ weights, width, ids, rows, scales }`), dequantized. */
function readModelRows(value: unknown, bad: (problem: string) => EdgeRecoError): ShardModelRows {
  const m = value as { weights?: unknown; width?: unknown; ids?: unknown; rows?: unknown; scales?: unknown } | null;
  const width = m?.width;
  if (typeof m !== 'object' || m === null || typeof m.weights !== 'string' || !Number.isInteger(width) || (width as number) < 1 || !Array.isArray(m.ids) || typeof m.rows !== 'string' || !Array.isArray(m.scales)) throw bad('model must be { weights, width, ids, rows, scales }');
  let q: Int8Array;
  try {
    q = new Int8Array(fromBase64url(m.rows).buffer);
  } catch {
    throw bad('model.rows must be base64url');
  }
  const n = m.ids.length;
  if (q.length !== n * (width as number) || m.scales.length !== n) throw bad(`model.rows must be ${n} × ${String(width)} int8 values with ${n} scales (got ${q.length} values, ${m.scales.length} scales)`);
  const rows = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) rows[i] = q[i]! * (m.scales[Math.floor(i / (width as number))] as number);
  const out: ShardModelRows = { weights: m.weights, width: width as number, ids: m.ids.map(String), rows };
  const extra = m as { pointers?: unknown; incoming?: unknown; walk?: unknown };
  // Cluster numbers are checked against the count where it is known (the engine reads no pointer past it).
  if (extra.pointers !== undefined) out.pointers = readPointers(extra.pointers, bad, Number.MAX_SAFE_INTEGER, n);
  if (extra.incoming !== undefined) out.incoming = readIncoming(extra.incoming, bad, n);
  if (extra.walk !== undefined) out.walk = readWalk(extra.walk, bad);
  return out;
}
