import type { Highlight, TextRange } from '../core/search-types.js';
import type { TextAnalyzer } from './analyzer.js';
import type { SearchItem } from './search-item.js';

/** About how long a description snippet is, in UTF-16 units (before the '…' marks). */
const SNIPPET_LENGTH = 80;
/** How much of the snippet comes before its first match. */
const SNIPPET_LEAD = 25;

/**
 * The parts of an item's title (and a description snippet) whose terms matched: `matched` are the index terms
 * MiniSearch reports for the hit (after prefix and typo expansion), normalized as the index stores them. A token is
 * marked whole when its normalized form is one of them, so the prefix "headph" marks the whole word "headphones" (the
 * word the index matched), and a typo marks the word the shopper meant. Touching or overlapping tokens (CJK bigrams)
 * merge into one span.
 */
export function highlightItem(item: SearchItem, matched: ReadonlySet<string>, analyzer: TextAnalyzer, normalize: (term: string) => string | null): Highlight {
  const highlight: Highlight = { title: matchedRanges(item.title ?? '', matched, analyzer, normalize) };
  const description = item.description;
  if (typeof description === 'string' && description.length > 0) {
    const ranges = matchedRanges(description, matched, analyzer, normalize);
    if (ranges.length > 0) highlight.snippet = snippet(description, ranges);
  }
  return highlight;
}

/** Merged, sorted ranges of the tokens of `text` that matched. */
function matchedRanges(text: string, matched: ReadonlySet<string>, analyzer: TextAnalyzer, normalize: (term: string) => string | null): TextRange[] {
  if (matched.size === 0 || text.length === 0) return [];
  const hits: TextRange[] = [];
  for (const token of analyzer.tokens(text)) {
    const term = normalize(token.term);
    if (term !== null && matched.has(term)) hits.push({ start: token.start, end: token.end });
  }
  hits.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: TextRange[] = [];
  for (const r of hits) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** About {@link SNIPPET_LENGTH} characters around the first match, cut at spaces where there are any, with '…'. */
function snippet(text: string, ranges: readonly TextRange[]): { text: string; ranges: TextRange[] } {
  const first = ranges[0]!;
  let start = Math.max(0, first.start - SNIPPET_LEAD);
  if (start > 0) {
    const space = text.slice(start, first.start).search(/\s/);
    if (space >= 0) start += space + 1;
    else if (isLowSurrogate(text.charCodeAt(start))) start--;
  }
  let end = Math.min(text.length, Math.max(start + SNIPPET_LENGTH, first.end));
  if (end < text.length) {
    const tail = text.slice(first.end, end);
    const space = Math.max(tail.lastIndexOf(' '), tail.lastIndexOf('\n'), tail.lastIndexOf('\t'));
    if (space >= 0) end = first.end + space;
    else if (isLowSurrogate(text.charCodeAt(end))) end--;
  }
  while (start < first.start && /\s/.test(text[start]!)) start++;
  while (end > first.end && /\s/.test(text[end - 1]!)) end--;
  const lead = start > 0 ? '…' : '';
  const body = text.slice(start, end);
  const shifted = ranges
    .filter((r) => r.start < end && r.end > start)
    .map((r) => ({ start: Math.max(r.start, start) - start + lead.length, end: Math.min(r.end, end) - start + lead.length }));
  return { text: `${lead}${body}${end < text.length ? '…' : ''}`, ranges: shifted };
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
