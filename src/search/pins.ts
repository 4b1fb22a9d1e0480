import type { PinRule } from '../core/search-types.js';

/** Where a search is: its query and the category filter, for choosing the rule that applies. */
export interface PinContext {
  query: string;
  category: string | undefined;
}

/**
 * The store's merchandising rules, indexed by query (folded) and category. (Issue 18: to be written.)
 */
export class Pins {
  constructor(readonly rules: readonly PinRule[]) {}

  /**
   * Puts pinned items at their positions and buried items at the end of `ranked`. `passes(id)` says whether a pinned
   * item passes the active filters (one that does not is not shown); `make(id)` builds a result for a pinned item that
   * is not in `ranked`.
   */
  apply<T extends { itemId: string }>(ranked: readonly T[], _context: PinContext, _passes: (id: string) => boolean, _make: (id: string) => T | undefined): T[] {
    return [...ranked];
  }
}
