import type { ModelRuntime } from '../model/model-runtime.js';
import type { CatalogIndex } from './catalog-index.js';

/** Catalog items the model never saw, each with a vector made from its content, and what the vector came from. */
export interface ContentVectors {
  itemIds: string[];
  /** Row-major `[itemIds.length, dim]`. */
  vectors: Float32Array;
  /** Per item: the category (or `brand …`) whose known items made its vector. */
  sources: string[];
}

/** The fewest known items a group needs before it speaks for a new item. */
const MIN_MEMBERS = 2;

const cache = new WeakMap<CatalogIndex, WeakMap<ModelRuntime, ContentVectors>>();

/**
 * Vectors for the catalog's items that are not in the model's vocabulary (added after training), so that they still
 * get a score from the shopper's state: the mean item vector of the known items in the same category (the most specific
 * level with at least two known items, then the parent levels), else of the same brand. An item with none of these
 * gets no vector (it is left to the baseline and the search). Computed once per catalog and model.
 */
export function contentVectors(runtime: ModelRuntime, catalog: CatalogIndex): ContentVectors {
  let byRuntime = cache.get(catalog);
  if (!byRuntime) cache.set(catalog, (byRuntime = new WeakMap()));
  const hit = byRuntime.get(runtime);
  if (hit) return hit;
  // The new items first: most catalogs have none (the bundle was trained on them all), and then this is one lookup per item.
  const fresh: { id: string; keys: string[] }[] = [];
  for (const item of catalog.items) if (runtime.indexOf(item.id) === undefined) fresh.push({ id: item.id, keys: groupKeys(item.category, item.brand) });
  // The known items of the groups that new items belong to.
  const groups = new Map<string, number[]>();
  for (const { keys } of fresh) for (const key of keys) groups.set(key, []);
  if (fresh.length > 0) {
    for (const item of catalog.items) {
      const index = runtime.indexOf(item.id);
      if (index !== undefined) for (const key of groupKeys(item.category, item.brand)) groups.get(key)?.push(index);
    }
  }
  const out: ContentVectors = { itemIds: [], vectors: new Float32Array(0), sources: [] };
  const rows: Float32Array[] = [];
  const means = new Map<string, Float32Array>();
  for (const { id, keys } of fresh) {
    const key = keys.find((k) => (groups.get(k)?.length ?? 0) >= MIN_MEMBERS);
    if (key === undefined) continue;
    let mean = means.get(key);
    if (!mean) means.set(key, (mean = runtime.meanVector(groups.get(key)!)));
    out.itemIds.push(id);
    out.sources.push(key.startsWith('category:') ? key.slice('category:'.length) : key.replace(/^brand:/, 'brand '));
    rows.push(mean);
  }
  const dim = rows[0]?.length ?? 0;
  out.vectors = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.vectors.set(r, i * dim));
  byRuntime.set(runtime, out);
  return out;
}

/** Most specific first: `category:A > B > C`, `category:A > B`, `category:A`, then `brand:X`. */
function groupKeys(category: string | undefined, brand: string | undefined): string[] {
  const keys: string[] = [];
  let c = category?.trim();
  while (c) {
    keys.push(`category:${c}`);
    const cut = c.lastIndexOf(' > ');
    c = cut > 0 ? c.slice(0, cut) : undefined;
  }
  if (brand?.trim()) keys.push(`brand:${brand.trim()}`);
  return keys;
}
