import type { CatalogItem } from '../core/catalog.js';
import type { SearchSettings } from '../core/search-types.js';
import type { SearchSuggestSnapshot } from '../search/search-index.js';
import { sha256Hex } from '../model/sha256.js';

/**
 * What a repeat page view restores instead of rebuilding, kept in Cache Storage (`<prefix>-warm`, deleted with the
 * store's other caches by `forget()`): the search index's completions, so the first `suggest()` of a page answers
 * without the catalog while the full index is rebuilt in the background; and the catalog's checked rows, so the first
 * answers do not wait for the catalog to be decompressed, parsed and checked again.
 *
 * An entry belongs to one catalog URL, one version of this format and one `search` setting, and holds the catalog's
 * HTTP validator (ETag, else Last-Modified) from when it was taken: it is used only when the catalog's response on
 * this page view carries the same validator (the browser revalidates the catalog as the store's HTTP caching says;
 * unchanged, that is one 304). A catalog served without either header is never snapshotted.
 */
const WARM_FORMAT = 2;

/** The parts kept: read separately (the completions are small and wanted first). */
export type WarmPart = 'completions' | 'catalog';

/** The catalog as the last page view checked it: every row valid (a catalog with invalid rows is not kept). */
export interface WarmCatalog {
  items: CatalogItem[];
  /** A tiered catalog's `tiers` member, as the document has it (checked again on use). */
  tiers?: unknown;
}

interface WarmValue {
  completions: SearchSuggestSnapshot;
  catalog: WarmCatalog;
}

export interface WarmPlace {
  /** The Cache Storage cache (`<prefix>-warm`). */
  cacheName: string;
  catalogUrl: string;
  settings: SearchSettings | undefined;
}

async function keyOf(place: WarmPlace, part: WarmPart): Promise<string> {
  const settings = await sha256Hex(new TextEncoder().encode(JSON.stringify(place.settings ?? {})));
  return `https://edgereco.invalid/warm/v${WARM_FORMAT}/${part}/${settings.slice(0, 16)}/${encodeURIComponent(place.catalogUrl)}`;
}

/** The part kept for this catalog version and these settings, or null (none, stale, unreadable). */
export async function readWarm<P extends WarmPart>(place: WarmPlace, validator: string | null, part: P): Promise<WarmValue[P] | null> {
  if (validator === null || typeof caches === 'undefined') return null;
  const cache = await caches.open(place.cacheName);
  const hit = await cache.match(await keyOf(place, part));
  if (!hit || hit.headers.get('x-edgereco-validator') !== validator) return null;
  return (await hit.json()) as WarmValue[P];
}

/** Keeps `value` for the next page view of this catalog version. */
export async function writeWarm<P extends WarmPart>(place: WarmPlace, validator: string, part: P, value: WarmValue[P]): Promise<void> {
  if (typeof caches === 'undefined') return;
  const cache = await caches.open(place.cacheName);
  await cache.put(await keyOf(place, part), new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json', 'x-edgereco-validator': validator } }));
}
