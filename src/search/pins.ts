import { createError, ERROR_CODES } from '../core/errors.js';
import type { PinRule } from '../core/search-types.js';

/** Where a search is: its query and the category filter, for choosing the rule that applies. */
export interface PinContext {
  query: string;
  category: string | undefined;
}

/** The reason a pinned result gives the shopper. */
export const PINNED_REASON = 'Pinned by the store';

/** A query as rules compare it: width and case folded (NFKC, lower case), spaces collapsed, trimmed. */
export const foldQuery = (q: string): string => q.normalize('NFKC').toLowerCase().replace(/\s+/gu, ' ').trim();

const RULE_KEYS = ['query', 'category', 'pin', 'bury'];

function validateRule(rule: unknown, i: number): PinRule {
  const fail = (field: string, requirement: string, got: unknown) => createError(ERROR_CODES.INVALID_OPTION, { field: `search.pins[${i}]${field}`, requirement, got });
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) throw fail('', 'must be an object { query or category, pin, bury }', rule);
  const r = rule as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!RULE_KEYS.includes(key)) throw fail(`.${key}`, `is not a pin rule field (the fields are ${RULE_KEYS.join(', ')})`, r[key]);
  for (const key of ['query', 'category'] as const) {
    if (r[key] !== undefined && (typeof r[key] !== 'string' || (r[key] as string).trim() === '')) throw fail(`.${key}`, 'must be a non-empty string', r[key]);
  }
  if (r.query === undefined && r.category === undefined) throw fail('', 'needs a query or a category', rule);
  const isId = (id: unknown): id is string => typeof id === 'string' && id.length > 0;
  if (r.pin !== undefined) {
    if (!Array.isArray(r.pin)) throw fail('.pin', 'must be an array of { id, position }', r.pin);
    r.pin.forEach((p: unknown, j) => {
      const entry = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
      if (!isId(entry.id)) throw fail(`.pin[${j}].id`, 'must be a non-empty string', entry.id);
      if (!Number.isInteger(entry.position) || (entry.position as number) < 0) throw fail(`.pin[${j}].position`, 'must be a whole number ≥ 0 (0 = first)', entry.position);
    });
  }
  if (r.bury !== undefined) {
    if (!Array.isArray(r.bury)) throw fail('.bury', 'must be an array of item ids', r.bury);
    r.bury.forEach((id: unknown, j) => {
      if (!isId(id)) throw fail(`.bury[${j}]`, 'must be a non-empty string', id);
    });
  }
  return r as PinRule;
}

/**
 * The store's merchandising rules, validated once. A rule with a `query` applies when the search query equals it after
 * {@link foldQuery} (and, if the rule also names a `category`, when the category filter equals it too); a rule with only
 * a `category` applies to that category's listing (a blank query with that category filter). The first matching rule
 * wins.
 */
export class Pins {
  readonly rules: readonly PinRule[];

  /** Throws `INVALID_OPTION` naming the bad field (`search.pins[i]…`). */
  constructor(rules: readonly PinRule[]) {
    this.rules = (rules as readonly unknown[]).map(validateRule);
  }

  /** The rule for this search, if any. */
  match(context: PinContext): PinRule | undefined {
    const query = foldQuery(context.query);
    return this.rules.find((r) =>
      r.query !== undefined
        ? foldQuery(r.query) === query && (r.category === undefined || r.category === context.category)
        : query === '' && r.category === context.category,
    );
  }

  /**
   * Puts pinned items at their positions and buried items at the end of `ranked`. `passes(id)` says whether a pinned
   * item passes the active filters (one that does not is not shown); `make(id)` builds a result for a pinned item that
   * is not in `ranked` (none is shown when it returns `undefined`). Buried items keep their relative order; pins are
   * placed in ascending position order, a position past the end putting the item last; a pinned item's `reason` says
   * the store chose it. An id both pinned and buried is pinned.
   */
  apply<T extends { itemId: string; reason?: string }>(ranked: readonly T[], context: PinContext, passes: (id: string) => boolean, make: (id: string) => T | undefined): T[] {
    const rule = this.match(context);
    if (!rule) return [...ranked];
    const pins = [...(rule.pin ?? [])].sort((a, b) => a.position - b.position);
    const pinned = new Set(pins.map((p) => p.id));
    const buried = new Set(rule.bury ?? []);
    const byId = new Map(ranked.map((r) => [r.itemId, r]));
    const rest = ranked.filter((r) => !pinned.has(r.itemId));
    const out = [...rest.filter((r) => !buried.has(r.itemId)), ...rest.filter((r) => buried.has(r.itemId))];
    const placed = new Set<string>();
    for (const { id, position } of pins) {
      if (placed.has(id) || !passes(id)) continue;
      const hit = byId.get(id) ?? make(id);
      if (hit === undefined) continue;
      placed.add(id);
      out.splice(Math.min(position, out.length), 0, { ...hit, reason: PINNED_REASON });
    }
    return out;
  }
}
