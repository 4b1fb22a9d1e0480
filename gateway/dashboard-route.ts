import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePriors, type PriorsBundle } from '../src/core/priors.js';
import { aggregateOutputs } from './aggregate-outputs.js';
import type { GatewayConfig } from './config.js';
import { dashboardPage } from './dashboard-page.js';
import { parseEstimates, type EstimatesFile } from './experiment-estimates.js';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** Whether the request carries the admin key as the password of HTTP Basic authentication (any user name). */
function authorized(request: IncomingMessage, adminKey: string): boolean {
  const header = request.headers.authorization ?? '';
  const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  // Equal-length digests: the comparison takes the same time whatever the guess.
  return decoded.includes(':') && timingSafeEqual(sha(password), sha(adminKey));
}

async function readJson<T>(path: string, parse: (doc: unknown) => T, problems: string[], what: string): Promise<T | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    problems.push(`No ${what} at ${path} yet: run \`edgereco-gateway aggregate\`.`);
    return null;
  }
  try {
    return parse(JSON.parse(text));
  } catch (error) {
    problems.push(`The ${what} at ${path} cannot be read: ${(error as Error).message}`);
    return null;
  }
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/**
 * `GET /dashboard`: the store's dashboard, behind its admin key (`adminKey` in site.json, sent as the password of
 * HTTP Basic authentication). Reads the aggregator's files on each request (the priors bundle and the estimates file
 * at `aggregate.out` / `aggregate.estimatesOut`), so it shows the latest run. Returns the HTTP status sent.
 */
export async function serveDashboard(request: IncomingMessage, response: ServerResponse, config: GatewayConfig): Promise<number> {
  const send = (status: number, body: string, headers: Record<string, string> = {}): number => {
    response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...HEADERS, ...headers });
    response.end(request.method === 'HEAD' ? undefined : body);
    return status;
  };
  response.removeHeader('Access-Control-Allow-Origin'); // never readable from a store's page
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'use GET', { Allow: 'GET, HEAD' });
  if (!config.adminKey) return send(404, '<!doctype html><title>edgereco dashboard</title><p>The dashboard is off: set <code>adminKey</code> in site.json.</p>');
  if (!authorized(request, config.adminKey)) {
    return send(401, '<!doctype html><title>edgereco dashboard</title><p>The dashboard needs the store\'s admin key (the password; any user name).</p>', { 'WWW-Authenticate': 'Basic realm="edgereco dashboard", charset="UTF-8"' });
  }
  const problems: string[] = [];
  const outputs = aggregateOutputs(config.aggregate);
  const [estimates, priors] = await Promise.all([
    readJson<EstimatesFile>(outputs.estimates, (doc) => parseEstimates(doc, outputs.estimates), problems, 'experiment estimates'),
    readJson<PriorsBundle>(outputs.priors, parsePriors, problems, 'priors bundle'),
  ]);
  return send(200, dashboardPage({ estimates, priors, policy: config.privacy, sites: config.sites.map((s) => s.id), problems }));
}
