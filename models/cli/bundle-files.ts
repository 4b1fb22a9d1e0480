import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBundle, type DecodedBundle } from '../../src/model/decode-bundle.js';
import type { EncodedBundle } from './training/encode-bundle.js';

/** Writes `manifest.json` and the weights file(s) of a bundle into `dir`. */
export function writeBundle(dir: string, bundle: EncodedBundle): number {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(bundle.manifest)}\n`);
  let bytes = 0;
  for (const [name, data] of bundle.files) {
    writeFileSync(join(dir, name), data);
    bytes += data.byteLength;
  }
  return bytes;
}

/** Reads and checks a bundle from `dir` (version and checksums, see `decodeBundle`). */
export function readBundle(dir: string): Promise<DecodedBundle> {
  const manifest: unknown = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return decodeBundle(manifest, async (name) => new Uint8Array(readFileSync(join(dir, name))));
}
