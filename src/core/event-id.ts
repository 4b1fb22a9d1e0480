/**
 * Event ids are UUIDv7 (RFC 9562): 48 bits of milliseconds, a 12-bit counter, 62 random bits. Sorted as strings they
 * sort by time, and within one tab by creation order even inside one millisecond, so the event log needs no separate
 * time index: its primary key is its order.
 */
let lastMs = -1;
let counter = 0;
/** The same for explicit past timestamps (imports), so a run of them at one millisecond keeps its order too. */
let pastMs = -1;
let pastCounter = 0;

function randomBytes(n: number): Uint8Array {
  const bytes = new Uint8Array(n);
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (c?.getRandomValues) c.getRandomValues(bytes);
  else for (let i = 0; i < n; i++) bytes[i] = Math.floor(Math.random() * 256);
  return bytes;
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function newEventId(ts: number): string {
  let ms = Math.floor(ts);
  let seq: number;
  if (ms < lastMs) {
    pastCounter = ms === pastMs ? Math.min(pastCounter + 1, 0xfff) : 0;
    pastMs = ms;
    seq = pastCounter;
  } else if (ms === lastMs) {
    counter++;
    if (counter > 0xfff) {
      // 4,096 ids in one millisecond: borrow the next millisecond so order still holds.
      lastMs = ms = lastMs + 1;
      counter = 0;
    }
    seq = counter;
  } else {
    lastMs = ms;
    seq = counter = 0;
  }
  const r = randomBytes(8);
  const b = new Uint8Array(16);
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (seq >> 8);
  b[7] = seq & 0xff;
  b[8] = 0x80 | ((r[0] ?? 0) & 0x3f);
  for (let i = 9; i < 16; i++) b[i] = r[i - 8] ?? 0;
  let s = '';
  for (let i = 0; i < 16; i++) {
    s += HEX[b[i] ?? 0];
    if (i === 3 || i === 5 || i === 7 || i === 9) s += '-';
  }
  return s;
}

/** The smallest event id for events at or after `ts`: a key-range bound for "older than". */
export function eventIdLowerBound(ts: number): string {
  let ms = Math.max(0, Math.floor(ts));
  let hex = '';
  for (let i = 0; i < 6; i++) {
    hex = (HEX[ms % 256] ?? '00') + hex;
    ms = Math.floor(ms / 256);
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}
