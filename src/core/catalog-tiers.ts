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
 */
export const TIERS_VERSION = 1;
export const SHARD_FORMAT = 'edgereco-catalog-shard';

export interface CatalogTiers {
  version: number;
  /** Products in head and tail together. */
  items: number;
  shards: number;
  /** The URL of shard k: `{shard}` replaced by k, resolved against the catalog's URL. */
  shardUrl: string;
}

export interface ShardModelRows {
  weights: string;
  width: number;
  ids: string[];
  /** Dequantized, row-major `[ids.length, width]`. */
  rows: Float32Array;
}

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
  return { version: t.version, items: t.items!, shards: t.shards!, shardUrl: t.shardUrl };
}

/** The URL of shard `k`. */
export function shardUrl(tiers: CatalogTiers, k: number, catalogUrl: string): string {
  return new URL(tiers.shardUrl.replace('{shard}', String(k)), catalogUrl).href;
}

/**
 * Reads a shard document. Rows of the wrong shard are refused (a shard mixed up with another, or written for another
 * shard count), as are model rows whose size does not match; bad items are skipped as in a catalog.
 */
export function parseShard(doc: unknown, tiers: CatalogTiers, k: number, url: string): CatalogShard {
  const s = doc as { format?: unknown; version?: unknown; shard?: unknown; shards?: unknown; items?: unknown; model?: Record<string, unknown> } | null;
  const bad = (problem: string): EdgeRecoError => createError(ERROR_CODES.INVALID_DATA, { subject: `the catalog shard at ${url}`, requirement: problem, fix: 'write the tiers again with `npx edgereco tiers` and upload every file' });
  if (typeof s !== 'object' || s === null || s.format !== SHARD_FORMAT) throw bad(`must be a "${SHARD_FORMAT}" document (its format is ${describeValue(s?.format)})`);
  if (s.version !== TIERS_VERSION) throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: 'catalog shard', version: s.version, supported: `version ${TIERS_VERSION}` });
  if (s.shard !== k || s.shards !== tiers.shards) throw bad(`must be shard ${k} of ${tiers.shards} (it says ${describeValue(s.shard)} of ${describeValue(s.shards)})`);
  const checked = checkCatalog(s.items);
  const items = checked.items.filter((item) => shardOf(item.id, tiers.shards) === k);
  if (items.length < checked.items.length) throw bad(`must hold only items whose id falls in shard ${k} (${checked.items.length - items.length} do not)`);
  let model: ShardModelRows | null = null;
  if (s.model !== undefined) {
    const m = s.model as { weights?: unknown; width?: unknown; ids?: unknown; rows?: unknown; scales?: unknown };
    const width = m.width;
    if (typeof m.weights !== 'string' || !Number.isInteger(width) || (width as number) < 1 || !Array.isArray(m.ids) || typeof m.rows !== 'string' || !Array.isArray(m.scales)) throw bad('model must be { weights, width, ids, rows, scales }');
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
    model = { weights: m.weights, width: width as number, ids: m.ids.map(String), rows };
  }
  return { shard: k, items, skipped: checked.skipped, model };
}
