import { createError, ERROR_CODES } from '../core/errors.js';
import { fetchFile, readJson, validatorOf } from './fetch-file.js';
import { parsePriors, type PriorsBundle, type PriorsEntrySource } from '../core/priors.js';
import type { Experiment } from '../core/experiments.js';

/** An item's store-wide popularity from the priors: 0..1 within its source (log scale), and the sources that list it. */
export interface PriorsPopularity {
  score: number;
  sources: PriorsEntrySource[];
}

/**
 * The store's priors in the worker: fetched from `priorsUrl`, kept in Cache Storage so a returning (or offline)
 * visitor has them at once, revalidated on every start. Lookups are indexed once.
 */
export class PriorsSource {
  private readonly pairs = new Map<string, { itemId: string; count: number; source: PriorsEntrySource }[]>();
  private readonly popular = new Map<string, PriorsPopularity>();

  private constructor(readonly bundle: PriorsBundle) {
    for (const { items: [a, b], count, source } of bundle.pairs) {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        let list = this.pairs.get(x);
        if (!list) this.pairs.set(x, (list = []));
        list.push({ itemId: y, count, source });
      }
    }
    // Counts of different sources are not comparable (orders, estimated shoppers): each is scaled within its own.
    const maxLog = new Map<PriorsEntrySource, number>();
    for (const { count, source } of bundle.items) maxLog.set(source, Math.max(maxLog.get(source) ?? 0, Math.log1p(Math.max(0, count))));
    for (const { itemId, count, source } of bundle.items) {
      const top = maxLog.get(source)!;
      const score = top > 0 ? Math.log1p(Math.max(0, count)) / top : 0;
      const entry = this.popular.get(itemId);
      if (!entry) this.popular.set(itemId, { score, sources: [source] });
      else {
        entry.score = Math.max(entry.score, score);
        if (!entry.sources.includes(source)) entry.sources.push(source);
      }
    }
  }

  /** The priors bundle's response, revalidated (as every load, and a shared engine's check for a new bundle, asks it). */
  static fetch(url: string): Promise<Response> {
    return fetchFile(url, { what: 'the priors', option: 'priorsUrl' }, 'JSON', { cache: 'no-cache' });
  }

  static async load(url: string, cacheName: string): Promise<PriorsSource> {
    const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName).catch(() => undefined);
    let response: Response | undefined;
    try {
      response = await PriorsSource.fetch(url);
      await cache?.put(url, response.clone());
    } catch (error) {
      response = await cache?.match(url);
      if (!response) throw error;
    }
    const validator = validatorOf(response);
    const doc = await readJson(response, (problem, cause) => createError(ERROR_CODES.INVALID_DATA, { subject: `the priors at ${url}`, requirement: `are not JSON: ${problem}`, url, fix: 'check options.priorsUrl' }, { cause }));
    const source = PriorsSource.from(doc);
    source.validator = validator;
    return source;
  }

  /** The response's ETag (else Last-Modified) when loaded from `priorsUrl`: a running engine compares it to see a new bundle. */
  validator: string | null = null;

  /** The priors from a bundle already read (checked by `parsePriors`; throws its `INVALID_DATA`). */
  static from(doc: unknown): PriorsSource {
    return new PriorsSource(parsePriors(doc));
  }

  /** The store's popular items, as the bundle lists them: each with its count and source, most first within a source. */
  trending(): readonly { itemId: string; count: number; source: PriorsEntrySource }[] {
    return this.bundle.items;
  }

  /** Each popular item's score (0..1 within its source) and the sources that list it: the catalog's popularity. */
  popularity(): ReadonlyMap<string, PriorsPopularity> {
    return this.popular;
  }

  /** Items bought with `itemId` (the store's sales, or other shoppers' privatized reports), strongest first. */
  boughtWith(itemId: string): readonly { itemId: string; count: number; source: PriorsEntrySource }[] {
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
