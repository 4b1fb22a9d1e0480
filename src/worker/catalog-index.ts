import type { CatalogItem } from '../core/catalog.js';

/** Trending counts from the store's priors bundle, by item id. */
export type TrendingCounts = ReadonlyMap<string, number>;

/**
 * The catalog as the engine looks it up: by id, with popularity scaled to 0..1. Popularity comes from the store's
 * priors (what many shoppers did, privatized) when there are some for the item, else from the catalog's own field.
 */
export class CatalogIndex {
  readonly items: CatalogItem[];
  private readonly byId: Map<string, CatalogItem>;
  private readonly maxLogPopularity: number;
  private readonly maxLogTrending: number;

  constructor(items: CatalogItem[] = [], private readonly trendingCounts: TrendingCounts = new Map()) {
    this.items = items;
    this.byId = new Map(items.map((item) => [item.id, item]));
    this.maxLogPopularity = Math.max(0, ...items.map((item) => Math.log1p(item.popularity ?? 0)));
    this.maxLogTrending = Math.max(0, ...[...trendingCounts.values()].map((n) => Math.log1p(n)));
  }

  /** Another item list with the same trending counts. */
  withItems(items: CatalogItem[]): CatalogIndex {
    return new CatalogIndex(items, this.trendingCounts);
  }

  /** The same catalog with the priors' trending counts. */
  withTrending(counts: TrendingCounts): CatalogIndex {
    return new CatalogIndex(this.items, counts);
  }

  get size(): number {
    return this.items.length;
  }

  get(id: string): CatalogItem | undefined {
    return this.byId.get(id);
  }

  /** Items the priors say are trending (they may be missing from a catalog the store did not pass). */
  trendingIds(): string[] {
    return [...this.trendingCounts.keys()];
  }

  /** Whether the item's popularity comes from the store's priors (other shoppers) rather than the catalog. */
  isTrending(id: string): boolean {
    return this.trendingCounts.has(id);
  }

  /** Popularity on a 0..1 log scale (0 when neither the priors nor the catalog give any). */
  popularity(id: string): number {
    const trending = this.trendingCounts.get(id);
    if (trending !== undefined && this.maxLogTrending > 0) return Math.log1p(trending) / this.maxLogTrending;
    const p = this.byId.get(id)?.popularity;
    return p === undefined || this.maxLogPopularity === 0 ? 0 : Math.log1p(p) / this.maxLogPopularity;
  }

  title(id: string): string {
    return this.byId.get(id)?.title ?? id;
  }
}
