import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileSink, startGateway, type Gateway } from '../../gateway/index.js';
import { ADMIN_KEY, simulateSite } from '../unit/gateway/site-simulation.js';
import { axeViolations } from './axe.js';
import { launch, watchErrors } from './chromium.js';

const dir = mkdtempSync(join(tmpdir(), 'edgereco-dashboard-browser-'));
let browser: Browser;
let gateway: Gateway;

beforeAll(async () => {
  const config = await simulateSite(dir, Date.now(), 6);
  gateway = await startGateway(config, { sink: await createFileSink(join(dir, 'sink.jsonl'), config.topics), log: () => {} });
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await gateway?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the dashboard in Chromium', () => {
  it('asks for the admin key, then shows both arms\' rates and lift over time with intervals; axe finds no violation', async () => {
    const anonymous = await browser.newContext();
    // Chromium asks for credentials (a page.goto fails with ERR_INVALID_AUTH_CREDENTIALS headless); the answer is a 401.
    const denied = await anonymous.request.get(`${gateway.url}/dashboard`);
    expect(denied.status()).toBe(401);
    expect(denied.headers()['www-authenticate']).toMatch(/^Basic/);
    await anonymous.close();

    // bypassCSP: the page's CSP (no script at all) would also keep axe-core out.
    const context = await browser.newContext({ httpCredentials: { username: 'store-admin', password: ADMIN_KEY }, bypassCSP: true });
    const page = await context.newPage();
    const errors = watchErrors(page);
    const response = await page.goto(`${gateway.url}/dashboard`);
    expect(response?.status()).toBe(200);
    await expect(page.title()).resolves.toBe('edgereco dashboard');
    const summary = page.locator('table', { hasText: 'Experiment “reco-v1”, ' }).first();
    await expect(summary.locator('tbody th').allTextContents()).resolves.toEqual(['baseline (control)', 'model']);
    // Six days, cumulative: each rate chart draws one band and one line per arm.
    const rates = page.locator('figure', { hasText: 'click-through by arm, from the first day' }).first();
    await expect(rates.locator('svg polygon').count()).resolves.toBe(2);
    await expect(rates.locator('svg polyline').count()).resolves.toBe(2);
    await expect(rates.locator('svg title').textContent()).resolves.toMatch(/click-through by arm/);
    const lift = page.locator('figure', { hasText: 'Lift of model over baseline: click-through' }).first();
    await expect(lift.locator('svg desc').textContent()).resolves.toMatch(/Difference [\d.-]+ pts \(95% interval/);
    // Every figure of a chart is also in a table (for a screen reader or without the picture).
    await lift.locator('summary').click();
    await expect(lift.locator('tbody tr').count()).resolves.toBe(6);
    await expect(page.locator('figure', { hasText: 'Reports counted per day, by kind' }).locator('svg rect').count()).resolves.toBeGreaterThanOrEqual(6);
    await expect(page.locator('section[aria-labelledby=priors] table').first().locator('tbody th').first().textContent()).resolves.toMatch(/^sku-/);
    await expect(page.locator('section[aria-labelledby=budget]').textContent()).resolves.toMatch(/ε per shopper and UTC day, SDK4/);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
