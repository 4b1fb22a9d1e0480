import { EdgeRecoError, ERROR_CODES, describeValue } from './errors.js';

/** One product of the store's catalog, as the SDK sees it. */
export interface CatalogItem {
  id: string;
  title?: string;
  /** Category path, most general first, separated by " > " (e.g. "Home > Lighting"). */
  category?: string;
  brand?: string;
  price?: number;
  currency?: string;
  /** In stock; `false` items are skipped by the `inStock` filter. Default true. */
  available?: boolean;
  /** A store-provided popularity (e.g. sales in the last 30 days); used for cold start. */
  popularity?: number;
  image?: string;
  /** A short description, a sentence or two (searched). */
  description?: string;
  /** Attributes by name, e.g. `{ colour: 'Black', bluetooth: true }` (searched). */
  attributes?: Record<string, string | number | boolean>;
}

const ITEM_FIELDS = new Set(['id', 'title', 'category', 'brand', 'price', 'currency', 'available', 'popularity', 'image', 'description', 'attributes']);

function rowError(index: number, field: string, requirement: string, value: unknown): EdgeRecoError {
  return new EdgeRecoError(
    ERROR_CODES.INVALID_OPTION,
    `edgereco: catalog[${index}].${field} ${requirement} (got ${describeValue(value)})`,
    { details: { row: index, field } },
  );
}

/** Validates a catalog array; throws `INVALID_OPTION` naming the offending row and field. */
export function validateCatalog(items: unknown): CatalogItem[] {
  if (!Array.isArray(items)) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: catalog must be an array of items (got ${describeValue(items)})`);
  }
  const seen = new Set<string>();
  return items.map((raw: unknown, i) => {
    if (typeof raw !== 'object' || raw === null) throw rowError(i, 'id', 'must be an object with an id', raw);
    const v = raw as Record<string, unknown>;
    if (typeof v.id !== 'string' || v.id.length === 0) throw rowError(i, 'id', 'must be a non-empty string', v.id);
    if (seen.has(v.id)) throw rowError(i, 'id', 'must be unique', v.id);
    seen.add(v.id);
    const item: CatalogItem = { id: v.id };
    for (const key of ['title', 'category', 'brand', 'currency', 'image'] as const) {
      const value = v[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') throw rowError(i, key, 'must be a string', value);
      item[key] = value;
    }
    for (const key of ['price', 'popularity'] as const) {
      const value = v[key];
      if (value === undefined || value === null) continue;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw rowError(i, key, 'must be a number ≥ 0', value);
      item[key] = value;
    }
    if (v.description !== undefined && v.description !== null) {
      if (typeof v.description !== 'string') throw rowError(i, 'description', 'must be a string', v.description);
      item.description = v.description;
    }
    if (v.attributes !== undefined && v.attributes !== null) {
      if (typeof v.attributes !== 'object' || Array.isArray(v.attributes)) throw rowError(i, 'attributes', 'must be an object of name → value', v.attributes);
      const clean: Record<string, string | number | boolean> = {};
      for (const [name, value] of Object.entries(v.attributes as Record<string, unknown>)) {
        const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
        if (!ok || name === '__proto__') throw rowError(i, `attributes.${name}`, 'must be a string, number or boolean', value);
        clean[name] = value;
      }
      item.attributes = clean;
    }
    if (v.available !== undefined && v.available !== null) {
      if (typeof v.available !== 'boolean') throw rowError(i, 'available', 'must be true or false', v.available);
      item.available = v.available;
    }
    for (const key of Object.keys(v)) {
      if (!ITEM_FIELDS.has(key)) throw rowError(i, key, `is not a catalog field (known: ${[...ITEM_FIELDS].join(', ')})`, v[key]);
    }
    return item;
  });
}

/** A change to the catalog, applied without rebuilding it: new or replaced items, removals, price and stock changes. */
export interface CatalogUpdate {
  upsert?: CatalogItem[];
  remove?: string[];
  patch?: { id: string; price?: number; available?: boolean }[];
}

/** The versioned catalog file: `{ format: 'edgereco-catalog', version: 1, items: [...] }` (a bare array works too). */
export const CATALOG_FORMAT = 'edgereco-catalog';
export const CATALOG_VERSION = 1;

/** Reads a fetched catalog document: a bare array of items, or the versioned envelope (unknown versions refused). */
export function parseCatalogDocument(doc: unknown): CatalogItem[] {
  if (Array.isArray(doc)) return validateCatalog(doc);
  const envelope = doc as { format?: unknown; version?: unknown; items?: unknown } | null;
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== CATALOG_FORMAT) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: a catalog must be an array of items or { format: "${CATALOG_FORMAT}", version: ${CATALOG_VERSION}, items } (got ${describeValue(envelope?.format ?? doc)})`);
  }
  if (envelope.version !== CATALOG_VERSION) {
    throw new EdgeRecoError(ERROR_CODES.UNSUPPORTED_VERSION, `edgereco: catalog format version ${describeValue(envelope.version)} is not supported (this SDK reads version ${CATALOG_VERSION}); update edgereco`);
  }
  return validateCatalog(envelope.items);
}
