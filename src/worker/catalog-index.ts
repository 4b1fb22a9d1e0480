import type { CatalogItem } from '../core/catalog.js';
import type { PriorsEntrySource } from '../core/priors.js';
import type { PriorsPopularity } from './priors-source.js';
import type { TailShards } from './tail-shards.js';

/** Store-wide popularity from the priors bundle, by item id (`PriorsSource.popularity()`). */
export type TrendingCounts = ReadonlyMap<string, PriorsPopularity>;

/**
 * The catalog as the engine looks it up: by id, with popularity scaled to 0..1. Popularity comes from the store's
 * priors (its sales, or what many shoppers did, privatized) when they list the item, else from the catalog's own field.
 * Sized for any catalog: a position per id and a typed array of per-item popularity, no spread of whole lists.
 */
export class CatalogIndex {
  readonly items: CatalogItem[];
  /** Each id's position in `items`. */
  private readonly positions: Map<string, number>;
  /** `log1p(popularity)` per position (0 when the catalog gives none). */
  private readonly logPopularity: Float64Array;
  private readonly maxLogPopularity: number;

  constructor(
    items: CatalogItem[] = [],
    private readonly trendingCounts: TrendingCounts = new Map(),
    /** A tiered catalog's tail (null: the catalog is whole): `items` is then its head. */
    readonly tail: TailShards | null = null,
  ) {
    this.items = items;
    this.positions = new Map();
    this.logPopularity = new Float64Array(items.length);
    let maxLogPopularity = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      this.positions.set(item.id, i);
      const log = Math.log1p(item.popularity ?? 0);
      this.logPopularity[i] = log;
      if (log > maxLogPopularity) maxLogPopularity = log;
    }
    this.maxLogPopularity = maxLogPopularity;
  }

  /** Another item list with the same trending counts. */
  withItems(items: CatalogItem[]): CatalogIndex {
    return new CatalogIndex(items, this.trendingCounts, this.tail);
  }

  /** The same catalog with the priors' popularity. */
  withTrending(counts: TrendingCounts): CatalogIndex {
    return new CatalogIndex(this.items, counts, this.tail);
  }

  get size(): number {
    return this.items.length;
  }

  /** The item, from the head or a tail shard loaded on this page ({@link ensure}). */
  get(id: string): CatalogItem | undefined {
    const i = this.positions.get(id);
    return i === undefined ? this.tail?.get(id) : this.items[i];
  }

  /** Loads the tail shards holding these ids (nothing to do for a whole catalog or ids of the head). */
  async ensure(ids: Iterable<string | undefined>): Promise<void> {
    if (!this.tail) return;
    const missing: string[] = [];
    for (const id of ids) if (id !== undefined && !this.positions.has(id)) missing.push(id);
    if (missing.length > 0) await this.tail.ensure(missing);
  }

  /** Items the priors say are trending (they may be missing from a catalog the store did not pass). */
  trendingIds(): Iterable<string> {
    return this.trendingCounts.keys();
  }

  /** Whether the item's popularity comes from the store's priors (its sales, other shoppers) rather than the catalog. */
  isTrending(id: string): boolean {
    return this.trendingCounts.has(id);
  }

  /** The priors' sources that list the item as popular (none: not listed). */
  trendingSources(id: string): readonly PriorsEntrySource[] {
    return this.trendingCounts.get(id)?.sources ?? [];
  }

  /** Popularity on a 0..1 log scale (0 when neither the priors nor the catalog give any). */
  popularity(id: string): number {
    const trending = this.trendingCounts.get(id);
    if (trending !== undefined && trending.score > 0) return trending.score;
    const i = this.positions.get(id);
    return i === undefined || this.maxLogPopularity === 0 ? 0 : this.logPopularity[i]! / this.maxLogPopularity;
  }

  title(id: string): string {
    return this.get(id)?.title ?? id;
  }
}
