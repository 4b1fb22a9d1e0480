import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clusterRows } from './candidate-clusters.js';
import { parseArgs } from './args.js';
import { INDEX } from './commands.js';
import { readBundle } from './bundle-files.js';
import { useBackend } from './wasm-backend.js';
import { clusterCount } from '../../src/model/candidate-policy.js';
import { plainSasrec, scoringRows, scoringWidth } from '../../src/model/history-state.js';
import { formatVersionOf, packIntegers, type StoredManifest } from '../../src/model/model-bundle.js';
import { sha256Hex } from '../../src/model/sha256.js';

/** The file of a bundle's clusters (see `ModelManifest.clustersFile`). */
const CLUSTERS_FILE = 'clusters.bin';

/**
 * `index --model DIR [--clusters N] [--seed S]`: gives a bundle the approximate scoring's clusters (k-means of its item
 * scoring rows, `clusterRows`), so the worker scores candidates instead of the whole catalog from 50,000 items
 * (`candidate-policy.ts`). Adds `clusters.bin` to DIR (format version 4); the weights are unchanged. Minutes at
 * 1,000,000 items, seconds at 25,000.
 */
export async function indexCommand(argv: readonly string[]): Promise<void> {
  const args = parseArgs(INDEX, argv);
  const dir = args.str('model');
  await useBackend(args.choice<'wasm' | 'cpu'>('backend'));
  const bundle = await readBundle(dir);
  const model = plainSasrec(bundle.manifest.config, bundle.tensors, bundle.attributes);
  const numItems = model.config.numItems;
  const wanted = args.str('clusters') === 'auto' ? clusterCount(numItems) : args.num('clusters');
  const assignment = clusterRows(scoringRows(model), scoringWidth(model), wanted, { seed: args.num('seed') });
  const dtype = wanted <= 65536 ? 'uint16' : 'int32';
  const bytes = packIntegers(assignment, dtype);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as StoredManifest;
  const stored: StoredManifest = {
    ...manifest,
    formatVersion: Math.max(manifest.formatVersion, formatVersionOf(manifest.config, true)),
    clustersFile: CLUSTERS_FILE,
    clustersDtype: dtype,
    checksums: { ...manifest.checksums, [CLUSTERS_FILE]: await sha256Hex(bytes) },
  };
  writeFileSync(join(dir, CLUSTERS_FILE), bytes);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(stored)}\n`);
  console.error(`index: ${numItems} items in ${wanted} clusters → ${join(dir, CLUSTERS_FILE)} (${bytes.byteLength} bytes)`);
}
