import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import { parsePriors, type PriorsBundle } from '../core/priors.js';

/**
 * The store's priors in the worker: fetched from `priorsUrl`, kept in Cache Storage so a returning (or offline)
 * visitor has them at once, revalidated on every start. Lookups are indexed once.
 */
export class PriorsSource {
  private readonly pairs = new Map<string, { itemId: string; score: number }[]>();

  private constructor(readonly bundle: PriorsBundle) {
    for (const { a, b, score } of bundle.boughtTogether) {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        let list = this.pairs.get(x);
        if (!list) this.pairs.set(x, (list = []));
        list.push({ itemId: y, score });
      }
    }
  }

  static async load(url: string, cacheName: string): Promise<PriorsSource> {
    const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName).catch(() => undefined);
    let response: Response | undefined;
    try {
      response = await fetch(url, { cache: 'no-cache' });
      if (!response.ok) throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: the priors at ${url} answered HTTP ${response.status}; check options.priorsUrl`);
      await cache?.put(url, response.clone());
    } catch (error) {
      response = await cache?.match(url);
      if (!response) throw error;
    }
    return new PriorsSource(parsePriors(await response.json()));
  }

  trending(): readonly { itemId: string; score: number }[] {
    return this.bundle.trending;
  }

  /** Items other shoppers bought with `itemId`, strongest first. */
  boughtWith(itemId: string): readonly { itemId: string; score: number }[] {
    return this.pairs.get(itemId) ?? [];
  }

  /** Popular queries starting with the (normalized) prefix, most frequent first. */
  queriesStartingWith(prefix: string): string[] {
    return this.bundle.popularQueries.filter((q) => q.query.startsWith(prefix)).map((q) => q.query);
  }

  /** Whether the item is among its category's published popular items. */
  popularIn(itemId: string): string | undefined {
    for (const [category, items] of Object.entries(this.bundle.popularByCategory)) if (items.some((i) => i.itemId === itemId)) return category;
    return undefined;
  }
}
