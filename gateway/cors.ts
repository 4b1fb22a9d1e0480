import type { ServerResponse } from 'node:http';

/** Headers the SDK may send on the produce call (they make the browser send a preflight first). */
const ALLOWED_HEADERS = 'content-type, x-edgereco-key, accept';

/** Adds CORS response headers when `origin` is one the gateway serves. */
export function applyCors(response: ServerResponse, origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  response.setHeader('Vary', 'Origin');
  if (!origin || !allowed.has(origin)) return false;
  response.setHeader('Access-Control-Allow-Origin', origin);
  return true;
}

/** Answers a preflight: 204 with the allowed method and headers, cached for 10 minutes; 403 for an unknown origin. */
export function preflightHeaders(): Record<string, string> {
  return {
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  };
}
