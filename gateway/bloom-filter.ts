import { fmix32 } from '../src/core/ldp/item-key.js';
/**
 * A Bloom filter of report ids: the aggregator's bounded-memory duplicate check, one per partition and period. A
 * resent report (the same random id) always hits; a new report hits by chance with probability ≈ fill^hashes (a
 * "false drop": one genuine report not counted, which costs a sample and biases nothing, since ids are random).
 * Its size is fixed, whatever the number of reports: 2^23 bits (1 MiB) and 7 hashes keep false drops under 10⁻⁴ up to
 * about 400,000 reports per partition and day (`falseDropRate()` says what it is).
 */
export class BloomFilter {
  readonly words: Uint32Array;
  /** Ids added (a hit is not added again). */
  inserted = 0;
  private readonly mask: number;

  /** `bits` must be a power of two from 2^10 to 2^31. */
  constructor(readonly bits: number, readonly hashes: number, words?: Uint32Array) {
    if (!Number.isInteger(Math.log2(bits)) || bits < 1024 || bits > 2 ** 31) throw new RangeError(`edgereco: a Bloom filter's size must be a power of two from 2^10 to 2^31 bits (got ${bits})`);
    if (!Number.isInteger(hashes) || hashes < 1 || hashes > 16) throw new RangeError(`edgereco: a Bloom filter needs 1 to 16 hashes (got ${hashes})`);
    if (words && words.length !== bits / 32) throw new RangeError(`edgereco: a Bloom filter of ${bits} bits has ${bits / 32} words (got ${words.length})`);
    this.words = words ?? new Uint32Array(bits / 32);
    this.mask = (bits - 1) >>> 0;
  }

  /**
   * Adds an id; true when it was (probably) there already. Two 32-bit hashes of the id's UTF-16 code units (FNV-1a and
   * a multiply-rotate hash, each finished with murmur3's mixer), combined by double hashing.
   */
  testAndAdd(id: string): boolean {
    let a = 0x811c9dc5;
    let b = 0x9747b28c;
    for (let i = 0; i < id.length; i++) {
      const c = id.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = fmix32(a);
    b = fmix32(b) | 1;
    let present = true;
    const words = this.words;
    for (let i = 0; i < this.hashes; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((words[word]! & flag) === 0) {
        present = false;
        words[word] = words[word]! | flag;
      }
    }
    if (!present) this.inserted += 1;
    return present;
  }

  /** The probability that a new id hits by chance now: (set bits / bits)^hashes. */
  falseDropRate(): number {
    let set = 0;
    for (const word of this.words) {
      let v = word - ((word >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      set += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    return (set / this.bits) ** this.hashes;
  }
}
