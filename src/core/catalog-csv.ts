import { splitCsvLine } from './csv-line.js';
import { EdgeRecoError, ERROR_CODES } from './errors.js';
import { validateCatalog, type CatalogItem } from './catalog.js';

const COLUMNS = ['id', 'title', 'category', 'brand', 'price', 'currency', 'available', 'popularity', 'image', 'description'] as const;
const NUMERIC = new Set(['price', 'popularity']);

/**
 * Parses a catalog CSV: a header naming any of `id,title,category,brand,price,currency,available,popularity,image,
 * description` (only `id` is required), plus `attr:NAME` columns for attributes. Empty cells are absent values;
 * `available` is `true`/`false` (or `1`/`0`). Rows are validated like a JSON catalog; errors name the CSV line.
 */
export function parseCatalogCsv(text: string): CatalogItem[] {
  const lines = text.split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  if (!header.includes('id')) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: the catalog CSV needs a header with an "id" column (got ${JSON.stringify(header.slice(0, 5))})`);
  }
  for (const name of header) {
    if (!(COLUMNS as readonly string[]).includes(name) && !name.startsWith('attr:')) {
      throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: the catalog CSV has an unknown column "${name}" (known: ${COLUMNS.join(', ')}, attr:NAME)`, { details: { column: name } });
    }
  }
  const rows: Record<string, unknown>[] = [];
  const lineOf: number[] = [];
  for (let n = 1; n < lines.length; n++) {
    if (lines[n]!.trim() === '') continue;
    const cells = splitCsvLine(lines[n]!);
    if (cells.length !== header.length) {
      throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: catalog CSV line ${n + 1} has ${cells.length} fields, the header ${header.length}`, { details: { line: n + 1 } });
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
    lineOf.push(n + 1);
  }
  try {
    return validateCatalog(rows);
  } catch (error) {
    const row = (error as EdgeRecoError).details?.row;
    if (error instanceof EdgeRecoError && typeof row === 'number') {
      throw new EdgeRecoError(error.code, `${error.message} (CSV line ${lineOf[row]})`, { details: { ...error.details, line: lineOf[row] } });
    }
    throw error;
  }
}
