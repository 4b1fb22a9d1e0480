import type { IncomingMessage, ServerResponse } from 'node:http';
import { BHttpDecoder, BHttpEncoder } from 'bhttp-js';
import { decapsulateRequest, OhttpError } from '../src/core/ohttp/encapsulation.js';
import { OHTTP_KEYS_TYPE, OHTTP_REQUEST_TYPE, OHTTP_RESPONSE_TYPE } from '../src/core/ohttp/key-config.js';
import type { OhttpKey } from './ohttp-key.js';
import { readBody } from './read-body.js';
import { RestError } from './rest-errors.js';

/** The header that marks a request the gateway decapsulated itself (its value is a secret of this process). */
export const OHTTP_INNER_HEADER = 'x-edgereco-ohttp-inner';

/** Headers of an inner request that are not forwarded to the produce route (hop-by-hop, or set by the gateway). */
const DROPPED = new Set(['host', 'content-length', 'connection', 'transfer-encoding', 'keep-alive', 'upgrade', 'forwarded', 'x-forwarded-for', 'via', OHTTP_INNER_HEADER]);

/**
 * The gateway as an Oblivious Gateway Resource (RFC 9458): POST /ohttp takes an encapsulated Binary HTTP request from a
 * relay, decapsulates it with the gateway's key, runs it through the gateway's own routes (the produce call: the same
 * checks, limits and sink as a direct request), and answers with the encapsulated response (always 200 with
 * `message/ohttp-res`: the inner status is inside). GET /ohttp-keys serves the key configuration.
 *
 * The inner request reaches the produce route over loopback with {@link OHTTP_INNER_HEADER}, which the route trusts
 * instead of an Origin header (an encapsulated request has none: CORS was the relay's business).
 */
export class OhttpResource {
  /** A secret of this process: only the gateway's own loopback requests carry it. */
  readonly innerToken: string;

  constructor(private readonly key: OhttpKey, private readonly selfUrl: () => string, private readonly maxBodyBytes: number, private readonly timeoutMs: number) {
    const bytes = new Uint8Array(16);
    globalThis.crypto.getRandomValues(bytes);
    this.innerToken = Buffer.from(bytes).toString('hex');
  }

  /** Whether a request arrived through this resource. */
  isInner(request: IncomingMessage): boolean {
    return request.headers[OHTTP_INNER_HEADER] === this.innerToken;
  }

  keys(response: ServerResponse): void {
    response.writeHead(200, { 'Content-Type': OHTTP_KEYS_TYPE, 'Cache-Control': 'public, max-age=3600', 'Access-Control-Allow-Origin': '*' });
    response.end(Buffer.from(this.key.keysBody));
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') throw new RestError('METHOD_NOT_ALLOWED', 'use POST with an encapsulated request', { headers: { Allow: 'POST' } });
    if ((request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== OHTTP_REQUEST_TYPE) {
      throw new RestError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${OHTTP_REQUEST_TYPE}`);
    }
    const body = await readBody(request, this.maxBodyBytes + 8192, this.timeoutMs);
    let opened;
    try {
      opened = await decapsulateRequest(this.key, new Uint8Array(body));
    } catch (error) {
      if (error instanceof OhttpError) throw new RestError(error.status === 422 ? 'INVALID_RECORD' : 'BAD_REQUEST', error.message);
      throw error;
    }
    let inner: Request;
    try {
      inner = new BHttpDecoder().decodeRequest(opened.bhttpRequest);
    } catch {
      throw new RestError('BAD_REQUEST', 'the encapsulated request is not a Binary HTTP request');
    }
    const url = new URL(inner.url);
    const headers: Record<string, string> = { [OHTTP_INNER_HEADER]: this.innerToken };
    inner.headers.forEach((value, name) => {
      if (!DROPPED.has(name.toLowerCase())) headers[name] = value;
    });
    const method = inner.method.toUpperCase();
    const answer = await fetch(`${this.selfUrl()}${url.pathname}${url.search}`, {
      method,
      headers,
      ...(method === 'GET' || method === 'HEAD' ? {} : { body: await inner.arrayBuffer() }),
    });
    const replyBody = await answer.arrayBuffer();
    const reply = new Response(replyBody, { status: answer.status, headers: { 'content-type': answer.headers.get('content-type') ?? 'application/json', ...(answer.headers.get('retry-after') ? { 'retry-after': answer.headers.get('retry-after')! } : {}) } });
    const sealed = await opened.sealResponse(await new BHttpEncoder().encodeResponse(reply));
    response.writeHead(200, { 'Content-Type': OHTTP_RESPONSE_TYPE, 'Cache-Control': 'no-store' });
    response.end(Buffer.from(sealed));
  }
}
