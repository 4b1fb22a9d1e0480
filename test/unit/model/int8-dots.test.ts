import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { int8Dots } from '../../../src/model/int8-dots.js';

describe('int8Dots', () => {
  it('runs the WebAssembly SIMD kernel in Node, and it gives the plain loops\' integers for any rows and vector', () => {
    expect(int8Dots(1, 1).simd).toBe(true);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 150 }),
        fc.infiniteStream(fc.integer({ min: -127, max: 127 })),
        fc.infiniteStream(fc.integer({ min: -32767, max: 32767 })),
        (rows, width, values, vector) => {
          const simd = int8Dots(rows, width);
          const plain = int8Dots(rows, width, { simd: false });
          expect(plain.simd).toBe(false);
          const v = values[Symbol.iterator]();
          const q = vector[Symbol.iterator]();
          for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) simd.values[r * simd.stride + j] = plain.values[r * plain.stride + j] = v.next().value!;
          for (let j = 0; j < width; j++) simd.vector[j] = plain.vector[j] = q.next().value!;
          // Arbitrary rows, some twice, some not at all.
          const count = rows;
          for (const k of [simd, plain]) for (let i = 0; i < count; i++) k.positions[i] = (i * 7 + 3) % rows;
          const order = Array.from(simd.positions.subarray(0, count));
          simd.run(count);
          plain.run(count);
          const expected = order.map((row) => {
            let s = 0;
            for (let j = 0; j < width; j++) s += simd.values[row * simd.stride + j]! * simd.vector[j]!;
            return s;
          });
          expect(Array.from(simd.out.subarray(0, count))).toEqual(expected);
          expect(Array.from(plain.out.subarray(0, count))).toEqual(expected);
        },
      ),
      { seed: 3, numRuns: 60 },
    );
  });
});
