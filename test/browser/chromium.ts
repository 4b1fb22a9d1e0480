import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { inject } from 'vitest';

/** Debian's Chromium, headless, with the flags this machine needs (no sandbox as root, no background networking). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** With `webgpu`, Chromium exposes WebGPU on SwiftShader (CPU): slow, but real, for correctness tests. */
export function launch(options: { webgpu?: boolean } = {}): Promise<Browser> {
  const args = options.webgpu
    ? [...CHROMIUM_FLAGS.filter((f) => f !== '--disable-gpu'), '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader']
    : CHROMIUM_FLAGS;
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
}

export function baseUrl(): string {
  return inject('baseUrl');
}

/** Collects console errors and uncaught page errors, so a test can assert there were none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  return errors;
}

/**
 * `openSdkPage(context, DEDICATED)`: the page's recommenders each get a dedicated worker, a fresh engine per page view
 * (browsers without SharedWorker's extendedLifetime, `workerUrl`, the script tag), where the package would share one
 * engine between the store's pages in Chromium. For the tests of what a page view's own start does, and of requests a
 * page's worker makes (a SharedWorker's requests are not the page's).
 */
export const DEDICATED = `?dedicated=/dist/cdn/edgereco-${JSON.parse(readFileSync('package.json', 'utf8')).version}/edgereco.worker.js`;

/** Opens the SDK test page in `context` and waits until `window.sdk` is there. */
export async function openSdkPage(context: BrowserContext, query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl()}/test/browser/pages/sdk.html${query}`);
  await page.waitForFunction(() => (window as unknown as { sdkReady?: boolean }).sdkReady === true);
  return page;
}

export function resultsDir(): string {
  mkdirSync('test-results', { recursive: true });
  return 'test-results';
}
