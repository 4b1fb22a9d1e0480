import { halfScaleOf, type Int8Rows } from '../../../src/model/int8-rows.js';
import { createError, ERROR_CODES } from '../../../src/core/errors.js';

/**
 * Symmetric per-row int8 quantization: each row's scale is `max |x| / 127`, values are `round(x / scale)` in
 * [-127, 127]. An all-zero row gets scale 0. The error of any entry is at most `scale / 2`. With `halfScales`, each
 * scale is stored as a float16 fraction of the largest one (`halves`, `unit`): it then carries the float16 rounding
 * too (≤ 0.05% of the row's largest value, or for a row over 10⁴ times smaller than the largest, a float16 subnormal's
 * step, ≤ 6·10⁻⁸ of the largest row's scale).
 */
export function quantizeRows(data: Float32Array, rows: number, cols: number, halfScales = false): Int8Rows {
  if (data.length !== rows * cols) throw createError(ERROR_CODES.INTERNAL, { problem: `quantizeRows expected ${rows * cols} values, got ${data.length}` });
  const values = new Int8Array(data.length);
  const scales = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let c = 0; c < cols; c++) max = Math.max(max, Math.abs(data[r * cols + c]!));
    scales[r] = Math.fround(max / 127);
  }
  let halves: Uint16Array | undefined;
  let unit: number | undefined;
  if (halfScales) {
    // A loop: `Math.max(...scales)` throws past ~65,000 rows (a catalog's item table).
    unit = 0;
    for (const s of scales) if (s > unit) unit = s;
    unit ||= 1;
    halves = Uint16Array.from(scales, (x) => floatToHalf(x / unit!));
    halves.forEach((h, r) => (scales[r] = halfScaleOf(h, unit!)));
  }
  for (let r = 0; r < rows; r++) {
    const scale = scales[r]!;
    if (scale === 0) continue;
    for (let c = 0; c < cols; c++) {
      values[r * cols + c] = Math.max(-127, Math.min(127, Math.round(data[r * cols + c]! / scale)));
    }
  }
  return { values, scales, ...(halves ? { halves, unit } : {}) };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The IEEE float16 bits nearest a number (round half up on the dropped bits; overflow to ±Infinity). */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    return sign | ((mant >>> shift) + ((mant >>> (shift - 1)) & 1));
  }
  return (sign | (e << 10) | (mant >>> 13)) + ((mant >>> 12) & 1);
}
