import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayConfig, SiteConfig } from './config.js';
import { applyCors, preflightHeaders } from './cors.js';
import { checkContentType, parseProduceRecords, V2_RESPONSE_TYPE } from './produce-request.js';
import { createRateLimiter } from './rate-limit.js';
import { serveDashboard } from './dashboard-route.js';
import { readBody } from './read-body.js';
import { acceptedPeriods, checkReportPolicy } from './report-policy.js';
import { checkSecureReport } from '../src/core/secure/report-schema.js';
import type { OhttpKey } from './ohttp-key.js';
import { OhttpResource } from './ohttp-resource.js';
import { RestError } from './rest-errors.js';
import type { ReportSink, StoredReport } from './sinks/sink.js';
import { serveTokenRoute } from './token-routes.js';
import type { TokenService } from './token-service.js';

/**
 * One log entry per request. It holds no IP address, no user agent, no forwarded-for header and no report content:
 * the gateway never reads the peer's address at all.
 */
export interface AccessLogEntry {
  method: string;
  route: string;
  status: number;
  ms: number;
  site?: string;
  records?: number;
  errorCode?: number;
}

export interface GatewayOptions {
  sink: ReportSink;
  /** Receives one entry per request. Default: a JSON line on stdout. */
  log?: (entry: AccessLogEntry) => void;
  /** The clock for rate limiting and the accepted periods. Default Date.now. */
  now?: () => number;
  /** Privacy Pass issuer and redemption (config `tokens`; `TokenService.open`). Default: none, reports need no token. */
  tokens?: TokenService;
  /** The OHTTP key when `config.ohttp` is set (serve.ts loads it): the gateway then also serves POST /ohttp. */
  ohttpKey?: OhttpKey;
}

export interface Gateway {
  readonly server: Server;
  /** e.g. `http://127.0.0.1:8787`. */
  readonly url: string;
  /** Stops accepting, waits for requests in flight, closes the sink. */
  close(): Promise<void>;
}

const TOPIC_PATH = /^\/topics\/([^/?#]+)$/;
/** Largest request body on the secure topic by default: a report over a catalog is about 22 bytes per item. */
export const SECURE_MAX_BODY_BYTES = 4 * 1024 * 1024;

function send(response: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  response.end(body);
}

function siteFor(config: GatewayConfig, key: string | undefined): SiteConfig {
  const site = key ? config.sites.find((s) => s.key === key) : undefined;
  if (!site) throw new RestError('UNAUTHORIZED', 'missing or unknown publishable key; send it in the X-EdgeReco-Key header (or ?key= on the beacon path)');
  return site;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions): Promise<Gateway> {
  const { sink } = options;
  const log = options.log ?? ((entry: AccessLogEntry) => process.stdout.write(`${JSON.stringify(entry)}\n`));
  const now = options.now ?? Date.now;
  const allOrigins = new Set(config.sites.flatMap((s) => s.origins));
  const sitesByKey = new Map(config.sites.map((s) => [s.key, s]));
  const limiter = createRateLimiter((key) => {
    const site = sitesByKey.get(key);
    return { ratePerSecond: site?.ratePerSecond ?? 2_000, burst: site?.burst ?? 10_000 };
  });

  let selfUrl = '';
  // The encapsulated request holds the inner one: as large as the largest body a topic takes, plus its framing.
  const ohttpMaxBody = Math.max(config.maxBodyBytes, config.secure ? (config.secure.maxBodyBytes ?? SECURE_MAX_BODY_BYTES) : 0) + 16 * 1024;
  const ohttp = options.ohttpKey ? new OhttpResource(options.ohttpKey, () => selfUrl, ohttpMaxBody, config.bodyTimeoutMs) : null;

  async function produce(request: IncomingMessage, response: ServerResponse, topic: string, url: URL, entry: AccessLogEntry): Promise<void> {
    const secure = config.secure?.topic === topic ? config.secure : undefined;
    if (!secure && !config.topics.includes(topic)) throw new RestError('TOPIC_NOT_FOUND', `topic ${JSON.stringify(topic.slice(0, 60))} not found`);
    const inner = ohttp?.isInner(request) ?? false;
    if (config.ohttp?.required && !inner) throw new RestError('OHTTP_REQUIRED', 'this site accepts reports only through its Oblivious HTTP relay (POST /ohttp)');
    const headerKey = request.headers['x-edgereco-key'];
    const site = siteFor(config, typeof headerKey === 'string' ? headerKey : (url.searchParams.get('key') ?? undefined));
    entry.site = site.id;
    const origin = request.headers.origin;
    if (!inner && (origin === undefined ? !site.allowMissingOrigin : !site.origins.includes(origin))) {
      throw new RestError('FORBIDDEN_ORIGIN', origin === undefined ? 'an Origin header is required' : 'this origin is not allowed for this key');
    }
    checkContentType(request.headers['content-type']);
    const at = now();
    let records: { report: StoredReport; token?: string }[];
    if (secure) {
      const body = await readBody(request, secure.maxBodyBytes ?? SECURE_MAX_BODY_BYTES, config.bodyTimeoutMs);
      const secureRecords = parseProduceRecords(body, config.maxRecords, checkSecureReport);
      const { from, to } = acceptedPeriods(config.privacy, at);
      secureRecords.forEach(({ report }, i) => {
        if (report.task !== secure.taskId) throw new RestError('POLICY_REFUSED', `records[${i}]: report.task must be this site's secure task ${secure.taskId} (got ${report.task.slice(0, 40)})`);
        if (report.period < from || report.period > to) throw new RestError('POLICY_REFUSED', `records[${i}]: report.period ${report.period} is not accepted: periods from ${from} to ${to} are (config privacy.retentionDays)`);
      });
      records = secureRecords;
    } else {
      const body = await readBody(request, config.maxBodyBytes, config.bodyTimeoutMs);
      const plain = parseProduceRecords(body, config.maxRecords);
      plain.forEach(({ report }, i) => {
        const policy = checkReportPolicy(report, config.privacy, at);
        if (!policy.ok) throw new RestError('POLICY_REFUSED', `records[${i}]: ${policy.message}`);
      });
      records = plain;
    }
    const reports = records.map((r) => r.report);
    entry.records = reports.length;
    const allowed = limiter.take(site.key, reports.length, at);
    if (!allowed.ok) {
      throw new RestError('RATE_LIMITED', `too many reports for this key; retry after ${allowed.retryAfterMs} ms`, { headers: { 'Retry-After': String(Math.ceil(allowed.retryAfterMs / 1000)) } });
    }
    await options.tokens?.redeem(records, at);
    let offsets;
    try {
      if (!(await sink.hasTopic(topic))) throw new RestError('TOPIC_NOT_FOUND', `topic ${JSON.stringify(topic)} not found in the sink`);
      offsets = await sink.append(topic, reports.map((report) => ({ site: site.id, report })));
    } catch (error) {
      if (error instanceof RestError) throw error;
      throw new RestError('SINK_UNAVAILABLE', 'the reports could not be stored; retry later', { cause: error, headers: { 'Retry-After': '5' } });
    }
    const body2 = {
      key_schema_id: null,
      value_schema_id: null,
      offsets: offsets.map((o) => ({ partition: o.partition, offset: o.offset, error_code: null, error: null })),
    };
    send(response, 200, JSON.stringify(body2), V2_RESPONSE_TYPE);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = request.method ?? 'GET';
    const entry: AccessLogEntry = { method, route: 'other', status: 0, ms: 0 };
    try {
      const url = new URL(request.url ?? '/', 'http://gateway.invalid');
      const origin = request.headers.origin;
      const corsOk = applyCors(response, origin, allOrigins);
      if (url.pathname === '/healthz' && method === 'GET') {
        entry.route = '/healthz';
        send(response, 200, '{"ok":true}', 'application/json');
        return;
      }
      if (options.tokens && (await serveTokenRoute(request, response, url.pathname, entry, config, options.tokens, now()))) return;
      if (ohttp && (url.pathname === '/ohttp-keys' || url.pathname === '/ohttp')) {
        entry.route = url.pathname;
        if (url.pathname === '/ohttp-keys' && method === 'GET') ohttp.keys(response);
        else await ohttp.handle(request, response);
        return;
      }
      if (url.pathname === '/dashboard') {
        entry.route = '/dashboard';
        await serveDashboard(request, response, config);
        return;
      }
      const match = TOPIC_PATH.exec(url.pathname);
      if (!match) throw new RestError('NOT_FOUND', 'not found; the gateway serves POST /topics/{topic}');
      entry.route = '/topics/:topic';
      let topic: string;
      try {
        topic = decodeURIComponent(match[1] as string);
      } catch {
        throw new RestError('NOT_FOUND', 'bad topic name');
      }
      if (method === 'OPTIONS') {
        if (!corsOk) throw new RestError('FORBIDDEN_ORIGIN', 'this origin is not allowed');
        response.writeHead(204, preflightHeaders()).end();
        return;
      }
      if (method !== 'POST') throw new RestError('METHOD_NOT_ALLOWED', 'use POST', { headers: { Allow: 'POST, OPTIONS' } });
      await produce(request, response, topic, url, entry);
    } catch (error) {
      const rest = error instanceof RestError ? error : new RestError('INTERNAL', 'internal error', { cause: error });
      entry.errorCode = rest.errorCode;
      // Too large or too slow: not worth draining, close the connection. (Other early refusals leave an unread body
      // that Node drains, bounded by requestTimeout.)
      if (rest.status === 413 || rest.status === 408) rest.headers.Connection = 'close';
      send(response, rest.status, rest.body(), 'application/json', rest.headers);
    } finally {
      entry.status = response.statusCode;
      entry.ms = Math.round((performance.now() - started) * 10) / 10;
      log(entry);
    }
  }

  const server = createServer({ requestTimeout: config.bodyTimeoutMs + 10_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 }, (request, response) => {
    void handle(request, response);
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"error_code":40001,"message":"edgereco gateway: malformed HTTP request"}');
    else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const loopback = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  selfUrl = `http://${address.family === 'IPv6' ? `[${loopback}]` : loopback}:${address.port}`;
  return {
    server,
    url: `http://${address.address}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await sink.close();
      await options.tokens?.close();
    },
  };
}
