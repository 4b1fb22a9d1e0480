import { BHttpDecoder, BHttpEncoder } from 'bhttp-js';
import { encapsulateRequest } from '../core/ohttp/encapsulation.js';
import { decodeKeyConfigList, OHTTP_REQUEST_TYPE, OHTTP_RESPONSE_TYPE, supportedKeyConfig, type KeyConfig } from '../core/ohttp/key-config.js';

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

export interface OhttpFetchOptions {
  /** The Oblivious HTTP relay (RFC 9458) the encapsulated requests are posted to. */
  relayUrl: string;
  /** The gateway's key configuration (`application/ohttp-keys`). */
  keysUrl: string;
  fetch: Fetch;
}

/** How long a fetched key configuration is used before it is fetched again. */
const KEYS_TTL_MS = 3_600_000;

/**
 * A `fetch` for the report sender that sends each request through an Oblivious HTTP relay: the request (method,
 * URL path, headers, body) is encoded as Binary HTTP (RFC 9292, bhttp-js), encapsulated to the gateway's key
 * (RFC 9458, @hpke/core) and posted to the relay, which sees the browser's address but only ciphertext; the gateway
 * decapsulates it and sees the report but only the relay's address. The answer is the gateway's inner response.
 *
 * An outer failure the reports are not to blame for (the relay cannot reach the gateway, the key changed) comes back
 * as a 503 so that the sender keeps the reports and retries; the key configuration is fetched again then.
 */
export function ohttpFetch(options: OhttpFetchOptions): Fetch {
  let keys: { config: KeyConfig; at: number } | null = null;
  const keyConfig = async (): Promise<KeyConfig> => {
    if (keys && Date.now() - keys.at < KEYS_TTL_MS) return keys.config;
    const response = await options.fetch(options.keysUrl, { method: 'GET', credentials: 'omit', referrerPolicy: 'no-referrer', cache: 'no-store' });
    if (!response.ok) throw new Error(`the OHTTP key configuration at ${options.keysUrl} answered HTTP ${response.status}`);
    const config = supportedKeyConfig(decodeKeyConfigList(new Uint8Array(await response.arrayBuffer())));
    if (!config) throw new Error(`the OHTTP key configuration at ${options.keysUrl} offers no X25519 / HKDF-SHA256 / AES-128-GCM key`);
    keys = { config, at: Date.now() };
    return config;
  };
  return async (url, init) => {
    const config = await keyConfig();
    const inner = await new BHttpEncoder().encodeRequest(new Request(url, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body !== undefined && init.body !== null ? { body: init.body } : {}) }));
    const encapsulated = await encapsulateRequest(config, inner);
    const outer = await options.fetch(options.relayUrl, {
      method: 'POST',
      headers: { 'Content-Type': OHTTP_REQUEST_TYPE },
      body: encapsulated.bytes,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
    });
    const type = (outer.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (outer.status !== 200 || type !== OHTTP_RESPONSE_TYPE) {
      await outer.body?.cancel().catch(() => {});
      keys = null;
      // 413 (too large) and 429 (later) mean what they say; anything else is the path's fault, not the reports'.
      const status = outer.status === 413 || outer.status === 429 || outer.status >= 500 ? outer.status : 503;
      return new Response(null, { status, headers: outer.headers.get('retry-after') ? { 'Retry-After': outer.headers.get('retry-after')! } : {} });
    }
    return new BHttpDecoder().decodeResponse(await encapsulated.openResponse(new Uint8Array(await outer.arrayBuffer())));
  };
}
