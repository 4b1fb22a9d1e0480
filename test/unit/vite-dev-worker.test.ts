import { describe, expect, it } from 'vitest';
import { viteDevWorkerUrl } from '../../src/client/vite-dev-worker.js';

describe('viteDevWorkerUrl', () => {
  it("points a module pre-bundled by vite dev at the worker in the package's own folder", () => {
    const url = viteDevWorkerUrl('http://localhost:5173/node_modules/.vite/deps/edgereco.js?v=1a2b3c4d');
    expect(url?.href).toMatch(/^http:\/\/localhost:5173\/node_modules\/edgereco\/dist\/cdn\/edgereco-[^/]+\/edgereco\.worker\.js$/);
  });

  it("keeps the app's base path", () => {
    expect(viteDevWorkerUrl('http://localhost:5173/shop/node_modules/.vite/deps/edgereco.js')?.pathname).toMatch(/^\/shop\/node_modules\/edgereco\/dist\/cdn\//);
  });

  it('leaves every other URL alone: a production build, webpack, a CDN, the package served as it is', () => {
    for (const url of [
      'https://shop.example/assets/index-BfX1.js',
      'http://localhost:8080/main.js',
      'https://cdn.example/edgereco-0.1.0/edgereco.embed.js',
      'http://localhost:5173/node_modules/edgereco/dist/edgereco.js',
    ]) {
      expect(viteDevWorkerUrl(url)).toBeNull();
    }
  });
});
