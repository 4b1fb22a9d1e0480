import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayConfig } from './config.js';
import { mediaType } from './produce-request.js';
import { readBody } from './read-body.js';
import { RestError } from './rest-errors.js';
import type { AccessLogEntry } from './server.js';
import { TOKEN_REQUEST_PATH, type TokenService } from './token-service.js';

/** Where browsers find the issuer's keys (RFC 9578 §4). */
export const ISSUER_DIRECTORY_PATH = '/.well-known/private-token-issuer-directory';
/** The session cookie the issuer counts tokens by (random, set by the issuer, never stored on the server). */
export const SESSION_COOKIE = 'edgereco_pp';

const REQUEST_TYPE = 'application/private-token-request';
const RESPONSE_TYPE = 'application/private-token-response';
const DIRECTORY_TYPE = 'application/private-token-issuer-directory';

function sessionOf(request: IncomingMessage): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [name, value] = part.trim().split('=');
    if (name === SESSION_COOKIE && value && /^[A-Za-z0-9_-]{16,64}$/.test(value)) return value;
  }
  return undefined;
}

/**
 * The client's address at issuance, and only there (the report route never reads it): the connection's, or the last
 * `X-Forwarded-For` entry (the one your own proxy appended) when `tokens.clientIp` says so.
 */
function ipOf(request: IncomingMessage, from: 'socket' | 'x-forwarded-for'): string | undefined {
  if (from === 'x-forwarded-for') {
    const header = request.headers['x-forwarded-for'];
    const last = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').pop()?.trim();
    if (last) return last;
  }
  return request.socket.remoteAddress;
}

/**
 * The issuer's routes, when the config has a `tokens` section: `GET /.well-known/private-token-issuer-directory` and
 * `POST /token-request` (one RFC 9578 TokenRequest in, one TokenResponse out; CORS with credentials, for the session
 * cookie). Returns false for any other path. Errors are thrown as RestError, like the produce route's.
 */
export async function serveTokenRoute(request: IncomingMessage, response: ServerResponse, path: string, entry: AccessLogEntry, config: GatewayConfig, tokens: TokenService, nowMs: number): Promise<boolean> {
  const method = request.method ?? 'GET';
  if (path === ISSUER_DIRECTORY_PATH) {
    entry.route = ISSUER_DIRECTORY_PATH;
    if (method !== 'GET') throw new RestError('METHOD_NOT_ALLOWED', 'use GET', { headers: { Allow: 'GET' } });
    response.writeHead(200, { 'Content-Type': DIRECTORY_TYPE, 'Cache-Control': 'public, max-age=300', 'X-Content-Type-Options': 'nosniff' });
    response.end(JSON.stringify(await tokens.directory(nowMs)));
    return true;
  }
  if (path !== TOKEN_REQUEST_PATH) return false;
  entry.route = TOKEN_REQUEST_PATH;
  const origin = request.headers.origin;
  const allowedOrigin = origin !== undefined && config.sites.some((s) => s.origins.includes(origin));
  if (allowedOrigin) response.setHeader('Access-Control-Allow-Credentials', 'true');
  if (method === 'OPTIONS') {
    if (!allowedOrigin) throw new RestError('FORBIDDEN_ORIGIN', 'this origin is not allowed');
    response.writeHead(204, { 'Access-Control-Allow-Methods': 'POST, OPTIONS', 'Access-Control-Allow-Headers': 'content-type, x-edgereco-key', 'Access-Control-Max-Age': '600' }).end();
    return true;
  }
  if (method !== 'POST') throw new RestError('METHOD_NOT_ALLOWED', 'use POST', { headers: { Allow: 'POST, OPTIONS' } });
  const key = request.headers['x-edgereco-key'];
  const site = typeof key === 'string' ? config.sites.find((s) => s.key === key) : undefined;
  if (!site) throw new RestError('UNAUTHORIZED', 'missing or unknown publishable key; send it in the X-EdgeReco-Key header');
  entry.site = site.id;
  if (origin === undefined ? !site.allowMissingOrigin : !site.origins.includes(origin)) {
    throw new RestError('FORBIDDEN_ORIGIN', origin === undefined ? 'an Origin header is required' : 'this origin is not allowed for this key');
  }
  if (mediaType(request.headers['content-type']) !== REQUEST_TYPE) throw new RestError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${REQUEST_TYPE}`);
  const body = await readBody(request, 1024, config.bodyTimeoutMs);
  let session = sessionOf(request);
  const headers: Record<string, string> = {};
  if (session === undefined && tokens.config.perSessionPerDay > 0) {
    session = randomBytes(16).toString('base64url');
    headers['Set-Cookie'] = `${SESSION_COOKIE}=${session}; Path=/; HttpOnly; SameSite=Lax${tokens.config.secureCookie ? '; Secure' : ''}`;
  }
  let issued: Uint8Array;
  try {
    issued = await tokens.issue(body, { session, ip: tokens.config.perIpPerDay > 0 ? ipOf(request, tokens.config.clientIp) : undefined }, nowMs);
  } catch (error) {
    if (error instanceof RestError) Object.assign(error.headers, headers);
    throw error;
  }
  response.writeHead(200, { ...headers, 'Content-Type': RESPONSE_TYPE, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  response.end(Buffer.from(issued));
  return true;
}
