// The search index build's CPU time, now against the SDK before issue 18, in one Node process, alternating, so the
// ratio holds on a shared, busy machine (CPU time, unlike wall time, does not count the time other work took the core).
// Usage: node --expose-gc --import tsx bench/search-build-cpu.ts PRE18_DIR ICECAT.json.gz CJK.json [runs]
// Prints one line of JSON: per catalog, the median CPU ms of each build and their ratio.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readCatalogFile } from '../models/cli/read-search-files.js';
import { SearchIndex } from '../src/search/search-index.js';

const [pre18Dir, icecatFile, cjkFile, runsArg] = process.argv.slice(2);
if (!pre18Dir || !icecatFile || !cjkFile) throw new Error('usage: search-build-cpu.ts PRE18_DIR ICECAT.json.gz CJK.json [runs]');
const runs = Number(runsArg ?? 5);
type Builder = { create(rows: unknown): Promise<unknown> };
const before = (await import(pathToFileURL(resolve(pre18Dir, 'src/search/search-index.ts')).href)).SearchIndex as Builder;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function cpuMs(build: () => Promise<unknown>): Promise<number> {
  gc();
  const start = process.cpuUsage();
  await build();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const catalogs = { icecat: readCatalogFile(icecatFile), cjk: JSON.parse(readFileSync(cjkFile, 'utf8')) as unknown[] };
const out: Record<string, { items: number; now_cpu_ms: number; before_issue_18_cpu_ms: number; ratio: number }> = {};
for (const [name, items] of Object.entries(catalogs)) {
  const now: number[] = [];
  const pre: number[] = [];
  for (let r = 0; r < runs; r++) {
    pre.push(await cpuMs(() => before.create(items)));
    now.push(await cpuMs(() => SearchIndex.create(items)));
  }
  out[name] = { items: items.length, now_cpu_ms: Math.round(median(now)), before_issue_18_cpu_ms: Math.round(median(pre)), ratio: Math.round((median(now) / median(pre)) * 100) / 100 };
}
console.log(JSON.stringify(out));
