// How many items the int8 catalog scan (src/model/catalog-scan.ts) must rescore: for 300 shoppers each of Games and
// Beauty (their data sets' sequences, the last item held out), the items outside the history whose bound reaches the
// 10th best exact score. Usage: npx tsx bench/scan-bounds.ts (reads ../shared/data).
import { readFileSync } from 'node:fs';
import { readBundle } from '../models/cli/bundle-files.js';
import { buildCatalogScan } from '../src/model/catalog-scan.js';
import { addCooccurrence, historyState, memoryTerms, plainSasrec, rowDots, scoringRows, scoringVector, scoringWidth } from '../src/model/history-state.js';
const DATA = new URL('../../shared/data', import.meta.url).pathname;
for (const dir of ['models/games-defaults', 'models/beauty-defaults']) {
  const b = await readBundle(new URL(`../${dir}`, import.meta.url).pathname);
  const model = plainSasrec(b.manifest.config, b.tensors, b.attributes);
  const scan = (await buildCatalogScan(scoringRows(model), scoringWidth(model), model.members?.length ?? 1, model.config.dim))!;
  const V = model.config.numItems + 1;
  const vocab = b.manifest.vocabulary;
  const index = new Map(vocab.map((id, i) => [id, i + 1]));
  const file = dir.includes('games') ? `${DATA}/amazon/Video.txt` : `${DATA}/amazon/s3rec_Beauty.txt`;
  const users: number[][] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (dir.includes('games')) { const x = index.get(parts[1]!); if (x === undefined) continue; const u = Number(parts[0]); (users[u] ??= []).push(x); }
    else { const seq = parts.slice(1).map((p) => index.get(p)).filter((x): x is number => x !== undefined); if (seq.length) users.push(seq); }
  }
  const seqs = users.filter((s) => s && s.length >= 3);
  const counts: number[] = [];
  for (let t = 0; t < 300; t++) {
    const seq = seqs[(t * 7919) % seqs.length]!;
    const hist = seq.slice(0, -1).slice(-50);
    const v = scoringVector(model, historyState(model, hist));
    const mem = memoryTerms(model, hist);
    const exact = addCooccurrence(model, hist, rowDots(scoringRows(model), v, true), mem);
    const seen = new Set(hist);
    const sorted = Array.from(exact.keys()).filter((i) => i > 0 && !seen.has(i)).sort((a, c) => exact[c]! - exact[a]!);
    const theta = exact[sorted[9]!]!;
    const { approx, bound } = scan.bounds(v, mem);
    let c = 0;
    for (let i = 1; i < V; i++) if (!seen.has(i) && approx[i]! + bound[i]! >= theta) c++;
    counts.push(c);
  }
  counts.sort((a, c) => a - c);
  console.log(dir, 'items (not in the history) whose bound reaches the 10th exact score: p50', counts[150], 'p99', counts[296], 'max', counts[299]);
}
