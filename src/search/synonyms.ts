import type { Query } from 'minisearch';
import { createError, ERROR_CODES } from '../core/errors.js';
import type { SynonymRule } from '../core/search-types.js';
import type { TextAnalyzer } from './analyzer.js';
import { normalizeTerm } from './normalize-term.js';

/** Joins a phrase's normalized terms into one map key (a character no term contains). */
const SEP = '\u0001';

/**
 * The store's synonyms, applied to queries: a query becomes a MiniSearch query tree in which each synonym phrase found
 * in it is an OR of its alternatives (each alternative an AND of its own words), and the other words stay as typed.
 * Phrases are compared as their normalized term sequences, so "Cell Phones" in a rule matches the query "cell phone".
 */
export class Synonyms {
  /** Normalized phrase key → the phrases (as the rules write them) a query holding it also searches. */
  private readonly groups = new Map<string, string[]>();
  /** The most terms any rule phrase has: the longest run `expand()` tries at each position. */
  private readonly longest: number;

  /** Validates the rules (throws `INVALID_OPTION` naming `search.synonyms[i]…`) and indexes their phrases. */
  constructor(readonly rules: readonly SynonymRule[], readonly analyzer: TextAnalyzer) {
    let longest = 0;
    rules.forEach((rule, i) => {
      const field = `search.synonyms[${i}]`;
      const r = rule as unknown as Record<string, unknown>;
      if (typeof r !== 'object' || r === null) throw invalid(field, 'must be { words: [...] } or { from, to: [...] }', rule);
      let sources: string[];
      let targets: string[];
      if ('words' in r) {
        const words = phraseList(r.words, `${field}.words`, 2);
        sources = words;
        targets = words;
      } else if ('from' in r) {
        if (typeof r.from !== 'string' || r.from.trim() === '') throw invalid(`${field}.from`, 'must be a non-empty string', r.from);
        sources = [r.from];
        targets = [r.from, ...phraseList(r.to, `${field}.to`, 1)];
      } else {
        throw invalid(field, 'must be { words: [...] } (two-way) or { from, to: [...] } (one-way)', rule);
      }
      for (const source of sources) {
        const terms = this.terms(source);
        if (terms.length === 0) throw invalid(field, 'every phrase must contain a word', source);
        longest = Math.max(longest, terms.length);
        const key = terms.join(SEP);
        const group = this.groups.get(key) ?? [source];
        for (const t of targets) if (!group.includes(t)) group.push(t);
        this.groups.set(key, group);
      }
    });
    this.longest = longest;
  }

  /**
   * The query to run for `text`: the plain text when no synonym applies, else an AND (the search's own `combineWith`,
   * inherited) of the typed words and one OR node per synonym phrase found (longest first, not overlapping). Prefix
   * matching stays on the last typed word only: MiniSearch's `prefix` callback sees each string's own terms, so every
   * node that does not hold the last word gets `prefix: false`.
   */
  expand(text: string): Query {
    if (this.groups.size === 0) return text;
    const raw = this.analyzer.queryTerms(text);
    const norm = raw.map((t) => normalizeTerm(t) ?? t);
    const parts: { group?: string[]; words: string[]; end: number }[] = [];
    let plain: string[] = [];
    let found = false;
    for (let i = 0; i < raw.length; ) {
      let match: string[] | undefined;
      let length = 0;
      for (let n = Math.min(this.longest, raw.length - i); n >= 1 && !match; n--) {
        match = this.groups.get(norm.slice(i, i + n).join(SEP));
        length = n;
      }
      if (match) {
        if (plain.length > 0) parts.push({ words: plain, end: i });
        plain = [];
        parts.push({ group: match, words: [], end: i + length });
        found = true;
        i += length;
      } else {
        plain.push(raw[i]!);
        i++;
      }
    }
    if (!found) return text;
    if (plain.length > 0) parts.push({ words: plain, end: raw.length });
    const queries: Query[] = parts.map((part) => {
      const last = part.end === raw.length;
      const node: Query = part.group
        ? { combineWith: 'OR', queries: part.group.map((phrase): Query => ({ combineWith: 'AND', queries: [phrase] })) }
        : { queries: [part.words.join(' ')] };
      return last ? node : { ...node, prefix: false };
    });
    return queries.length === 1 ? queries[0]! : { queries };
  }

  private terms(phrase: string): string[] {
    return this.analyzer.queryTerms(phrase).map((t) => normalizeTerm(t) ?? t);
  }
}

function phraseList(value: unknown, field: string, min: number): string[] {
  if (!Array.isArray(value) || value.length < min || value.some((v) => typeof v !== 'string' || v.trim() === '')) {
    throw invalid(field, `must be an array of at least ${min} non-empty string${min > 1 ? 's' : ''}`, value);
  }
  return value as string[];
}

function invalid(field: string, requirement: string, got: unknown): Error {
  return createError(ERROR_CODES.INVALID_OPTION, { field, requirement, got, fix: 'e.g. { words: ["tv", "television"] } or { from: "laptop", to: ["notebook"] }' });
}
