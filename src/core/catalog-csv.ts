import { splitCsvLine } from './datasets/csv-line.js';
import { createError, ERROR_CODES } from './errors.js';
import { checkCatalog, type CatalogCheck } from './catalog.js';

const COLUMNS = ['id', 'title', 'category', 'brand', 'price', 'currency', 'available', 'popularity', 'image', 'description'] as const;
const NUMERIC = new Set(['price', 'popularity']);

/**
 * Parses a catalog CSV: a header naming any of `id,title,category,brand,price,currency,available,popularity,image,
 * description` (only `id` is required), plus `attr:NAME` columns for attributes. Empty cells are absent values;
 * `available` is `true`/`false` (or `1`/`0`). Rows are checked like a JSON catalog: a bad row is skipped and its
 * problem names the CSV line; a bad header throws `INVALID_DATA`.
 */
export function parseCatalogCsv(text: string): CatalogCheck {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  if (!header.includes('id')) {
    throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the catalog CSV', requirement: 'needs a header with an "id" column', got: header.slice(0, 5).join(',') });
  }
  for (const name of header) {
    if (!(COLUMNS as readonly string[]).includes(name) && !name.startsWith('attr:')) {
      throw createError(ERROR_CODES.INVALID_DATA, { subject: 'the catalog CSV', field: name, requirement: `has an unknown column "${name}" (known: ${COLUMNS.join(', ')}, attr:NAME)` });
    }
  }
  const rows: unknown[] = [];
  const lineOf: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    if (lines[n]!.trim() === '') continue;
    const cells = splitCsvLine(lines[n]!);
    lineOf.push(n + 1);
    if (cells.length !== header.length) {
      rows.push(createError(ERROR_CODES.INVALID_DATA, { subject: `catalog CSV line ${n + 1}`, requirement: `has ${cells.length} fields, the header ${header.length}`, fix: 'quote cells that contain commas' }));
      continue;
    }
    const row: Record<string, unknown> = {};
    const attributes: Record<string, string | number | boolean> = {};
    header.forEach((name, i) => {
      const cell = cells[i]!.trim();
      if (cell === '') return;
      if (name.startsWith('attr:')) attributes[name.slice(5)] = cell;
      else if (NUMERIC.has(name)) row[name] = Number(cell);
      else if (name === 'available') row[name] = cell === 'true' || cell === '1' ? true : cell === 'false' || cell === '0' ? false : cell;
      else row[name] = cell;
    });
    if (Object.keys(attributes).length > 0) row.attributes = attributes;
    rows.push(row);
  }
  return checkCatalog(rows, (row) => lineOf[row]);
}
