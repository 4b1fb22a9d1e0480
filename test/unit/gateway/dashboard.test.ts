import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, startGateway, type Gateway } from '../../../gateway/index.js';
import type { GatewayConfig } from '../../../gateway/config.js';
import { ADMIN_KEY, simulateSite } from './site-simulation.js';
import { send } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'edgereco-dashboard-'));
let config: GatewayConfig;
let gateway: Gateway;
const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

beforeAll(async () => {
  config = await simulateSite(dir, Date.UTC(2026, 10, 27, 12));
  gateway = await startGateway(config, { sink: await createFileSink(join(dir, 'sink.jsonl'), config.topics), log: () => {} });
});
afterAll(async () => {
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/dashboard', () => {
  it('is behind the admin key (HTTP Basic, any user name), never readable from a store\'s page, never cached', async () => {
    const none = await send(gateway.url, { method: 'GET', path: '/dashboard', headers: { origin: 'https://shop.example' } });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic realm="edgereco dashboard"/);
    expect(none.body).not.toMatch(/reco-v1/);
    for (const wrong of [basic('admin', 'pk_test_site_1'), basic('admin', `${ADMIN_KEY}x`), { authorization: `Bearer ${ADMIN_KEY}` }, basic(ADMIN_KEY, '')]) {
      expect((await send(gateway.url, { method: 'GET', path: '/dashboard', headers: wrong })).status).toBe(401);
    }
    const ok = await send(gateway.url, { method: 'GET', path: '/dashboard', headers: { ...basic('anyone', ADMIN_KEY), origin: 'https://shop.example' } });
    expect(ok.status).toBe(200);
    expect(ok.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(ok.headers['access-control-allow-origin']).toBeUndefined();
    expect(ok.headers['cache-control']).toBe('no-store');
    expect(ok.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect((await send(gateway.url, { method: 'POST', path: '/dashboard', headers: basic('a', ADMIN_KEY) })).status).toBe(405);
  });

  it('shows each arm\'s rates and the lift with intervals, volumes per day, the priors and the privacy budget', async () => {
    const page = (await send(gateway.url, { method: 'GET', path: '/dashboard', headers: basic('admin', ADMIN_KEY) })).body;
    expect(page).toMatch(/Experiment “reco-v1”/);
    expect(page).toMatch(/<th scope="row">baseline \(control\)<\/th>/);
    expect(page).toMatch(/<th scope="row">model<\/th>/);
    expect(page).toMatch(/Lift of model over baseline: click-through/);
    expect((page.match(/<svg role="img"/g) ?? []).length).toBeGreaterThanOrEqual(9); // 4 rates, 4 lifts, volumes…
    expect(page).toMatch(/Reports counted per day, by kind/);
    expect(page).toMatch(/Trending items published/);
    expect(page).toMatch(/sku-0/);
    expect(page).toMatch(/ε of each outcome report \(site policy\)<\/th><td>2</);
    expect(page).toMatch(/ε per shopper and UTC day, SDK<\/th><td>4/);
    expect(page).not.toMatch(/<script/);
  });

  it('is off (404) without an admin key, and says so when the aggregator has not run yet', async () => {
    const { adminKey: _, ...rest } = config;
    const off = await startGateway(rest as GatewayConfig, { sink: await createFileSink(join(dir, 'sink2.jsonl'), config.topics), log: () => {} });
    try {
      const reply = await send(off.url, { method: 'GET', path: '/dashboard', headers: basic('admin', ADMIN_KEY) });
      expect(reply.status).toBe(404);
      expect(reply.body).toMatch(/set <code>adminKey<\/code>/);
    } finally {
      await off.close();
    }
    const empty = await startGateway({ ...config, aggregate: { catalog: 'x.json', out: join(dir, 'nothing', 'priors.json') } }, { sink: await createFileSink(join(dir, 'sink3.jsonl'), config.topics), log: () => {} });
    try {
      const reply = await send(empty.url, { method: 'GET', path: '/dashboard', headers: basic('admin', ADMIN_KEY) });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatch(/No experiment estimates at .*estimates\.json yet: run `edgereco-gateway aggregate`/);
    } finally {
      await empty.close();
    }
  });
});
