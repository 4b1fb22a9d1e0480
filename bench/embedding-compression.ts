// Issue 17 item 3: item embeddings compressed further than int8 (product quantization), measured against the int8
// bundle on the shared data sets. Writes a copy of a bundle whose item tables are replaced by their PQ reconstruction
// (then stored int8 as usual, so the copy loads and scores through the one scoring path), and prints the bytes per
// item each would ship; `npx edgereco evaluate` then measures both bundles with the same protocol.
//
//   npx tsx bench/embedding-compression.ts models/games bench/tmp/pq-games-16 16
//
// PQ: each item's d-dimensional row is cut into `subspaces` pieces; each piece is replaced by the nearest of 256
// centroids learned by k-means on that piece (seeded, 12 iterations), so an item ships as `subspaces` bytes plus the
// shared codebooks (256 × d floats), against d bytes and a scale for int8.
import { readBundle, writeBundle } from '../models/cli/bundle-files.js';
import { encodeBundle } from '../models/cli/training/encode-bundle.js';
import { seededRandom } from '../src/core/seeded-random.js';

const [dir, out, m] = process.argv.slice(2);
if (!dir || !out || !m) throw new Error('usage: npx tsx bench/embedding-compression.ts <bundle dir> <out dir> <subspaces>');
const subspaces = Number(m);
const CENTROIDS = 256;
const ITERATIONS = 12;

/** The rows' PQ reconstruction (row 0, the padding, kept). */
function productQuantized(data: Float32Array, rows: number, d: number, random: () => number): Float32Array {
  const s = d / subspaces;
  if (!Number.isInteger(s)) throw new Error(`${d} columns do not split into ${subspaces} subspaces`);
  const outRows = Float32Array.from(data);
  const n = rows - 1;
  const assign = new Int32Array(n);
  for (let j = 0; j < subspaces; j++) {
    const at = (row: number, k: number) => data[(row + 1) * d + j * s + k]!;
    const centroids = new Float32Array(CENTROIDS * s);
    for (let c = 0; c < CENTROIDS; c++) {
      const row = Math.floor(random() * n);
      for (let k = 0; k < s; k++) centroids[c * s + k] = at(row, k);
    }
    for (let it = 0; it < ITERATIONS; it++) {
      for (let r = 0; r < n; r++) {
        let best = 0;
        let bestD = Infinity;
        for (let c = 0; c < CENTROIDS; c++) {
          let dist = 0;
          for (let k = 0; k < s; k++) {
            const diff = at(r, k) - centroids[c * s + k]!;
            dist += diff * diff;
          }
          if (dist < bestD) {
            bestD = dist;
            best = c;
          }
        }
        assign[r] = best;
      }
      const sums = new Float64Array(CENTROIDS * s);
      const counts = new Int32Array(CENTROIDS);
      for (let r = 0; r < n; r++) {
        const a = assign[r]!;
        counts[a] = counts[a]! + 1;
        for (let k = 0; k < s; k++) sums[a * s + k] = sums[a * s + k]! + at(r, k);
      }
      for (let c = 0; c < CENTROIDS; c++) if (counts[c]! > 0) for (let k = 0; k < s; k++) centroids[c * s + k] = sums[c * s + k]! / counts[c]!;
    }
    for (let r = 0; r < n; r++) for (let k = 0; k < s; k++) outRows[(r + 1) * d + j * s + k] = centroids[assign[r]! * s + k]!;
  }
  return outRows;
}

const bundle = await readBundle(dir);
const random = seededRandom(17);
let tables = 0;
const tensors = bundle.tensors.map((t) => {
  if (!/(^|\.)itemEmbedding$/.test(t.name)) return t;
  tables++;
  const [rows, d] = t.shape as [number, number];
  let error = 0;
  let norm = 0;
  const data = productQuantized(t.data, rows, d, random);
  for (let i = d; i < data.length; i++) {
    error += (data[i]! - t.data[i]!) ** 2;
    norm += t.data[i]! ** 2;
  }
  console.error(`${t.name}: ${rows - 1} items × ${d}, relative error ${Math.sqrt(error / norm).toFixed(3)}`);
  return { ...t, data };
});
const encoded = await encodeBundle(bundle.manifest.config, bundle.manifest.vocabulary, tensors, 'int8', bundle.manifest.training, bundle.attributes);
writeBundle(out, encoded);
const d = bundle.manifest.config.dim;
console.log(JSON.stringify({ bundle: dir, out, subspaces, tables, bytes_per_item: { int8: tables * (d + 2), pq: tables * subspaces }, codebooks_bytes: tables * CENTROIDS * d * 4 }));
