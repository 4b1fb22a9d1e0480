import { request as httpRequest } from 'node:http';
import type { AggregateReport } from '../../../src/core/ldp/aggregate-report.js';
import { randomId } from '../../../src/core/random-id.js';
import { cryptoRandom, itemKey, olhParams, olhPerturb, utcDay } from '../../../src/core/ldp/index.js';

export const KEY = 'pk_test_site_1';
export const ORIGIN = 'https://shop.example';
export const TOPIC = 'edgereco-reports';
export const V2 = 'application/vnd.kafka.json.v2+json';

/** A valid v2 report: one item privatized with OLH at ε = 2 (the site's default), for today (UTC). */
export function validReport(item = 'sku-1', epsilon = 2, period = utcDay(Date.now())): AggregateReport {
  const params = olhParams(epsilon);
  const { seed, value } = olhPerturb(itemKey(item), params, cryptoRandom());
  return { v: 2, id: randomId(), period, kind: 'item', eps: epsilon, mech: 'olh', g: params.g, seed, y: value };
}

export function produceBody(reports: unknown[]): string {
  return JSON.stringify({ records: reports.map((value) => ({ value })) });
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: () => Record<string, unknown>;
}

/**
 * One HTTP request with full control over headers and body (fetch would refuse some of what the hostile tests send).
 * `chunks` are written with `delayMs` between them, to play a slow sender.
 */
export function send(
  base: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string | Buffer; chunks?: (string | Buffer)[]; delayMs?: number },
): Promise<Reply> {
  const url = new URL(options.path ?? `/topics/${TOPIC}`, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers ?? {}, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunks) {
      const chunks = [...options.chunks];
      const next = () => {
        const chunk = chunks.shift();
        if (chunk === undefined) return void req.end();
        if (!req.destroyed) req.write(chunk);
        setTimeout(next, options.delayMs ?? 0);
      };
      next();
    } else {
      req.end(options.body);
    }
  });
}

export function headers(extra: Record<string, string> = {}): Record<string, string> {
  return { 'content-type': V2, 'x-edgereco-key': KEY, origin: ORIGIN, ...extra };
}
