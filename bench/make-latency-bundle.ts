// Makes a bundle with the shape of a real model (an item vocabulary, the default dimensions) for latency benchmarks
// where no trained model exists: the Games catalog (Video.txt) by default, or the ids of a catalog JSON. Latency does
// not depend on the weights' values, so they are simply the seeded initialisation.
// Usage: npx tsx bench/make-latency-bundle.ts OUT_DIR [CATALOG.json.gz]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { encodeBundle } from '../models/cli/training/encode-bundle.js';
import { sasrecConfig } from '../src/model/sasrec-config.js';
import { initSasrecWeights } from '../models/cli/training/sasrec-weights.js';
import { exportWeights } from '../models/cli/training/weights-io.js';
import { writeBundle } from '../models/cli/bundle-files.js';

const out = process.argv[2] ?? 'bench/tmp/games-latency';
await tf.setBackend('cpu');
const items = new Set<string>();
const catalogFile = process.argv[3];
if (catalogFile) {
  const bytes = readFileSync(catalogFile);
  const doc = JSON.parse((catalogFile.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8')) as { items: { id: string }[] } | { id: string }[];
  for (const item of Array.isArray(doc) ? doc : doc.items) items.add(item.id);
} else {
  for (const line of readFileSync('../shared/data/amazon/Video.txt', 'utf8').split('\n')) {
    const item = line.trim().split(/\s+/)[1];
    if (item) items.add(item);
  }
}
const vocabulary = [...items];
const config = sasrecConfig({ numItems: vocabulary.length });
const arrays = exportWeights(initSasrecWeights(config, 1));
const int8 = writeBundle(out, await encodeBundle(config, vocabulary, arrays, 'int8'));
const f32 = writeBundle(join(out, 'f32'), await encodeBundle(config, vocabulary, arrays, 'float32'));
console.log(`wrote ${out}: ${vocabulary.length} items, int8 ${int8} B, f32 ${f32} B`);
