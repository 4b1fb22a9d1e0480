import { EdgeRecoError, ERROR_CODES } from '../core/errors.js';
import { decodeBundle, type DecodedBundle } from '../model/decode-bundle.js';
import type { ModelManifest } from '../model/model-bundle.js';

async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: could not fetch the model file ${url}; check options.modelUrl`, { cause, retryable: true });
  }
  if (!response.ok) throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: the model file ${url} answered HTTP ${response.status}; check options.modelUrl`);
  return response;
}

/**
 * Loads a model bundle, caching it in Cache Storage (`cacheName`) so a reload does not download it again. The small
 * manifest is revalidated on every load (a store can ship a new model at the same URL); weight files are cached under
 * their SHA-256 from the manifest, so an unchanged model's weights come from the cache and a changed one's are fetched.
 * Offline, the cached manifest is used. Checksums and the format version are checked either way (`decodeBundle`).
 */
export async function loadBundle(manifestUrl: string, cacheName: string): Promise<{ bundle: DecodedBundle; downloaded: string[] }> {
  const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName).catch(() => undefined);
  const downloaded: string[] = [];
  let manifest: ModelManifest;
  try {
    const response = await fetchOk(manifestUrl, { cache: 'no-cache' });
    await cache?.put(manifestUrl, response.clone());
    manifest = (await response.json()) as ModelManifest;
    downloaded.push('manifest.json');
  } catch (error) {
    const cached = await cache?.match(manifestUrl);
    if (!cached) throw error;
    manifest = (await cached.json()) as ModelManifest;
  }
  const bundle = await decodeBundle(manifest, async (name) => {
    const url = new URL(name, manifestUrl).href;
    const key = `${url}?sha256=${manifest.checksums?.[name] ?? 'none'}`;
    let response = await cache?.match(key);
    if (!response) {
      response = await fetchOk(url);
      downloaded.push(name);
      await cache?.put(key, response.clone());
    }
    return new Uint8Array(await response.arrayBuffer());
  });
  return { bundle, downloaded };
}
