// Writes test/fixtures/search-cjk/judgments.json from the shopper-intent rules of queries.json over the item labels of
// labels.json: the grades come from what each query means, never from a search engine's results.
// Usage: npx tsx scripts/make-cjk-judgments.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What an item is, written with the item: its product type, normalized brand and a few features. */
export interface ItemLabel {
  kind: string;
  brand: string;
  tags: string[];
}

/** One intent rule: every condition given must hold for the item to get `grade`. */
export interface IntentRule {
  kind?: string[];
  brand?: string[];
  tags?: string[];
  grade: number;
}

export interface CjkQuery {
  query: string;
  lang: 'zh' | 'ja';
  intent: IntentRule[];
}

export interface Judgment {
  query: string;
  id: string;
  grade: number;
}

export const FIXTURE_DIR = fileURLToPath(new URL('../test/fixtures/search-cjk/', import.meta.url));

function matches(rule: IntentRule, label: ItemLabel): boolean {
  return (
    (rule.kind === undefined || rule.kind.includes(label.kind)) &&
    (rule.brand === undefined || rule.brand.includes(label.brand)) &&
    (rule.tags === undefined || rule.tags.every((t) => label.tags.includes(t)))
  );
}

/**
 * Every item of the query's language (ids `zh-…` / `ja-…`: a shopper searches one store's catalog) with a grade > 0,
 * the grade being the best over the rules that match it; sorted by query order, then grade (best first), then id.
 */
export function makeCjkJudgments(labels: Readonly<Record<string, ItemLabel>>, queries: readonly CjkQuery[]): Judgment[] {
  const ids = Object.keys(labels).sort();
  const out: Judgment[] = [];
  for (const q of queries) {
    const rows: Judgment[] = [];
    for (const id of ids) {
      if (!id.startsWith(`${q.lang}-`)) continue;
      const grade = Math.max(0, ...q.intent.filter((rule) => matches(rule, labels[id]!)).map((rule) => rule.grade));
      if (grade > 0) rows.push({ query: q.query, id, grade });
    }
    rows.sort((a, b) => b.grade - a.grade || (a.id < b.id ? -1 : 1));
    out.push(...rows);
  }
  return out;
}

/** Reads labels.json and queries.json from the fixture folder. */
export function readCjkFixture(dir = FIXTURE_DIR): { labels: Record<string, ItemLabel>; queries: CjkQuery[] } {
  const labels = (JSON.parse(readFileSync(`${dir}labels.json`, 'utf8')) as { labels: Record<string, ItemLabel> }).labels;
  const queries = (JSON.parse(readFileSync(`${dir}queries.json`, 'utf8')) as { queries: CjkQuery[] }).queries;
  return { labels, queries };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { labels, queries } = readCjkFixture();
  const judgments = makeCjkJudgments(labels, queries);
  writeFileSync(`${FIXTURE_DIR}judgments.json`, `${JSON.stringify({ version: 1, judgments }, null, 1)}\n`);
  console.log(`wrote ${judgments.length} judgments for ${queries.length} queries`);
}
