import { sha256Hex } from '../../../src/model/sha256.js';

/**
 * A fingerprint of training sequences by item id (not index), so the same interactions hash the same whatever the
 * vocabulary order: SHA-256 of one line per sequence, item ids separated by U+001F.
 */
export async function trainingDataHash(
  sequences: readonly (readonly number[])[],
  itemIds: readonly string[],
): Promise<string> {
  const text = sequences.map((seq) => seq.map((i) => itemIds[i - 1]).join('\u001f')).join('\n');
  return sha256Hex(new TextEncoder().encode(text));
}
