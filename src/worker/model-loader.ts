import { createError, ERROR_CODES } from '../core/errors.js';
import { decodeBundle, type DecodedBundle } from '../model/decode-bundle.js';
import type { ModelManifest } from '../model/model-bundle.js';
import { fetchFile, readJson } from './fetch-file.js';

const ROLE = { what: 'the model bundle', option: 'modelUrl' } as const;

/**
 * Loads a model bundle, caching it in Cache Storage (`cacheName`) so a reload does not download it again. The small
 * manifest is revalidated on every load (a store can ship a new model at the same URL); weight files are cached under
 * their SHA-256 from the manifest, so an unchanged model's weights come from the cache and a changed one's are fetched.
 * Offline, the cached manifest is used. Checksums and the format version are checked either way (`decodeBundle`).
 * Failures name the URL: `FETCH_FAILED` (unreachable, an HTTP error, an HTML page), `INVALID_BUNDLE` (not a bundle,
 * cut short, a file failing its checksum), `UNSUPPORTED_VERSION`.
 */
export async function loadBundle(manifestUrl: string, cacheName: string): Promise<{ bundle: DecodedBundle; downloaded: string[] }> {
  const cache = typeof caches === 'undefined' ? undefined : await caches.open(cacheName).catch(() => undefined);
  const downloaded: string[] = [];
  const invalid = (problem: string, cause: unknown) => createError(ERROR_CODES.INVALID_BUNDLE, { url: manifestUrl, problem: `manifest.json: ${problem}` }, { cause });
  let manifest: ModelManifest;
  try {
    const response = await fetchFile(manifestUrl, ROLE, 'JSON', { cache: 'no-cache' });
    manifest = (await readJson(response.clone(), invalid)) as ModelManifest;
    await cache?.put(manifestUrl, response);
    downloaded.push('manifest.json');
  } catch (error) {
    const cached = await cache?.match(manifestUrl);
    if (!cached) throw error;
    manifest = (await readJson(cached, invalid)) as ModelManifest;
  }
  const bundle = await decodeBundle(
    manifest,
    async (name) => {
      const url = new URL(name, manifestUrl).href;
      const key = `${url}?sha256=${manifest.checksums?.[name] ?? 'none'}`;
      let response = await cache?.match(key);
      if (!response) {
        response = await fetchFile(url, ROLE, `the model file ${name}`);
        downloaded.push(name);
        await cache?.put(key, response.clone());
      }
      return new Uint8Array(await response.arrayBuffer());
    },
    manifestUrl,
  );
  return { bundle, downloaded };
}
