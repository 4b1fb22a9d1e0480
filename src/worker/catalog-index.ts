import type { CatalogItem } from '../core/catalog.js';

/** The catalog as the engine looks it up: by id, with popularity scaled to 0..1. */
export class CatalogIndex {
  readonly items: CatalogItem[];
  private readonly byId: Map<string, CatalogItem>;
  private readonly maxLogPopularity: number;

  constructor(items: CatalogItem[] = []) {
    this.items = items;
    this.byId = new Map(items.map((item) => [item.id, item]));
    this.maxLogPopularity = Math.max(0, ...items.map((item) => Math.log1p(item.popularity ?? 0)));
  }

  get size(): number {
    return this.items.length;
  }

  get(id: string): CatalogItem | undefined {
    return this.byId.get(id);
  }

  /** Popularity on a 0..1 log scale (0 when the catalog gives none). */
  popularity(id: string): number {
    const p = this.byId.get(id)?.popularity;
    return p === undefined || this.maxLogPopularity === 0 ? 0 : Math.log1p(p) / this.maxLogPopularity;
  }

  title(id: string): string {
    return this.byId.get(id)?.title ?? id;
  }
}
