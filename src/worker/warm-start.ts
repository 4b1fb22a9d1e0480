import type { SearchSettings } from '../core/search-types.js';
import type { SearchSuggestSnapshot } from '../search/search-index.js';
import { sha256Hex } from '../model/sha256.js';

/**
 * What a repeat page view restores instead of rebuilding, kept in Cache Storage (`<prefix>-warm`, deleted with the
 * store's other caches by `forget()`): today the search index's completions, so the first `suggest()` of a page
 * answers without reading the catalog's text again while the full index is rebuilt in the background.
 *
 * An entry belongs to one catalog URL, one version of this format and one `search` setting, and holds the catalog's
 * HTTP validator (ETag, else Last-Modified) from when it was taken: it is used only when the catalog's response on
 * this page view carries the same validator (the browser revalidates the catalog as the store's HTTP caching says;
 * unchanged, that is one 304). A catalog served without either header is never snapshotted.
 */
const WARM_FORMAT = 1;

/** The catalog response's validator, or null when it has none (no warm start for it). */
export function catalogValidator(response: Response): string | null {
  return response.headers.get('etag') ?? response.headers.get('last-modified');
}

export interface WarmPlace {
  /** The Cache Storage cache (`<prefix>-warm`). */
  cacheName: string;
  catalogUrl: string;
  settings: SearchSettings | undefined;
}

async function keyOf(place: WarmPlace): Promise<string> {
  const settings = await sha256Hex(new TextEncoder().encode(JSON.stringify(place.settings ?? {})));
  return `https://edgereco.invalid/warm/v${WARM_FORMAT}/${settings.slice(0, 16)}/${encodeURIComponent(place.catalogUrl)}`;
}

/** The completions snapshot taken for this catalog version and these settings, or null (none, stale, unreadable). */
export async function readWarm(place: WarmPlace, validator: string | null): Promise<SearchSuggestSnapshot | null> {
  if (validator === null || typeof caches === 'undefined') return null;
  const cache = await caches.open(place.cacheName);
  const hit = await cache.match(await keyOf(place));
  if (!hit || hit.headers.get('x-edgereco-validator') !== validator) return null;
  return (await hit.json()) as SearchSuggestSnapshot;
}

/** Keeps `snapshot` for the next page view of this catalog version. */
export async function writeWarm(place: WarmPlace, validator: string, snapshot: SearchSuggestSnapshot): Promise<void> {
  if (typeof caches === 'undefined') return;
  const cache = await caches.open(place.cacheName);
  await cache.put(await keyOf(place), new Response(JSON.stringify(snapshot), { headers: { 'content-type': 'application/json', 'x-edgereco-validator': validator } }));
}
