// The size budget (package.json "sizeBudget"): what a storefront's page loads before the worker, gzipped, and a check
// that TensorFlow.js never reaches the page's bundles. Prints the figures; exits 1 over budget.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ROOT } from './serve.mjs';

export function loaderSizes() {
  const read = (f) => readFileSync(`${ROOT}/dist/${f}`);
  const embed = read('edgereco.embed.js');
  const esm = read('edgereco.js');
  return {
    loader_gzip_bytes: gzipSync(embed, { level: 9 }).length,
    esm_gzip_bytes: gzipSync(esm, { level: 9 }).length,
    worker_gzip_bytes: gzipSync(read('edgereco.worker.js'), { level: 9 }).length,
    page_has_tfjs: /tensorflow|tfjs/i.test(embed.toString()) || /tensorflow|tfjs/i.test(esm.toString()),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const budget = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).sizeBudget;
  const sizes = loaderSizes();
  console.log(`script-tag loader: ${sizes.loader_gzip_bytes} B gzipped (budget ${budget.loader_gzip_bytes} B); ESM facade ${sizes.esm_gzip_bytes} B; worker ${sizes.worker_gzip_bytes} B (loaded lazily)`);
  let ok = true;
  if (sizes.loader_gzip_bytes > budget.loader_gzip_bytes) {
    console.error(`edgereco: the script-tag loader is ${sizes.loader_gzip_bytes} B gzipped, over its ${budget.loader_gzip_bytes} B budget`);
    ok = false;
  }
  if (sizes.page_has_tfjs) {
    console.error('edgereco: TensorFlow.js reached a main-thread bundle (dist/edgereco.js or dist/edgereco.embed.js)');
    ok = false;
  }
  process.exit(ok ? 0 : 1);
}
