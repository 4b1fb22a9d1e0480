import { nextTask } from '../core/next-task.js';
import { TopK } from './candidate-scoring.js';
import { rowDot, type MemoryTerms } from './history-state.js';
import { int8Dots, type Int8Dots } from './int8-dots.js';

/**
 * The catalog's best items for a shopper without the float product over every item, and exactly the same items as
 * that product: a quarter of its memory traffic, which is what the product's time is (23,715 × 129 floats, 12 MB per
 * call on Games).
 *
 * Each item's scoring row is held in int8, one scale per segment (an ensemble's members each have their own part of
 * the row; the prior's column stays a float), and the scoring vector is rounded to int16 per segment. The int8 scan
 * (`int8Dots`, WebAssembly SIMD) gives every item an approximate score and a bound that its exact score cannot pass:
 * `|Σ vⱼ rⱼ − s·u·Σ qⱼ zⱼ| ≤ s·(‖v‖₁·δ + (u/2)·Σ|qⱼ|)`, with `s` the row's scale, `u` the vector's step, and per
 * segment `δ` the largest rounding error relative to the scale (`|rⱼ − s·qⱼ| / s`: about 0 for a bundle's int8 rows,
 * at most ½ for float ones) and the largest `Σ|qⱼ|`, plus a margin for float rounding. So the bound is the row's scale
 * times one number per call. The items whose bound is highest are rescored exactly, in
 * the order and arithmetic of `rowDots` (then the memory's term, as `addCooccurrence` adds it), so their scores are
 * those of the full product to the bit. Every item left out has a bound at most {@link BestItems.beyond}: a list
 * whose kth score is above it is the full product's list (`modelRecommend` checks, and scores everything when not).
 */
export interface BestItems {
  /** Vocabulary indices, ascending (the full product's order of consideration, for ties). */
  items: Int32Array;
  /** Their exact scores. */
  scores: Float32Array;
  /** No item left out can score above this. */
  beyond: number;
}

/**
 * Items rescored exactly per call, at least: on Games and Beauty, 11 items at most outside the history reach the 10th
 * exact score with their bound (300 shoppers each, `bench/scan-bounds.ts`).
 */
export const BEST_ITEMS = 64;

/** The relative margin on the bound for float rounding (a float32 result is within 6e-8 of the exact sum). */
const ROUNDING = 1e-6;

export interface CatalogScan {
  /** The best `count` items by their bound, rescored exactly; null when the vector is not finite. */
  best(vector: Float32Array, memory: MemoryTerms | null, count: number): BestItems | null;
  /** Every item's approximate score and bound (`[numItems + 1]` each; index 0 padding), for tests. */
  bounds(vector: Float32Array, memory: MemoryTerms | null): { approx: Float64Array; bound: Float64Array };
}

/** Rows quantized between two yields of {@link buildCatalogScan} (about 5 ms in Node). */
const ROWS_PER_STEP = 5_000;

/**
 * Builds the scan of `rows` (`[numItems + 1, width]`, the model's scoring rows): `segments` parts of `segmentWidth`
 * columns quantized (an ensemble's members), the columns after them (the prior) kept as floats. In steps, each in its
 * own task (the worker builds it after its first answer). Null where no WebAssembly SIMD runs: plain loops would be
 * no faster than the float product.
 */
export async function buildCatalogScan(rows: Float32Array, width: number, segments: number, segmentWidth: number): Promise<CatalogScan | null> {
  const size = rows.length / width;
  const dots: Int8Dots[] = [];
  for (let h = 0; h < segments; h++) {
    const d = int8Dots(size, segmentWidth);
    if (!d.simd) return null;
    for (let i = 0; i < size; i++) d.positions[i] = i;
    dots.push(d);
  }
  // Per item and segment its scale; per segment the largest rounding error relative to the scale (≈ 0 for a bundle's
  // int8 rows, at most ½ for float ones) and the largest Σ|q|: the bound is then the scale times one number per call.
  const scales = Array.from({ length: segments }, () => new Float64Array(size));
  const worst = new Float64Array(segments);
  const mass = new Float64Array(segments);
  for (let i = 1; i < size; i++) {
    if (i % ROWS_PER_STEP === 0) await nextTask();
    for (let h = 0; h < segments; h++) {
      const from = i * width + h * segmentWidth;
      let max = 0;
      for (let j = 0; j < segmentWidth; j++) max = Math.max(max, Math.abs(rows[from + j]!));
      const s = max / 127 || 1;
      const { values, stride } = dots[h]!;
      let sum = 0;
      for (let j = 0; j < segmentWidth; j++) {
        const q = Math.round(rows[from + j]! / s);
        values[i * stride + j] = q;
        worst[h] = Math.max(worst[h]!, Math.abs(rows[from + j]! - q * s) / s);
        sum += Math.abs(q);
      }
      scales[h]![i] = s;
      mass[h] = Math.max(mass[h]!, sum);
    }
  }
  // The float columns (the prior) apart, column by column: read from the rows, each would cost a cache line per item.
  const quantized = segments * segmentWidth;
  const columns = Array.from({ length: width - quantized }, (_, c) => Float32Array.from({ length: size }, (_, i) => rows[i * width + quantized + c]!));
  const upper = new Float64Array(size);
  const termOf = new Float32Array(size);

  /**
   * Each item's upper bound on its exact score into `upper` (with `margin` false: its approximate score), `termOf`
   * holding the memory's terms; false for a vector that is not finite.
   */
  const scan = (vector: Float32Array, memory: MemoryTerms | null, margin: boolean): boolean => {
    const out = upper; // a local: a closure's captured arrays read ~2× slower in loops
    out.fill(0);
    for (let c = 0; c < columns.length; c++) addColumn(out, columns[c]!, vector[quantized + c]!, margin ? ROUNDING : 0);
    for (let h = 0; h < segments; h++) {
      let max = 0;
      let norm = 0;
      for (let j = 0; j < segmentWidth; j++) {
        const v = Math.abs(vector[h * segmentWidth + j]!);
        max = Math.max(max, v);
        norm += v;
      }
      if (!Number.isFinite(norm)) return false;
      const u = max / 32767 || 1;
      const z = dots[h]!.vector;
      for (let j = 0; j < segmentWidth; j++) z[j] = Math.round(vector[h * segmentWidth + j]! / u);
      dots[h]!.run(size);
      // |Σ vⱼ rⱼ − s·u·Σ qⱼ zⱼ| ≤ s·(‖v‖₁·worst + (u/2)·Σ|q|), and float rounding within ROUNDING·‖v‖₁·127·s.
      const slack = margin ? norm * worst[h]! + (u / 2) * mass[h]! + ROUNDING * norm * 127 : 0;
      addSegment(out, scales[h]!, dots[h]!.out, u, slack);
    }
    if (memory) {
      for (let r = 0; r < memory.items.length; r++) {
        const i = memory.items[r]!;
        if (i >= size) continue;
        const term = memory.terms[r]!;
        termOf[i] = term;
        out[i]! += term + (margin ? ROUNDING * (Math.abs(term) + Math.abs(out[i]!)) : 0);
      }
    }
    return true;
  };
  const clearTerms = (memory: MemoryTerms | null): void => {
    if (memory) for (let r = 0; r < memory.items.length; r++) if (memory.items[r]! < size) termOf[memory.items[r]!] = 0;
  };

  return {
    best(vector, memory, count) {
      if (!scan(vector, memory, true)) return null;
      // The count + 1 highest bounds: the lowest of them is the highest of every item left out.
      const top = new TopK(Math.min(count + 1, size - 1));
      let floor = -Infinity; // once the heap is full, what a bound must pass to enter it
      for (let i = 1; i < size; i++) {
        if (upper[i]! < floor) continue;
        top.push(i, upper[i]!);
        floor = top.floor;
      }
      const kept = top.size > count ? top.size - 1 : top.size;
      const order = top.sorted((i) => upper[i]!);
      const beyond = top.size > count ? upper[order.items[count]!]! : -Infinity;
      const items = order.items.slice(0, kept).sort();
      const scores = Float32Array.from(items, (i) => Math.fround(Math.fround(rowDot(rows, i * width, vector)) + termOf[i]!));
      clearTerms(memory);
      return { items, scores, beyond };
    },
    bounds(vector, memory) {
      if (!scan(vector, memory, false)) throw new RangeError('the vector is not finite');
      const approx = upper.slice();
      scan(vector, memory, true);
      clearTerms(memory);
      return { approx, bound: Float64Array.from(upper, (u, i) => u - approx[i]!) };
    },
  };
}

/** `out[i] += v · column[i]` (and its rounding margin) for every item but the padding. */
function addColumn(out: Float64Array, column: Float32Array, v: number, rounding: number): void {
  for (let i = 1; i < out.length; i++) {
    const p = v * column[i]!;
    out[i]! += p + rounding * Math.abs(p);
  }
}

/** `out[i] += scale[i] · (u · dots[i] + slack)`: a segment's approximate score and bound, for every item but the padding. */
function addSegment(out: Float64Array, scale: Float64Array, dots: Int32Array, u: number, slack: number): void {
  for (let i = 1; i < out.length; i++) out[i]! += scale[i]! * (u * dots[i]! + slack);
}
