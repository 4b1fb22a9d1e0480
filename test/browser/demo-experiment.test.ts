import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: the plain .mjs helpers `npm start` runs
import { startDemoGateway } from '../../scripts/demo-gateway.mjs';
// @ts-expect-error: a plain .mjs helper shared with the scripts
import { serve } from '../../scripts/serve.mjs';
import { axeViolations } from './axe.js';
import { launch, resultsDir, watchErrors } from './chromium.js';
import { freePort } from '../../scripts/free-port.mjs';

/**
 * The demo as `npm start` runs it: the storefront with its experiment, and the local gateway (scripts/demo-gateway.mjs:
 * ingest, aggregation, dashboard) it reports to.
 */
const ADMIN_KEY = 'demo-admin-key-for-the-test';
let browser: Browser;
let gateway: { gatewayUrl: string; syncFile: string; aggregateNow: () => Promise<void>; close: () => Promise<void> };
let site: { url: string; close: () => Promise<void> };


beforeAll(async () => {
  const [sitePort, gatewayPort] = [await freePort(), await freePort()];
  gateway = await startDemoGateway({ sitePort, gatewayPort, adminKey: ADMIN_KEY, dir: `${resultsDir()}/demo-gateway-${Date.now()}`, everyMs: 600_000 });
  site = await serve({ port: sitePort, routes: { '/demo/sync.json': gateway.syncFile } });
  browser = await launch();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await site?.close();
  await gateway?.close();
});

describe('the demo runs one experiment (model against baseline) with its local gateway', () => {
  it('"Your data" shows the shopper\'s group and the outcome report it sent, read back; the dashboard shows both arms', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${site.url}/demo/index.html`);
    await page.waitForSelector('html[data-ready=true]');
    // A recommendation clicked, then bought: the click carries the list's attribution id, the purchase counts for it.
    await page.locator('section[aria-labelledby=s-recommended-for-you] h3 a').first().click();
    await page.waitForSelector('.product h1');
    await page.locator('.product').getByRole('button', { name: 'Add to cart' }).click();
    await expect.poll(() => page.locator('#cart-link').textContent()).toBe('Cart (1)');
    await page.getByRole('link', { name: 'Cart (1)' }).click();
    await page.getByRole('button', { name: 'Buy now' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('Thank you');
    await page.getByRole('link', { name: 'Your data' }).click();
    await page.waitForSelector('#view h1:has-text("Your data")');
    const group = (await page.locator('#view p.arm').textContent())!;
    expect(group).toMatch(/^You are in group “(baseline|model)” of the shop’s experiment “gift-shop-recs” since \d{4}-\d\d-\d\d: .+ it is never sent as such\.$/);
    expect(await page.locator('#view').textContent()).toContain('No outcome report yet.');
    await page.getByRole('button', { name: 'Report today now' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/built 2 report\(s\) of \d{4}-\d\d-\d\d \(ε 4\); sent 2: 2 accepted/);
    const report = page.locator('#view ul.reports li');
    await expect(report.count()).resolves.toBe(1);
    await expect(report.textContent()).resolves.toMatch(/\(sent on \d{4}-\d\d-\d\d, ε 2\): answer \d+ of 14, which reads “group (baseline|model), [^”]+”\. It is the true answer with probability 36%/);
    await page.screenshot({ path: `${resultsDir()}/demo-experiment-your-data.png` });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);

    await gateway.aggregateNow();
    const admin = await browser.newContext({ httpCredentials: { username: 'shop', password: ADMIN_KEY }, bypassCSP: true });
    const dashboard = await admin.newPage();
    expect((await dashboard.goto(`${gateway.gatewayUrl}/dashboard`))?.status()).toBe(200);
    const summary = dashboard.locator('table', { hasText: 'Experiment “gift-shop-recs”, ' }).first();
    await expect(summary.locator('tbody th').allTextContents()).resolves.toEqual(['baseline (control)', 'model']);
    await expect(dashboard.locator('figure', { hasText: 'Reports counted per day, by kind' }).locator('tbody td').allTextContents()).resolves.toEqual(['1', '0', '0', '1', '2']);
    await dashboard.screenshot({ path: `${resultsDir()}/demo-dashboard.png`, fullPage: true });
    await admin.close();
    await context.close();
  });
});
