import { toBase64url } from '../../src/core/base64url.js';
import { quantizeRows } from './training/quantize-rows.js';

/** A shard's `model` member as written (see `parseShard` in src/core/catalog-tiers.ts, which reads it). */
export interface ShardModelDocument {
  /** SHA-256 of the head bundle's weights file: the rows belong to that bundle. */
  weights: string;
  width: number;
  ids: string[];
  /** base64url of int8 `[ids.length, width]`, row-major. */
  rows: string;
  /** One per row: a row's values are int8 × scale. */
  scales: number[];
}

/**
 * The scoring rows (`scoringRows`: item vector, then prior) of a shard's items, int8 per row, symmetric: scale
 * `max |x| / 127` (0 for an all-zero row), each value within half a scale of the model's. The scales are written with
 * 9 significant digits, which is every digit of their float32 value. `table` is `[numItems + 1, width]`, `index` each
 * id's row in it.
 */
export function shardModelRows(table: Float32Array, width: number, ids: readonly string[], index: ReadonlyMap<string, number>, weights: string): ShardModelDocument {
  const data = new Float32Array(ids.length * width);
  ids.forEach((id, k) => {
    const row = index.get(id)!;
    data.set(table.subarray(row * width, (row + 1) * width), k * width);
  });
  const q = quantizeRows(data, ids.length, width);
  return {
    weights,
    width,
    ids: [...ids],
    rows: toBase64url(new Uint8Array(q.values.buffer, q.values.byteOffset, q.values.byteLength)),
    scales: Array.from(q.scales, (s) => Number(s.toPrecision(9))),
  };
}
