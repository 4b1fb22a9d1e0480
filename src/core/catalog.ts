import { createError, EdgeRecoError, ERROR_CODES, describeValue } from './errors.js';

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

/** A catalog checked row by row: the valid items, and one `INVALID_DATA` error per row that was left out. */
export interface CatalogCheck {
  items: CatalogItem[];
  skipped: EdgeRecoError[];
  /** Rows read, valid or not. */
  total: number;
}

function rowError(index: number, field: string, requirement: string, value: unknown, id?: unknown, line?: number): EdgeRecoError {
  const named = typeof id === 'string' && id !== '' && field !== 'id' ? ` (item ${describeValue(id)})` : '';
  return createError(ERROR_CODES.INVALID_DATA, { subject: `catalog[${index}].${field}${named}`, row: index, field, requirement, got: value, ...(line !== undefined ? { line } : {}) });
}

/** Checks one row; throws its `INVALID_DATA` error naming the row and field. */
function checkItem(raw: unknown, i: number, line: number | undefined): CatalogItem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw rowError(i, 'id', 'must be an object with an id', raw, undefined, line);
  const v = raw as Record<string, unknown>;
  const fail = (field: string, requirement: string, value: unknown): EdgeRecoError => rowError(i, field, requirement, value, v.id, line);
  if (typeof v.id !== 'string' || v.id.length === 0) throw fail('id', 'must be a non-empty string', v.id);
  const item: CatalogItem = { id: v.id };
  for (const key of ['title', 'category', 'brand', 'currency', 'image'] as const) {
    const value = v[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw fail(key, 'must be a string', value);
    item[key] = value;
  }
  for (const key of ['price', 'popularity'] as const) {
    const value = v[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw fail(key, 'must be a number ≥ 0', value);
    item[key] = value;
  }
  if (v.description !== undefined && v.description !== null) {
    if (typeof v.description !== 'string') throw fail('description', 'must be a string', v.description);
    item.description = v.description;
  }
  if (v.attributes !== undefined && v.attributes !== null) {
    if (typeof v.attributes !== 'object' || Array.isArray(v.attributes)) throw fail('attributes', 'must be an object of name → value', v.attributes);
    const clean: Record<string, string | number | boolean> = {};
    for (const [name, value] of Object.entries(v.attributes as Record<string, unknown>)) {
      const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
      if (!ok || name === '__proto__') throw fail(`attributes.${name}`, 'must be a string, number or boolean', value);
      clean[name] = value;
    }
    item.attributes = clean;
  }
  if (v.available !== undefined && v.available !== null) {
    if (typeof v.available !== 'boolean') throw fail('available', 'must be true or false', v.available);
    item.available = v.available;
  }
  for (const key of Object.keys(v)) {
    if (!ITEM_FIELDS.has(key)) throw fail(key, `is not a catalog field (known: ${[...ITEM_FIELDS].join(', ')})`, v[key]);
  }
  return item;
}

/**
 * Checks a catalog row by row: a bad row (or a repeated id) is left out with an `INVALID_DATA` error naming its row
 * and field, and the other rows are kept. A row given as an error already (a CSV line that could not be read) is left
 * out as it is. `lineOf` maps a row to its line in a source file, for the messages. Throws only when `items` is not an
 * array.
 */
export function checkCatalog(items: unknown, lineOf?: (row: number) => number | undefined): CatalogCheck {
  if (!Array.isArray(items)) {
    throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the catalog', requirement: 'must be an array of items', got: items });
  }
  const seen = new Set<string>();
  const out: CatalogCheck = { items: [], skipped: [], total: items.length };
  items.forEach((raw: unknown, i) => {
    if (raw instanceof EdgeRecoError) return void out.skipped.push(raw);
    try {
      const item = checkItem(raw, i, lineOf?.(i));
      if (seen.has(item.id)) throw rowError(i, 'id', 'must be unique (an earlier row has it)', item.id, undefined, lineOf?.(i));
      seen.add(item.id);
      out.items.push(item);
    } catch (error) {
      out.skipped.push(error as EdgeRecoError);
    }
  });
  return out;
}

/** Validates a catalog array, all or nothing (`updateCatalog()`): throws the first row's `INVALID_DATA` error. */
export function validateCatalog(items: unknown): CatalogItem[] {
  const { items: valid, skipped } = checkCatalog(items);
  if (skipped.length > 0) throw skipped[0]!;
  return valid;
}

/**
 * The `warning` for a catalog with skipped rows (or the `INVALID_DATA` error for one without a valid row): how many,
 * and the first few problems. Null when every row is valid.
 */
export function catalogProblems(check: CatalogCheck, source: string): EdgeRecoError | null {
  const n = check.skipped.length;
  if (n === 0) return null;
  const first = check.skipped.slice(0, 3).map((e) => e.message.replace(/^edgereco: /, ''));
  const more = n > first.length ? `; and ${n - first.length} more` : '';
  const kept = check.items.length;
  return createError(
    ERROR_CODES.INVALID_DATA,
    {
      subject: source,
      requirement: `has ${n} invalid row${n === 1 ? '' : 's'} of ${check.total}, ${kept === 0 ? 'and no valid one' : 'left out'}: ${first.join('; ')}${more}`,
      fix: kept === 0 ? 'nothing is indexed; fix the catalog' : `the ${kept} valid row${kept === 1 ? ' is' : 's are'} indexed; fix the rows listed`,
    },
    { details: { skipped: n, total: check.total, problems: check.skipped.slice(0, 10).map((e) => ({ message: e.message, ...e.details })) } },
  );
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
export function parseCatalogDocument(doc: unknown): CatalogCheck {
  if (Array.isArray(doc)) return checkCatalog(doc);
  const envelope = doc as { format?: unknown; version?: unknown; items?: unknown } | null;
  if (typeof envelope !== 'object' || envelope === null || envelope.format !== CATALOG_FORMAT) {
    throw createError(ERROR_CODES.INVALID_DATA, { subject: 'a catalog', requirement: `must be an array of items or { format: "${CATALOG_FORMAT}", version: ${CATALOG_VERSION}, items }`, got: envelope?.format ?? doc });
  }
  if (envelope.version !== CATALOG_VERSION) {
    throw createError(ERROR_CODES.UNSUPPORTED_VERSION, { what: 'catalog format', version: envelope.version, supported: `version ${CATALOG_VERSION}` });
  }
  return checkCatalog(envelope.items);
}
