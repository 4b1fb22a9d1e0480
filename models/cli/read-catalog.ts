import { catalogProblems, parseCatalogDocument, type CatalogCheck } from '../../src/core/catalog.js';
import { parseCatalogCsv } from '../../src/core/catalog-csv.js';
import { invalidOption } from './args.js';
import { readText } from './read-search-files.js';

/**
 * Reads a store's catalog file as the SDK reads a fetched catalog: CSV (`.csv`, see `parseCatalogCsv`), else JSON (an
 * array of items or the `edgereco-catalog` document, see `parseCatalogDocument`); a `.gz` file is gunzipped first.
 * Bad rows are left out (as the SDK leaves them out) and come back in `skipped`; a catalog with no valid row, or one
 * that is already a tiered head, is refused with INVALID_OPTION / INVALID_DATA saying what to pass instead.
 */
export function readCatalog(path: string): CatalogCheck {
  const gz = path.endsWith('.gz');
  const text = readText(path, `the catalog ${path}`, '--catalog');
  let check: CatalogCheck;
  if (/\.csv$/i.test(gz ? path.slice(0, -3) : path)) {
    check = parseCatalogCsv(text);
  } else {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (cause) {
      throw invalidOption(`the catalog ${path} is not JSON (${(cause as Error).message}); pass a JSON catalog document, an array of items, or a .csv file`);
    }
    if (typeof doc === 'object' && doc !== null && 'tiers' in doc) {
      throw invalidOption(`the catalog ${path} is already the head of a tiered catalog; pass the full catalog the tiers were made from`);
    }
    check = parseCatalogDocument(doc);
  }
  const problems = catalogProblems(check, `the catalog ${path}`);
  if (problems && check.items.length === 0) throw problems;
  return check;
}
