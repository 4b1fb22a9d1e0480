import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { OHTTP_KEYS_TYPE, OHTTP_REQUEST_TYPE } from '../src/core/ohttp/key-config.js';

/**
 * A minimal Oblivious HTTP relay (RFC 9458, section 6.2), for tests and self-hosting; a store may use any RFC 9458 relay
 * service instead. It forwards each encapsulated request's bytes, and nothing else, to the one gateway it serves:
 * no client address, no forwarded-for or other client header, no cookie. It cannot read a report (the bytes are
 * encrypted to the gateway's key) and keeps no log of addresses or bodies: one line per request with the status,
 * the byte counts and the time it took.
 *
 * For privacy it must be run by another party than the gateway's: who runs both can join who sent with what was sent.
 */
export interface RelayOptions {
  /** The gateway's Oblivious Gateway Resource, e.g. `https://ingest.shop.example/ohttp`. */
  gateway: string;
  /** Where the gateway's key configuration is (served again at GET /ohttp-keys). Default: `gateway` with /ohttp-keys. */
  keys?: string;
  host?: string;
  /** 0 picks a free port. Default 8788. */
  port?: number;
  /** Origins whose pages may send through the relay (CORS); empty: any. */
  origins?: string[];
  /** The local address the relay connects to the gateway from (e.g. to keep it apart from clients' in a test). */
  localAddress?: string;
  /**
   * Largest encapsulated request. Default 4 MiB and 32 KiB: the gateway's largest produce body (a secure report over
   * a catalog, its `secure.maxBodyBytes`) and the encapsulation.
   */
  maxBodyBytes?: number;
  /** One entry per request: no address, no body. Default: a JSON line on stdout. */
  log?: (entry: RelayLogEntry) => void;
}

export interface RelayLogEntry {
  method: string;
  route: string;
  status: number;
  requestBytes: number;
  responseBytes: number;
  ms: number;
}

export interface Relay {
  readonly server: Server;
  readonly url: string;
  close(): Promise<void>;
}

interface Upstream {
  status: number;
  type: string;
  body: Buffer;
}

function forward(target: string, method: 'GET' | 'POST', body: Buffer | null, type: string | null, localAddress: string | undefined): Promise<Upstream> {
  const url = new URL(target);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      url,
      {
        method,
        // Only what the gateway needs to read the message: never a client header.
        headers: { ...(type ? { 'Content-Type': type } : {}), ...(body ? { 'Content-Length': String(body.length) } : {}), Accept: method === 'GET' ? OHTTP_KEYS_TYPE : 'message/ohttp-res' },
        ...(localAddress ? { localAddress } : {}),
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, type: String(res.headers['content-type'] ?? 'application/octet-stream'), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('the gateway did not answer in time')));
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

function readAll(request: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        resolve(null);
        request.resume();
      } else chunks.push(c);
    });
    request.on('end', () => resolve(size > max ? null : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

export async function startRelay(options: RelayOptions): Promise<Relay> {
  const keysUrl = options.keys ?? options.gateway.replace(/\/ohttp\/?$/, '') + '/ohttp-keys';
  const max = options.maxBodyBytes ?? 4 * 1024 * 1024 + 32 * 1024;
  const log = options.log ?? ((entry: RelayLogEntry) => process.stdout.write(`${JSON.stringify(entry)}\n`));
  const origins = new Set(options.origins ?? []);
  let keys: { at: number; upstream: Upstream } | null = null;

  function cors(request: IncomingMessage, response: ServerResponse): void {
    const origin = request.headers.origin;
    response.setHeader('Vary', 'Origin');
    if (origin && (origins.size === 0 || origins.has(origin))) response.setHeader('Access-Control-Allow-Origin', origin);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const entry: RelayLogEntry = { method: request.method ?? 'GET', route: 'other', status: 0, requestBytes: 0, responseBytes: 0, ms: 0 };
    const reply = (status: number, type: string, body: Buffer | string, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', ...headers });
      response.end(body);
      entry.status = status;
      entry.responseBytes = Buffer.byteLength(body);
    };
    try {
      cors(request, response);
      const path = new URL(request.url ?? '/', 'http://relay.invalid').pathname;
      if (request.method === 'OPTIONS') {
        entry.route = 'preflight';
        response.writeHead(204, { 'Access-Control-Allow-Methods': 'POST, GET, OPTIONS', 'Access-Control-Allow-Headers': 'content-type', 'Access-Control-Max-Age': '600' }).end();
        entry.status = 204;
        return;
      }
      if (path === '/ohttp-keys' && request.method === 'GET') {
        entry.route = '/ohttp-keys';
        if (!keys || performance.now() - keys.at > 300_000 || keys.upstream.status !== 200) keys = { at: performance.now(), upstream: await forward(keysUrl, 'GET', null, null, options.localAddress) };
        reply(keys.upstream.status, keys.upstream.type, keys.upstream.body, { 'Cache-Control': 'public, max-age=300' });
        return;
      }
      if (path === '/healthz' && request.method === 'GET') {
        entry.route = '/healthz';
        reply(200, 'application/json', '{"ok":true}');
        return;
      }
      entry.route = '/';
      if (request.method !== 'POST') return reply(405, 'text/plain', 'edgereco relay: POST an OHTTP request', { Allow: 'POST' });
      if ((request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== OHTTP_REQUEST_TYPE) return reply(415, 'text/plain', `edgereco relay: Content-Type must be ${OHTTP_REQUEST_TYPE}`);
      const body = await readAll(request, max);
      if (body === null) return reply(413, 'text/plain', `edgereco relay: larger than ${max} bytes`);
      entry.requestBytes = body.length;
      const upstream = await forward(options.gateway, 'POST', body, OHTTP_REQUEST_TYPE, options.localAddress);
      reply(upstream.status, upstream.type, upstream.body);
    } catch {
      if (!response.headersSent) reply(502, 'text/plain', 'edgereco relay: the gateway could not be reached');
    } finally {
      entry.ms = Math.round((performance.now() - started) * 10) / 10;
      log(entry);
    }
  }

  const server = createServer({ requestTimeout: 20_000, headersTimeout: 10_000 }, (request, response) => void handle(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8788, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${address.address}:${address.port}`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
