/**
 * The tokens of one key epoch already redeemed, with the report each was redeemed for: an open-addressing table of
 * 64-bit fingerprints, 16 bytes a slot, filled to at most 3/4 and doubled when fuller, holding at most `capacity`
 * entries (bounded memory per key epoch: 128 MiB at most at the default capacity of 4,194,304 tokens). Each entry is the token's
 * nonce (its first 8 bytes: 32 random bytes the browser chose, never seen by the issuer) and a fingerprint of the
 * report it paid for, so the same report sent again with its token (a retry, or the page's beacon followed by the
 * next page's send) is told apart from a second report paid with the same token.
 */
export type SpendCheck = 'new' | 'replay' | 'spent';

const INITIAL_SLOTS = 1 << 12;

export class SpentTokens {
  /** Four Uint32 per slot: nonce high, nonce low, report high, report low. A nonce of 0:0 marks an empty slot. */
  private table: Uint32Array;
  private slots: number;
  size = 0;

  constructor(readonly capacity: number) {
    this.slots = INITIAL_SLOTS;
    this.table = new Uint32Array(this.slots * 4);
  }

  /** Whether another entry fits. */
  get full(): boolean {
    return this.size >= this.capacity;
  }

  private find(hi: number, lo: number): number {
    const mask = this.slots - 1;
    // The nonce is random: its low bits spread the slots evenly (an attacker choosing nonces only crowds its own).
    for (let i = (lo ^ hi) & mask; ; i = (i + 1) & mask) {
      const h = this.table[i * 4]!;
      const l = this.table[i * 4 + 1]!;
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return i;
    }
  }

  /** What redeeming `nonce` for the report `report` would be: new, the same report again, or a second report. */
  check(nonce: Fingerprint, report: Fingerprint): SpendCheck {
    const [hi, lo] = key(nonce);
    const i = this.find(hi, lo);
    if (this.table[i * 4] === 0 && this.table[i * 4 + 1] === 0) return 'new';
    return this.table[i * 4 + 2] === report[0] && this.table[i * 4 + 3] === report[1] ? 'replay' : 'spent';
  }

  /** Records `nonce` as spent on `report` (a no-op for a replay). False when the table is full. */
  add(nonce: Fingerprint, report: Fingerprint): boolean {
    const [hi, lo] = key(nonce);
    let i = this.find(hi, lo);
    if (this.table[i * 4] !== 0 || this.table[i * 4 + 1] !== 0) return true;
    if (this.full) return false;
    if ((this.size + 1) * 4 > this.slots * 3) {
      this.grow();
      i = this.find(hi, lo);
    }
    this.table.set([hi, lo, report[0], report[1]], i * 4);
    this.size += 1;
    return true;
  }

  private grow(): void {
    const old = this.table;
    const oldSlots = this.slots;
    this.slots *= 2;
    this.table = new Uint32Array(this.slots * 4);
    for (let s = 0; s < oldSlots; s++) {
      const hi = old[s * 4]!;
      const lo = old[s * 4 + 1]!;
      if (hi === 0 && lo === 0) continue;
      this.table.set(old.subarray(s * 4, s * 4 + 4), this.find(hi, lo) * 4);
    }
  }
}

/** A 64-bit fingerprint as two Uint32 (high, low). */
export type Fingerprint = readonly [number, number];

/** The first 8 bytes of `bytes` as a fingerprint. */
export function fingerprint(bytes: Uint8Array): Fingerprint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return [view.getUint32(0), view.getUint32(4)];
}

function key(nonce: Fingerprint): [number, number] {
  // 0:0 marks an empty slot; the one nonce that fingerprints to it shares 0:1's entry (2^-64 apart).
  return nonce[0] === 0 && nonce[1] === 0 ? [0, 1] : [nonce[0], nonce[1]];
}
