// The size budget (package.json "sizeBudget"): what a storefront's page loads before the worker, gzipped; a check
// that TensorFlow.js never reaches the page's bundles; the SDK's tarball (unpacked, no source maps) and its install
// footprint (the tarball alone in a fresh project's node_modules). Prints the figures; exits 1 over budget.
// Run after `npm run build` (it packs with --ignore-scripts, so it measures the dist/ that is there).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './serve.mjs';

const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8'));
/** The CDN folder (vite.config.ts's CDN_DIR): the loader, the worker and its .wasm. */
export const CDN_DIR = `dist/cdn/edgereco-${pkg.version}`;

export function loaderSizes() {
  const read = (f) => readFileSync(`${ROOT}/${f}`);
  const embed = read(`${CDN_DIR}/edgereco.embed.js`);
  const esm = read('dist/edgereco.js');
  return {
    loader_gzip_bytes: gzipSync(embed, { level: 9 }).length,
    esm_gzip_bytes: gzipSync(esm, { level: 9 }).length,
    worker_gzip_bytes: gzipSync(read(`${CDN_DIR}/edgereco.worker.js`), { level: 9 }).length,
    // The worker with every lazy chunk (TensorFlow.js and all three backends), what a store with a model may load.
    worker_all_gzip_bytes: readdirSync(`${ROOT}/${CDN_DIR}`)
      .filter((f) => f.endsWith('.js') && f !== 'edgereco.embed.js')
      .reduce((sum, f) => sum + gzipSync(read(`${CDN_DIR}/${f}`), { level: 9 }).length, 0),
    page_has_tfjs: /tensorflow|tfjs/i.test(embed.toString()) || /tensorflow|tfjs/i.test(esm.toString()),
    // Search's lazy chunks: the index (with the worker's first search() or suggest()), Traditional → Simplified Chinese
    // folding (only for catalogs that hold Chinese), pinyin completion (only with search.pinyin).
    search_gzip_bytes: chunkBytes(/^edgereco\.(search-index|normalize-term)\.js$/),
    han_folding_gzip_bytes: chunkBytes(/^edgereco\.opencc-js(-\d+)?\.js$/),
    pinyin_gzip_bytes: chunkBytes(/^edgereco\.pinyin-pro\.js$/),
  };
}

/** The gzipped size of the CDN folder's chunks whose file names match. */
function chunkBytes(name) {
  return readdirSync(`${ROOT}/${CDN_DIR}`)
    .filter((f) => name.test(f))
    .reduce((sum, f) => sum + gzipSync(readFileSync(`${ROOT}/${CDN_DIR}/${f}`), { level: 9 }).length, 0);
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return total;
}

function exportTargets(exports) {
  const out = [];
  const walk = (v) => (typeof v === 'string' ? out.push(v.replace(/^\.\//, '').replace(/\*.*$/, '')) : Object.values(v ?? {}).forEach(walk));
  walk(exports);
  return out;
}

/** `npm pack` of dist/ as it is, then the tarball installed alone into a fresh project. */
export function packageSizes() {
  const tmp = mkdtempSync(join(tmpdir(), 'edgereco-size-'));
  try {
    const env = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_loglevel: 'error' };
    const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: ROOT, env, encoding: 'utf8' });
    const [info] = JSON.parse(out.slice(out.indexOf('[')));
    const shop = join(tmp, 'shop');
    execFileSync('mkdir', ['-p', shop]);
    writeFileSync(join(shop, 'package.json'), JSON.stringify({ name: 'size-shop', private: true, dependencies: { edgereco: `file:${join(tmp, info.filename)}` } }));
    execFileSync('npm', ['install', '--no-package-lock', '--install-links'], { cwd: shop, env, stdio: 'ignore' });
    return {
      tarball_bytes: info.size,
      tarball_unpacked_bytes: info.unpackedSize,
      tarball_maps: info.files.filter((f) => f.path.endsWith('.map')).length,
      tarball_has_types: info.files.some((f) => f.path === 'dist/types/index.d.ts'),
      // Every file package.json's "exports" names (a wildcard: its folder) is in the tarball.
      exports_missing: exportTargets(pkg.exports).filter((t) => !info.files.some((f) => (t.endsWith('/') ? f.path.startsWith(t) : f.path === t))),
      install_bytes: folderBytes(join(shop, 'node_modules')),
      install_packages: readdirSync(join(shop, 'node_modules')).filter((n) => !n.startsWith('.')).length,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const budget = pkg.sizeBudget;
  const sizes = loaderSizes();
  const packed = packageSizes();
  const mb = (b) => `${(b / 1e6).toFixed(2)} MB`;
  console.log(`script-tag loader: ${sizes.loader_gzip_bytes} B gzipped (budget ${budget.loader_gzip_bytes} B); ESM facade ${sizes.esm_gzip_bytes} B; worker ${sizes.worker_gzip_bytes} B, with all its lazy chunks ${sizes.worker_all_gzip_bytes} B (loaded lazily)`);
  console.log(`search chunks, gzipped: index ${sizes.search_gzip_bytes} B (first search() or suggest()); Chinese folding ${sizes.han_folding_gzip_bytes} B (catalogs holding Chinese only); pinyin ${sizes.pinyin_gzip_bytes} B (search.pinyin only)`);
  console.log(`SDK tarball: ${mb(packed.tarball_bytes)} packed, ${mb(packed.tarball_unpacked_bytes)} unpacked (budget ${mb(budget.tarball_unpacked_bytes)}), ${packed.tarball_maps} source maps; installed alone: ${mb(packed.install_bytes)} in ${packed.install_packages} package(s) (budget ${mb(budget.install_bytes)})`);
  const over = [];
  if (sizes.loader_gzip_bytes > budget.loader_gzip_bytes) over.push(`the script-tag loader is ${sizes.loader_gzip_bytes} B gzipped, over its ${budget.loader_gzip_bytes} B budget`);
  if (sizes.page_has_tfjs) over.push(`TensorFlow.js reached a main-thread bundle (dist/edgereco.js or ${CDN_DIR}/edgereco.embed.js)`);
  if (packed.tarball_unpacked_bytes > budget.tarball_unpacked_bytes) over.push(`the SDK tarball unpacks to ${packed.tarball_unpacked_bytes} B, over its ${budget.tarball_unpacked_bytes} B budget`);
  if (packed.install_bytes > budget.install_bytes) over.push(`installing the SDK alone takes ${packed.install_bytes} B of node_modules, over its ${budget.install_bytes} B budget`);
  if (packed.tarball_maps > 0) over.push(`the SDK tarball holds ${packed.tarball_maps} source maps (package.json "files" should leave them out)`);
  for (const target of packed.exports_missing) over.push(`package.json "exports" names ${target}, which is not in the tarball (a new version? the CDN folder's name carries it)`);
  if (!packed.tarball_has_types) over.push('the SDK tarball has no dist/types/index.d.ts (run `npm run build` first)');
  for (const line of over) console.error(`edgereco: ${line}`);
  process.exit(over.length ? 1 : 0);
}
