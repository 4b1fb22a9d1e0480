import { addTo, compileKernel, get, i32, kernelModule, OP, set, simd, SIMD, vmem, whileNot, zero } from './wasm-kernel.js';

/**
 * Dot products of int8 rows with an int16 vector, for the candidate scoring's first pass (`scoreCandidates`): a
 * 245-byte WebAssembly SIMD kernel where the platform runs one (about 7× plain JavaScript: 30,000 rows of 80 bytes in
 * 0.3 ms against 2 ms in Node), plain loops otherwise. Both give the same integers (int8 × int16 sums fit an int32).
 * The rows live in the kernel's memory, `stride` bytes each (the width rounded up to 16, zero-padded).
 */
export interface Int8Dots {
  readonly stride: number;
  /** `[rows, stride]`: the rows, written by the caller once. */
  readonly values: Int8Array;
  /** `[stride]`: the vector, written by the caller before each {@link run}. */
  readonly vector: Int16Array;
  /** Which rows {@link run} takes, written by the caller (up to `rows` of them). */
  readonly positions: Int32Array;
  /** `out[i]` = row `positions[i]` · `vector`, after {@link run}. */
  readonly out: Int32Array;
  /** Computes the first `count` dot products. */
  run(count: number): void;
  /** Whether the WebAssembly kernel runs them (false: plain loops). */
  readonly simd: boolean;
}

/** `rows` rows of `width` int8 values, in WebAssembly memory when the kernel runs here (`simd: false` forces plain loops). */
export function int8Dots(rows: number, width: number, options: { simd?: boolean } = {}): Int8Dots {
  const stride = Math.ceil(width / 16) * 16;
  const kernel = options.simd === false ? null : simdKernel();
  if (kernel) {
    const vectorAt = rows * stride;
    const positionsAt = vectorAt + 2 * stride;
    const outAt = positionsAt + 4 * rows;
    const memory = new WebAssembly.Memory({ initial: Math.ceil((outAt + 4 * rows) / 65536) });
    const dots = (new WebAssembly.Instance(kernel, { env: { memory } }).exports as { dots: (...args: number[]) => void }).dots;
    return {
      stride,
      values: new Int8Array(memory.buffer, 0, rows * stride),
      vector: new Int16Array(memory.buffer, vectorAt, stride),
      positions: new Int32Array(memory.buffer, positionsAt, rows),
      out: new Int32Array(memory.buffer, outAt, rows),
      run: (count) => dots(0, stride, vectorAt, positionsAt, count, outAt),
      simd: true,
    };
  }
  const values = new Int8Array(rows * stride);
  const vector = new Int16Array(stride);
  const positions = new Int32Array(rows);
  const out = new Int32Array(rows);
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const at = positions[i]! * stride;
      let s = 0;
      for (let j = 0; j < width; j++) s += vector[j]! * values[at + j]!;
      out[i] = s;
    }
  };
  return { stride, values, vector, positions, out, run, simd: false };
}

/** The kernel, compiled once; null where WebAssembly or its SIMD is missing or not allowed (a CSP without 'wasm-unsafe-eval'). */
const simdKernel = compileKernel(kernelBytes);

/**
 * The module, assembled here (no build step):
 * ```wat
 * (import "env" "memory" (memory 1))
 * (func (export "dots") (param $rows i32) (param $stride i32) (param $q i32) (param $pos i32) (param $n i32) (param $out i32)
 *   (local $i i32) (local $p i32) (local $j i32) (local $acc v128) (local $v v128)
 *   (block (loop                                    ;; for i < n
 *     (br_if 1 (i32.ge_u (local.get $i) (local.get $n)))
 *     (local.set $p (i32.add (local.get $rows) (i32.mul (i32.load (i32.add (local.get $pos) (i32.shl (local.get $i) (i32.const 2)))) (local.get $stride))))
 *     (local.set $acc (v128.const i32x4 0 0 0 0))
 *     (local.set $j (i32.const 0))
 *     (block (loop                                  ;; for j < stride, 16 bytes at a time
 *       (br_if 1 (i32.ge_u (local.get $j) (local.get $stride)))
 *       (local.set $v (v128.load (i32.add (local.get $p) (local.get $j))))
 *       (local.set $acc (i32x4.add (i32x4.add (local.get $acc)
 *         (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $v)) (v128.load (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 1))))))
 *         (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $v)) (v128.load offset=16 (i32.add (local.get $q) (i32.shl (local.get $j) (i32.const 1)))))))
 *       (local.set $j (i32.add (local.get $j) (i32.const 16)))
 *       (br 0)))
 *     (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
 *       (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
 *                (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
 *     (local.set $i (i32.add (local.get $i) (i32.const 1)))
 *     (br 0))))
 * ```
 */
function kernelBytes(): Uint8Array<ArrayBuffer> {
  const [ROWS, STRIDE, Q, POS, N, OUT, I, P, J, ACC, V] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
  const { I32_ADD: ADD, I32_MUL: MUL, I32_SHL: SHL, I32_GE_U: GE_U, I32_LOAD: LOAD, I32_STORE: STORE } = OP;
  const queryAt = [...get(Q), ...get(J), ...i32(1), SHL, ADD];
  const lane = (k: number): number[] => [...get(ACC), ...simd(SIMD.I32X4_EXTRACT_LANE), k];
  const body = whileNot([...get(I), ...get(N), GE_U], [
    ...get(ROWS), ...get(POS), ...get(I), ...i32(2), SHL, ADD, LOAD, 2, 0, ...get(STRIDE), MUL, ADD, ...set(P),
    ...zero(ACC),
    ...i32(0), ...set(J),
    ...whileNot([...get(J), ...get(STRIDE), GE_U], [
      ...get(P), ...get(J), ADD, ...vmem(SIMD.V128_LOAD, 0), ...set(V),
      ...get(ACC),
      ...get(V), ...simd(SIMD.I16X8_EXTEND_LOW_I8X16_S), ...queryAt, ...vmem(SIMD.V128_LOAD, 0), ...simd(SIMD.I32X4_DOT_I16X8_S), ...simd(SIMD.I32X4_ADD),
      ...get(V), ...simd(SIMD.I16X8_EXTEND_HIGH_I8X16_S), ...queryAt, ...vmem(SIMD.V128_LOAD, 16), ...simd(SIMD.I32X4_DOT_I16X8_S), ...simd(SIMD.I32X4_ADD),
      ...set(ACC),
      ...addTo(J, i32(16)),
    ]),
    ...get(OUT), ...get(I), ...i32(2), SHL, ADD,
    ...lane(0), ...lane(1), ADD, ...lane(2), ...lane(3), ADD, ADD,
    STORE, 2, 0,
    ...addTo(I, i32(1)),
  ]);
  return kernelModule('dots', 6, [[3, 0x7f], [2, 0x7b]], body);
}
