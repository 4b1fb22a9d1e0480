import { Client, TokenResponse } from '@cloudflare/privacypass-ts/lib/src/priv_verif_token.js';
import { TokenChallenge } from '@cloudflare/privacypass-ts/lib/src/auth_scheme/private_token.js';
import { fromBase64url, toBase64url } from '../core/base64url.js';
import type { HeldToken } from '../storage/schema.js';

export type { HeldToken };

/** What one visit to the issuer gave. */
export interface IssuedTokens {
  tokens: HeldToken[];
  /** The issuer's keys whose tokens it still redeems (held tokens of any other key are worthless). */
  keys: string[];
  /** Why fewer tokens than asked came: the policy's limit (`Retry-After`), or a failure. */
  stopped?: { status: number; retryAfterMs?: number; message: string };
}

export interface IssuerOptions {
  /** The gateway's base URL (the issuer is the gateway: `{url}/.well-known/private-token-issuer-directory`). */
  url: string;
  /** The publishable key, sent as `X-EdgeReco-Key`. */
  key: string;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
}

/** The issuer directory path (RFC 9578 §4). */
export const ISSUER_DIRECTORY = '/.well-known/private-token-issuer-directory';

interface Directory {
  requestUri: string;
  keys: string[];
  publicKey: Uint8Array;
  challenge: TokenChallenge;
}

async function readDirectory(options: IssuerOptions, base: string): Promise<Directory> {
  const response = await options.fetch(`${base}${ISSUER_DIRECTORY}`, { credentials: 'omit', cache: 'no-cache', referrerPolicy: 'no-referrer' });
  if (!response.ok) throw new Error(`the issuer directory answered HTTP ${response.status}`);
  const doc = (await response.json()) as { 'issuer-request-uri'?: unknown; 'token-keys'?: { 'token-type'?: unknown; 'token-key'?: unknown }[]; 'edgereco-challenge'?: unknown };
  const keys = (Array.isArray(doc['token-keys']) ? doc['token-keys'] : []).filter((k) => k['token-type'] === 1 && typeof k['token-key'] === 'string').map((k) => k['token-key'] as string);
  if (keys.length === 0 || keys.length > 2) throw new Error(`the issuer directory must name one or two token keys of type 1 (it names ${keys.length})`);
  if (typeof doc['issuer-request-uri'] !== 'string' || !doc['issuer-request-uri'].startsWith('/')) throw new Error('the issuer directory has no issuer-request-uri');
  if (typeof doc['edgereco-challenge'] !== 'string') throw new Error('the issuer directory has no edgereco-challenge');
  const challenge = TokenChallenge.deserialize(fromBase64url(doc['edgereco-challenge']));
  if (challenge.tokenType !== 1 || challenge.redemptionContext.length !== 0) throw new Error('the challenge must be of token type 1 with no redemption context (the same for every shopper)');
  return { requestUri: doc['issuer-request-uri'], keys, publicKey: fromBase64url(keys[0]!), challenge };
}

/**
 * Gets up to `count` Privacy Pass tokens (type 0x0001, VOPRF(P-384, SHA-384); RFC 9578 §5) from the gateway's
 * issuer, one request each, one after the other (the first answer sets the issuer's session cookie, which the next
 * carry). Each token is blinded here, evaluated there, and finalized here with the issuer's proof checked against the
 * directory's key, so the issuer never sees the token it later redeems. Stops at the first refusal (the issuance
 * policy's daily limit: 429 with `Retry-After`) or failure, keeping what it got.
 */
export async function fetchTokens(options: IssuerOptions, count: number): Promise<IssuedTokens> {
  const base = options.url.replace(/\/+$/, '');
  const directory = await readDirectory(options, base);
  const out: IssuedTokens = { tokens: [], keys: directory.keys };
  for (let i = 0; i < count; i++) {
    const client = new Client();
    const request = await client.createTokenRequest(directory.challenge, directory.publicKey);
    const response = await options.fetch(`${base}${directory.requestUri}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/private-token-request', Accept: 'application/private-token-response', 'X-EdgeReco-Key': options.key },
      body: request.serialize() as Uint8Array<ArrayBuffer>,
      credentials: 'include',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    if (!response.ok) {
      const seconds = Number(response.headers.get('retry-after'));
      const body = await response.text().catch(() => '');
      const message = (() => {
        try {
          return String((JSON.parse(body) as { message?: unknown }).message ?? body);
        } catch {
          return body;
        }
      })();
      out.stopped = { status: response.status, message: message.slice(0, 300), ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}) };
      return out;
    }
    const token = await client.finalize(TokenResponse.deserialize(new Uint8Array(await response.arrayBuffer())));
    out.tokens.push({ token: toBase64url(token.serialize()), key: directory.keys[0]! });
  }
  return out;
}
