import { createError, ERROR_CODES, isEdgeRecoError } from '../core/errors.js';
import { decodeBundle, type DecodedBundle } from '../model/decode-bundle.js';
import type { ModelManifest } from '../model/model-bundle.js';
import { fetchFile, readJson, validatorOf } from './fetch-file.js';

const ROLE = { what: 'the model bundle', option: 'modelUrl' } as const;

/** The manifest's response, revalidated (every load; a shared engine's check for a new bundle). */
export function fetchManifest(url: string): Promise<Response> {
  return fetchFile(url, ROLE, 'JSON', { cache: 'no-cache' });
}

/** Said of a downloaded file that fails its checksum: nothing of it was kept, so the next page view tries again. */
const NOT_CACHED = 'nothing of it was cached, so the next page view downloads it again; if that fails too, upload every file of the bundle again, unchanged';

/**
 * Loads a model bundle, caching it in Cache Storage (`cacheName`) so a reload does not download it again. The small
 * manifest is revalidated on every load (a store can ship a new model at the same URL); weight files are cached under
 * their SHA-256 from the manifest, so an unchanged model's weights come from the cache and a changed one's are fetched.
 * Offline, the cached manifest is used. Checksums and the format version are checked either way (`decodeBundle`).
 *
 * Only what was verified is cached: a file once it matches its checksum, the manifest once the whole bundle decoded.
 * A download cut short (HTTP 200, a short body) fails its checksum and is not remembered: the model is off for this
 * page and the next page view downloads it again. A cached file that fails its checksum (written by an older SDK) is
 * deleted and downloaded again at once. Files are fetched past the HTTP cache when Cache Storage holds the verified
 * copy, so a short body kept there is not served again either.
 *
 * `validator`: the manifest's ETag or Last-Modified as fetched (null from the cache or without one), with which a page
 * that joins a running engine checks it unchanged without reading it again.
 *
 * Failures name the URL: `FETCH_FAILED` (unreachable, an HTTP error, an HTML page), `INVALID_BUNDLE` (not a bundle,
 * cut short, a file failing its checksum), `UNSUPPORTED_VERSION`.
 */
export async function loadBundle(manifestUrl: string, cacheName: string): Promise<{ bundle: DecodedBundle; downloaded: string[]; validator: string | null }> {
  const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName).catch(() => undefined);
  const invalid = (problem: string, cause: unknown) => createError(ERROR_CODES.INVALID_BUNDLE, { url: manifestUrl, problem: `manifest.json: ${problem}` }, { cause });
  let manifest: ModelManifest;
  let fresh: Response | null = null;
  try {
    const response = await fetchManifest(manifestUrl);
    manifest = (await readJson(response.clone(), invalid)) as ModelManifest;
    fresh = response;
  } catch (error) {
    const cached = await cache?.match(manifestUrl);
    if (!cached) throw error;
    manifest = (await readJson(cached, invalid)) as ModelManifest;
  }
  const keyOf = (name: string) => `${new URL(name, manifestUrl).href}?sha256=${manifest.checksums?.[name] ?? 'none'}`;
  /** Files read from the cache in this load, and files to download whatever the cache holds. */
  const fromCache = new Set<string>();
  const refetch = new Set<string>();
  for (;;) {
    const downloaded: string[] = [];
    try {
      const bundle = await decodeBundle(
        manifest,
        async (name) => {
          const cached = refetch.has(name) ? undefined : await cache?.match(keyOf(name));
          if (cached) {
            fromCache.add(name);
            return new Uint8Array(await cached.arrayBuffer());
          }
          fromCache.delete(name);
          const response = await fetchFile(new URL(name, manifestUrl).href, ROLE, `the model file ${name}`, cache ? { cache: 'no-store' } : undefined);
          downloaded.push(name);
          return new Uint8Array(await response.arrayBuffer());
        },
        manifestUrl,
        {
          onVerified: async (name, bytes) => {
            if (cache && !fromCache.has(name)) await cache.put(keyOf(name), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'content-type': 'application/octet-stream' } }));
          },
          checksumFix: NOT_CACHED,
        },
      );
      if (fresh) {
        await cache?.put(manifestUrl, fresh);
        downloaded.unshift('manifest.json');
      }
      return { bundle, downloaded, validator: fresh ? validatorOf(fresh) : null };
    } catch (error) {
      // A cached copy that fails its checksum: drop it and download that file once more, now.
      const file = isEdgeRecoError(error) && error.code === ERROR_CODES.INVALID_BUNDLE ? error.details.file : undefined;
      if (typeof file !== 'string' || !fromCache.has(file) || refetch.has(file)) throw error;
      await cache?.delete(keyOf(file));
      refetch.add(file);
    }
  }
}
