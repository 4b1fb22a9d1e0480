import { addTo, compileKernel, get, i32, kernelModule, OP, set, simd, SIMD, vmem, whileNot, zero } from './wasm-kernel.js';

/**
 * `Y[n, m] = X[n, k] · W[k, m]` (row-major): where `historyState` does its matrix products. `fresh`: `W` is computed
 * for this call (attention's keys and values), not a weight matrix that stays as it is.
 */
export type MatrixProduct = (X: Float32Array, W: Float32Array, n: number, k: number, m: number, Y: Float32Array, fresh?: boolean) => void;

/**
 * `Y[n, m] = X[n, k] · W[k, m]` (row-major), four rows by four columns at a time: each weight load serves four rows
 * and the sixteen sums stay in registers (measured ~2.5× the speed of a row-at-a-time loop in V8). The fallback where
 * no WebAssembly SIMD runs ({@link simdProduct}).
 */
export function matMat(X: Float32Array, W: Float32Array, n: number, k: number, m: number, Y: Float32Array): void {
  const m4 = m - (m % 4);
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const a0 = r * k;
    const a1 = a0 + k;
    const a2 = a1 + k;
    const a3 = a2 + k;
    for (let c = 0; c < m4; c += 4) {
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let i = 0; i < k; i++) {
        const wi = i * m + c;
        const w0 = W[wi]!, w1 = W[wi + 1]!, w2 = W[wi + 2]!, w3 = W[wi + 3]!;
        const x0 = X[a0 + i]!, x1 = X[a1 + i]!, x2 = X[a2 + i]!, x3 = X[a3 + i]!;
        s00 += x0 * w0; s01 += x0 * w1; s02 += x0 * w2; s03 += x0 * w3;
        s10 += x1 * w0; s11 += x1 * w1; s12 += x1 * w2; s13 += x1 * w3;
        s20 += x2 * w0; s21 += x2 * w1; s22 += x2 * w2; s23 += x2 * w3;
        s30 += x3 * w0; s31 += x3 * w1; s32 += x3 * w2; s33 += x3 * w3;
      }
      const y0 = r * m + c;
      const y1 = y0 + m;
      const y2 = y1 + m;
      const y3 = y2 + m;
      Y[y0] = s00; Y[y0 + 1] = s01; Y[y0 + 2] = s02; Y[y0 + 3] = s03;
      Y[y1] = s10; Y[y1 + 1] = s11; Y[y1 + 2] = s12; Y[y1 + 3] = s13;
      Y[y2] = s20; Y[y2 + 1] = s21; Y[y2 + 2] = s22; Y[y2 + 3] = s23;
      Y[y3] = s30; Y[y3 + 1] = s31; Y[y3 + 2] = s32; Y[y3 + 3] = s33;
    }
    for (let q = 0; q < 4; q++) for (let c = m4; c < m; c++) Y[(r + q) * m + c] = dotColumn(X, (r + q) * k, W, k, m, c);
  }
  for (; r < n; r++) for (let c = 0; c < m; c++) Y[r * m + c] = dotColumn(X, r * k, W, k, m, c);
}

function dotColumn(X: Float32Array, at: number, W: Float32Array, k: number, m: number, c: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += X[at + i]! * W[i * m + c]!;
  return s;
}

/** The kernel's column block: 16 floats, four `f32x4` sums. Products whose `m` it does not divide run in {@link matMat}. */
const COLUMNS = 16;

/** `m` rounded up to the kernel's column block: a product's columns padded with zeros to this width run on the kernel. */
export function paddedColumns(m: number): number {
  return Math.ceil(m / COLUMNS) * COLUMNS;
}

/**
 * A {@link MatrixProduct} on a WebAssembly SIMD kernel, for `historyState`'s products: the weight matrices are copied
 * into the kernel's memory on first use and stay there (a product keeps the matrices it has seen: make one per model);
 * each call copies `X` (and a `fresh` `W`) in and `Y` out. A 50 × 64 · 64 × 192 product took 38 µs against
 * {@link matMat}'s 354 µs in Node. Sums in float32 (`matMat` sums in float64), so the two differ in the last bits. Null where no SIMD kernel runs here (no
 * WebAssembly, no SIMD, or a CSP without 'wasm-unsafe-eval'): then use `matMat`.
 */
export function simdProduct(): MatrixProduct | null {
  const kernel = matmulKernel();
  if (!kernel) return null;
  const memory = new WebAssembly.Memory({ initial: 1 });
  const matmul = (new WebAssembly.Instance(kernel, { env: { memory } }).exports as { matmul: (...args: number[]) => void }).matmul;
  const placed = new Map<Float32Array, number>();
  let top = 0; // bytes: the weights below, the call's X and Y above
  let heap = new Float32Array(memory.buffer);
  const fit = (bytes: number): void => {
    if (bytes <= memory.buffer.byteLength) return;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    heap = new Float32Array(memory.buffer);
  };
  const align = (bytes: number): number => Math.ceil(bytes / 16) * 16;
  return (X, W, n, k, m, Y, fresh) => {
    if (m % COLUMNS !== 0) return matMat(X, W, n, k, m, Y);
    let w = fresh ? undefined : placed.get(W);
    if (w === undefined && !fresh) {
      w = top;
      fit(w + 4 * k * m);
      heap.set(W.subarray(0, k * m), w / 4);
      placed.set(W, w);
      top = align(w + 4 * k * m);
    }
    // Above the kept matrices: this call's X (and a fresh W), then Y.
    const x = top;
    const at = align(x + 4 * n * k);
    const y = fresh ? align(at + 4 * k * m) : at;
    fit(y + 4 * n * m);
    heap.set(X.subarray(0, n * k), x / 4);
    if (fresh) heap.set(W.subarray(0, k * m), at / 4);
    matmul(x, w ?? at, y, n, k, m);
    Y.set(heap.subarray(y / 4, y / 4 + n * m));
  };
}

const matmulKernel = compileKernel(matmulBytes);

/**
 * The kernel, assembled here (see wasm-kernel.ts): two rows of X at a time (then the odd one alone), 16 columns of W
 * at a time; each X value is splatted once and each W vector loaded once for both rows, into eight `f32x4` sums.
 * ```wat
 * (import "env" "memory" (memory 1))
 * (func (export "matmul") (param $x i32) (param $w i32) (param $y i32) (param $n i32) (param $k i32) (param $m i32)
 *   ;; byte addresses; $m a multiple of 16. $m4 = 4 m, $k4 = 4 k (row strides in bytes)
 *   (local.set $xr (local.get $x))  (local.set $yr (local.get $y))
 *   (block (loop                                              ;; while r + 1 < n: rows r and r + 1
 *     (br_if 1 (i32.ge_u (i32.add (local.get $r) (i32.const 1)) (local.get $n)))
 *     (local.set $c (i32.const 0))
 *     (block (loop                                            ;; for c < m (bytes), 16 columns at a time
 *       (br_if 1 (i32.ge_u (local.get $c) (local.get $m4)))
 *       (local.set $a00 (v128.const i32x4 0 0 0 0)) … $a13    ;; row 0, 1 × four column vectors
 *       (local.set $xp (local.get $xr))  (local.set $xe (i32.add (local.get $xr) (local.get $k4)))
 *       (local.set $wp (i32.add (local.get $w) (local.get $c)))
 *       (block (loop                                          ;; for i < k
 *         (br_if 1 (i32.ge_u (local.get $xp) (local.get $xe)))
 *         (local.set $s0 (v128.load32_splat (local.get $xp)))
 *         (local.set $s1 (v128.load32_splat (i32.add (local.get $xp) (local.get $k4))))
 *         (local.set $v (v128.load offset=0 (local.get $wp)))
 *         (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $s0) (local.get $v))))
 *         (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $s1) (local.get $v)))) … offsets 16, 32, 48
 *         (local.set $xp (i32.add (local.get $xp) (i32.const 4)))  (local.set $wp (i32.add (local.get $wp) (local.get $m4)))
 *         (br 0)))
 *       (v128.store offset=0 (i32.add (local.get $yr) (local.get $c)) (local.get $a00)) … row 1 at $yr + $m4
 *       (local.set $c (i32.add (local.get $c) (i32.const 64)))
 *       (br 0)))
 *     (local.set $xr (i32.add (local.get $xr) (i32.shl (local.get $k4) (i32.const 1))))
 *     (local.set $yr (i32.add (local.get $yr) (i32.shl (local.get $m4) (i32.const 1))))
 *     (local.set $r (i32.add (local.get $r) (i32.const 2)))
 *     (br 0)))
 *   ;; then the same loop for one row while r < n (the odd last row)
 * )
 * ```
 */
function matmulBytes(): Uint8Array<ArrayBuffer> {
  const [X, W, Y, N, K, M, R, C, XP, WP, XE, YR, XR, M4, K4, V] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 25] as const;
  const A = [[15, 16, 17, 18], [19, 20, 21, 22]] as const;
  const S = [23, 24] as const;
  const { I32_ADD: ADD, I32_SHL: SHL, I32_GE_U: GE_U } = OP;
  /** The loop over rows, `rows` (1 or 2) at a time, from the current `r` while `rows` of them are left. */
  const rowsLoop = (rows: 1 | 2): number[] => {
    const acc = A.slice(0, rows);
    return whileNot([...get(R), ...i32(rows - 1), ADD, ...get(N), GE_U], [
      ...i32(0), ...set(C),
      ...whileNot([...get(C), ...get(M4), GE_U], [
        ...acc.flat().flatMap((a) => zero(a)),
        ...get(XR), ...set(XP),
        ...get(XR), ...get(K4), ADD, ...set(XE),
        ...get(W), ...get(C), ADD, ...set(WP),
        ...whileNot([...get(XP), ...get(XE), GE_U], [
          ...acc.flatMap((_, r) => [...get(XP), ...(r ? [...get(K4), ADD] : []), ...vmem(SIMD.V128_LOAD32_SPLAT, 0), ...set(S[r]!)]),
          ...[0, 1, 2, 3].flatMap((j) => [
            ...get(WP), ...vmem(SIMD.V128_LOAD, 16 * j), ...set(V),
            ...acc.flatMap((row, r) => [...get(row[j]!), ...get(S[r]!), ...get(V), ...simd(SIMD.F32X4_MUL), ...simd(SIMD.F32X4_ADD), ...set(row[j]!)]),
          ]),
          ...addTo(XP, i32(4)),
          ...addTo(WP, get(M4)),
        ]),
        ...acc.flatMap((row, r) => row.flatMap((a, j) => [...get(YR), ...(r ? [...get(M4), ADD] : []), ...get(C), ADD, ...get(a), ...vmem(SIMD.V128_STORE, 16 * j)])),
        ...addTo(C, i32(4 * COLUMNS)),
      ]),
      ...addTo(XR, rows === 2 ? [...get(K4), ...i32(1), SHL] : get(K4)),
      ...addTo(YR, rows === 2 ? [...get(M4), ...i32(1), SHL] : get(M4)),
      ...addTo(R, i32(rows)),
    ]);
  };
  const body = [
    ...get(M), ...i32(2), SHL, ...set(M4),
    ...get(K), ...i32(2), SHL, ...set(K4),
    ...get(X), ...set(XR),
    ...get(Y), ...set(YR),
    ...rowsLoop(2),
    ...rowsLoop(1),
  ];
  return kernelModule('matmul', 6, [[9, 0x7f], [11, 0x7b]], body);
}
