import { createError, ERROR_CODES } from '../core/errors.js';
import { fetchFile, readJson } from './fetch-file.js';
import { parsePriors, type PriorsBundle } from '../core/priors.js';
import type { Experiment } from '../core/experiments.js';

/**
 * The store's priors in the worker: fetched from `priorsUrl`, kept in Cache Storage so a returning (or offline)
 * visitor has them at once, revalidated on every start. Lookups are indexed once.
 */
export class PriorsSource {
  private readonly pairs = new Map<string, { itemId: string; count: number }[]>();

  private constructor(readonly bundle: PriorsBundle) {
    for (const { items: [a, b], count } of bundle.pairs) {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        let list = this.pairs.get(x);
        if (!list) this.pairs.set(x, (list = []));
        list.push({ itemId: y, count });
      }
    }
  }

  static async load(url: string, cacheName: string): Promise<PriorsSource> {
    const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName).catch(() => undefined);
    let response: Response | undefined;
    try {
      response = await fetchFile(url, { what: 'the priors', option: 'priorsUrl' }, 'JSON', { cache: 'no-cache' });
      await cache?.put(url, response.clone());
    } catch (error) {
      response = await cache?.match(url);
      if (!response) throw error;
    }
    const doc = await readJson(response, (problem, cause) => createError(ERROR_CODES.INVALID_DATA, { subject: `the priors at ${url}`, requirement: `are not JSON: ${problem}`, url, fix: 'check options.priorsUrl' }, { cause }));
    return PriorsSource.from(doc);
  }

  /** The priors from a bundle already read (checked by `parsePriors`; throws its `INVALID_DATA`). */
  static from(doc: unknown): PriorsSource {
    return new PriorsSource(parsePriors(doc));
  }

  /** The store's popular items in the covered periods (estimated shoppers), most first. */
  trending(): readonly { itemId: string; count: number }[] {
    return this.bundle.items;
  }

  /** Items other shoppers bought with `itemId`, strongest first. */
  boughtWith(itemId: string): readonly { itemId: string; count: number }[] {
    return this.pairs.get(itemId) ?? [];
  }

  /** Popular queries starting with the (normalized) prefix, most frequent first. */
  queriesStartingWith(prefix: string): string[] {
    return this.bundle.queries.filter((q) => q.query.startsWith(prefix)).map((q) => q.query);
  }

  /** The store's experiments published with the priors (used when the page passes none). */
  experiments(): readonly Experiment[] {
    return this.bundle.experiments ?? [];
  }

  /** The item's rank among the store's published popular items (0 = most popular), if it is one. */
  popularRank(itemId: string): number | undefined {
    const i = this.bundle.items.findIndex((x) => x.itemId === itemId);
    return i < 0 ? undefined : i;
  }
}
