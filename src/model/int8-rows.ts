/** A row-major matrix quantized to int8 with one float scale per row: `value ≈ q * scale`. */
export interface Int8Rows {
  values: Int8Array;
  scales: Float32Array;
  /**
   * With float16 scales: each row's scale is `halfToFloat(halves[r]) × unit` (the unit being the largest row scale),
   * the form a version-2 bundle stores.
   */
  halves?: Uint16Array;
  unit?: number;
}

/** A row scale stored as float16 bits `h` of a fraction of `unit` (see `quantizeRows` in the CLI's `training/quantize-rows.ts`). */
export function halfScaleOf(h: number, unit: number): number {
  return Math.fround(halfToFloat(h) * unit);
}

/** The float32 matrix an {@link Int8Rows} stands for. */
export function dequantizeRows(q: Int8Rows, cols: number): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let i = 0; i < out.length; i++) out[i] = q.values[i]! * q.scales[Math.floor(i / cols)]!;
  return out;
}

/** The number that float16 bits stand for. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}
