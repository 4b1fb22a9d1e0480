/** A row-major matrix quantized to int8 with one float scale per row: `value ≈ q * scale`. */
export interface Int8Rows {
  values: Int8Array;
  scales: Float32Array;
}

/**
 * Symmetric per-row int8 quantization: each row's scale is `max |x| / 127`, values are `round(x / scale)` in
 * [-127, 127]. An all-zero row gets scale 0. The error of any entry is at most `scale / 2`.
 */
export function quantizeRows(data: Float32Array, rows: number, cols: number): Int8Rows {
  if (data.length !== rows * cols) throw new Error(`edgereco: quantizeRows expected ${rows * cols} values, got ${data.length}`);
  const values = new Int8Array(data.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(data[r * cols + c]!));
    const scale = Math.fround(max / 127);
    scales[r] = scale;
    if (scale === 0) continue;
    for (let c = 0; c < cols; c++) {
      values[r * cols + c] = Math.max(-127, Math.min(127, Math.round(data[r * cols + c]! / scale)));
    }
  }
  return { values, scales };
}

/** The float32 matrix an {@link Int8Rows} stands for. */
export function dequantizeRows(q: Int8Rows, cols: number): Float32Array {
  const out = new Float32Array(q.values.length);
  for (let i = 0; i < out.length; i++) out[i] = q.values[i]! * q.scales[Math.floor(i / cols)]!;
  return out;
}
