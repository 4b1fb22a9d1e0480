import { type CatalogItem, validateCatalog } from '../core/catalog.js';

/** An attribute value: text ("Black"), a number (1800) or a feature flag (`bluetooth: true`). */
export type AttributeValue = string | number | boolean;

/** A catalog item as the search index reads it (title, brand, category, description, attributes). */
export type SearchItem = CatalogItem;

/**
 * Validates catalog rows for the search index (the catalog's own validation: `description` a string, `attributes` an
 * object of strings, finite numbers and booleans). Throws `INVALID_OPTION` naming the row and field.
 */
export function validateSearchItems(rows: unknown): SearchItem[] {
  return validateCatalog(rows);
}
