import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { EdgeRecoError, ERROR_CODES } from '../../src/core/errors.js';
import { type SearchItem, validateSearchItems } from '../../src/search/search-item.js';

/** Relevance grades by query, then by item id. */
export type Judgments = Map<string, Map<string, number>>;

const SUPPORTED_VERSION = 1;

/**
 * A file's text, gunzipped when its name ends in `.gz`; a file that cannot be read is INVALID_OPTION saying so
 * (`what`: how the message names it, `check`: the options to check).
 */
export function readText(path: string, what = path, check = '--catalog / --judgments'): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? String(cause);
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: cannot read ${what} (${reason}); check ${check}`, { cause });
  }
  return (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

function refuseVersion(path: string, version: unknown): never {
  throw new EdgeRecoError(ERROR_CODES.UNSUPPORTED_VERSION, `edgereco: ${path} has format version ${String(version)}; this build reads version ${SUPPORTED_VERSION}`);
}

/** Reads a catalog file: a JSON array of rows, or `{ version: 1, items: [...] }`; `.gz` files are gunzipped. */
export function readCatalogFile(path: string): SearchItem[] {
  const data: unknown = JSON.parse(readText(path));
  if (Array.isArray(data)) return validateSearchItems(data);
  const doc = data as { version?: unknown; items?: unknown };
  if (doc.version !== SUPPORTED_VERSION) refuseVersion(path, doc.version);
  return validateSearchItems(doc.items);
}

/**
 * Reads judgments: JSON `{ version: 1, judgments: [{ query, id, grade }] }`, or Chorus's CSV `query,docid,rating`
 * (e.g. `Broad_Query_Set_rated.csv`). Query strings are trimmed and lower-cased.
 */
export function readJudgmentsFile(path: string): Judgments {
  const text = readText(path);
  const rows: { query: string; id: string; grade: number }[] = [];
  if (/\.csv(\.gz)?$/.test(path)) {
    const [header, ...lines] = text.trim().split(/\r?\n/);
    if (header?.trim() !== 'query,docid,rating') throw bad(path, 'a CSV with header query,docid,rating', header);
    for (const line of lines) {
      const m = /^"?(.*?)"?,(\w+),(\d+)$/.exec(line.trim());
      if (!m) throw bad(path, 'rows query,docid,rating', line);
      rows.push({ query: m[1]!, id: m[2]!, grade: Number(m[3]) });
    }
  } else {
    const doc = JSON.parse(text) as { version?: unknown; judgments?: unknown };
    if (doc.version !== SUPPORTED_VERSION) refuseVersion(path, doc.version);
    if (!Array.isArray(doc.judgments)) throw bad(path, 'a judgments array', doc.judgments);
    for (const j of doc.judgments as { query?: unknown; id?: unknown; grade?: unknown }[]) {
      if (typeof j.query !== 'string' || typeof j.id !== 'string' || typeof j.grade !== 'number') throw bad(path, '{ query, id, grade } rows', JSON.stringify(j));
      rows.push({ query: j.query, id: j.id, grade: j.grade });
    }
  }
  const out: Judgments = new Map();
  for (const { query, id, grade } of rows) {
    const q = query.trim().toLowerCase();
    let grades = out.get(q);
    if (!grades) out.set(q, (grades = new Map()));
    grades.set(id, grade);
  }
  return out;
}

function bad(path: string, expected: string, got: unknown): EdgeRecoError {
  return new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: ${path} must hold ${expected} (got ${String(got).slice(0, 60)})`);
}
