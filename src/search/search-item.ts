import { type CatalogItem, validateCatalog } from '../core/catalog.js';
import { EdgeRecoError, ERROR_CODES, describeValue } from '../core/errors.js';

/** An attribute value: text ("Black"), a number (1800) or a feature flag (`bluetooth: true`). */
export type AttributeValue = string | number | boolean;

/** A catalog item with the text the search index also reads. */
export interface SearchItem extends CatalogItem {
  /** A short description, a sentence or two. */
  description?: string;
  /** Attributes by name, e.g. `{ product_colour: 'Black', bluetooth: true }`. */
  attributes?: Record<string, AttributeValue>;
}

/**
 * Validates catalog rows for the search index: everything `validateCatalog` checks, plus `description` (a string) and
 * `attributes` (an object of strings, finite numbers and booleans). Throws `INVALID_OPTION` naming the row and field,
 * e.g. `edgereco: catalog[3].attributes.colour must be a string, number or boolean (got an array of 2)`.
 */
export function validateSearchItems(rows: unknown): SearchItem[] {
  const items = validateCatalog(rows);
  const list = rows as Record<string, unknown>[];
  return items.map((item, i) => {
    const raw = list[i]!;
    const out: SearchItem = item;
    const row = i;
    if (raw.description !== undefined && raw.description !== null) {
      if (typeof raw.description !== 'string') throw rowError(row, 'description', 'must be a string', raw.description);
      out.description = raw.description;
    }
    if (raw.attributes !== undefined && raw.attributes !== null) {
      const attrs = raw.attributes;
      if (typeof attrs !== 'object' || Array.isArray(attrs)) throw rowError(row, 'attributes', 'must be an object of name → value', attrs);
      const clean: Record<string, AttributeValue> = {};
      for (const [name, value] of Object.entries(attrs as Record<string, unknown>)) {
        const ok = typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
        if (!ok) throw rowError(row, `attributes.${name}`, 'must be a string, number or boolean', value);
        clean[name] = value;
      }
      out.attributes = clean;
    }
    return out;
  });
}

function rowError(row: number, field: string, requirement: string, value: unknown): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: catalog[${row}].${field} ${requirement} (got ${describeValue(value)})`, {
    details: { row, field },
  });
}

