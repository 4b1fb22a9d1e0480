/**
 * The few WebAssembly encodings the SIMD kernels here are assembled from, byte by byte (no build step, no toolchain):
 * each kernel is one exported function of i32 parameters over an imported memory. See `int8-dots.ts` and
 * `matrix-product.ts` for the kernels and their text form.
 */

/** Unsigned LEB128 (sizes, indices, alignments, offsets). */
export function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128, as `i32.const` takes its value (64 is `c0 00`, not `40`). */
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export const get = (local: number): number[] => [0x20, ...leb(local)];
export const set = (local: number): number[] => [0x21, ...leb(local)];
export const i32 = (value: number): number[] => [0x41, ...sleb(value)];
/** A SIMD instruction (prefix 0xfd). */
export const simd = (op: number): number[] => [0xfd, ...leb(op)];
/** `local += value` for an i32 local. */
export const addTo = (local: number, value: number[]): number[] => [...get(local), ...value, OP.I32_ADD, ...set(local)];

export const OP = {
  I32_ADD: 0x6a,
  I32_MUL: 0x6c,
  I32_SHL: 0x74,
  I32_GE_U: 0x4f,
  I32_LOAD: 0x28,
  I32_STORE: 0x36,
  BLOCK: 0x02,
  LOOP: 0x03,
  BR: 0x0c,
  BR_IF: 0x0d,
  END: 0x0b,
  /** The empty block type, after BLOCK or LOOP. */
  VOID: 0x40,
} as const;

export const SIMD = {
  V128_LOAD: 0x00,
  V128_LOAD32_SPLAT: 0x09,
  V128_STORE: 0x0b,
  V128_CONST: 0x0c,
  I32X4_EXTRACT_LANE: 0x1b,
  I16X8_EXTEND_LOW_I8X16_S: 0x87,
  I16X8_EXTEND_HIGH_I8X16_S: 0x88,
  I32X4_ADD: 0xae,
  I32X4_DOT_I16X8_S: 0xba,
  F32X4_ADD: 0xe4,
  F32X4_MUL: 0xe6,
} as const;

/** `v128.load` (or another memory instruction `op`) at `offset` bytes past the address on the stack. */
export const vmem = (op: number, offset: number): number[] => [...simd(op), 0, ...leb(offset)];

/** A zero `v128` into `local`. */
export const zero = (local: number): number[] => [...simd(SIMD.V128_CONST), ...new Array<number>(16).fill(0), ...set(local)];

/** `block loop … end end` that leaves when `exit` (an i32 on the stack) is true; `body` runs before the jump back. */
export const whileNot = (exit: number[], body: number[]): number[] => [
  OP.BLOCK, OP.VOID, OP.LOOP, OP.VOID, ...exit, OP.BR_IF, 1, ...body, OP.BR, 0, OP.END, OP.END,
];

/**
 * A module of one exported function `name` of `params` i32 parameters and no result, over the imported
 * `env.memory`; `locals` are its further locals as `[count, type]` (0x7f i32, 0x7b v128).
 */
export function kernelModule(name: string, params: number, locals: readonly [number, number][], body: readonly number[]): Uint8Array<ArrayBuffer> {
  const section = (id: number, bytes: number[]): number[] => [id, ...leb(bytes.length), ...bytes];
  const text = (s: string): number[] => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  const func = [...leb(locals.length), ...locals.flatMap(([count, type]) => [...leb(count), type]), ...body, OP.END];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, params, ...new Array<number>(params).fill(0x7f), 0]),
    ...section(2, [1, ...text('env'), ...text('memory'), 2, 0, 1]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...text(name), 0, 0]),
    ...section(10, [1, ...leb(func.length), ...func]),
  ]);
}

/** Compiles a kernel once; null where WebAssembly or its SIMD is missing or not allowed (a CSP without 'wasm-unsafe-eval'). */
export function compileKernel(bytes: () => Uint8Array<ArrayBuffer>): () => WebAssembly.Module | null {
  let compiled: WebAssembly.Module | null | undefined;
  return () => {
    if (compiled !== undefined) return compiled;
    try {
      const b = bytes();
      compiled = typeof WebAssembly === 'object' && WebAssembly.validate(b) ? new WebAssembly.Module(b) : null;
    } catch {
      compiled = null;
    }
    return compiled;
  };
}
