import { REPORT_KINDS, type ReportKind } from '../src/core/ldp/aggregate-report.js';
import { olhParams } from '../src/core/ldp/olh.js';
import { OlhSketch } from '../src/core/ldp/olh-sketch.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import { BloomFilter } from './bloom-filter.js';
import { OutcomeTally } from './outcome-tally.js';
import { PeriodState, type KindSketch } from './period-state.js';

/**
 * The file of one partition's state for one period (aggregator-store.ts writes it atomically):
 *
 *   "ERSTATE\n" · uint32 LE header length · header JSON (padded to 4 bytes) · Bloom filter words · each sketch's counts
 *   · each experiment outcome tally's counts (version 2)
 *
 * Arrays are little-endian Uint32 (every platform Node runs on). The header says what follows; a file whose length
 * disagrees with its header is refused. Version 1 (no outcome tallies) is still read.
 */
export const STATE_FILE_VERSION = 2;
const MAGIC = Buffer.from('ERSTATE\n', 'latin1');

export interface StateFileHeader {
  format: 'edgereco-aggregator-state';
  version: typeof STATE_FILE_VERSION;
  topic: string;
  partition: number;
  period: string;
  nextOffset: number;
  duplicates: number;
  filter: { bits: number; hashes: number; inserted: number };
  sketches: { kind: ReportKind; epsilon: number; g: number; seeds: number; reports: number }[];
  /** Version 2: experiment outcome tallies (outcome-tally.ts), after the sketches. */
  outcomes?: { experiment: string; epsilon: number; d: number; reports: number }[];
}

export function encodeState(state: PeriodState, topic: string, partition: number): Buffer {
  const sketches = [...state.sketches.values()];
  const outcomes = [...state.outcomes.values()];
  const header: StateFileHeader = {
    format: 'edgereco-aggregator-state',
    version: STATE_FILE_VERSION,
    topic,
    partition,
    period: state.period,
    nextOffset: state.nextOffset,
    duplicates: state.duplicates,
    filter: { bits: state.seen.bits, hashes: state.seen.hashes, inserted: state.seen.inserted },
    sketches: sketches.map(({ kind, sketch }) => ({ kind, epsilon: sketch.params.epsilon, g: sketch.params.g, seeds: sketch.params.seeds, reports: sketch.reports })),
    outcomes: outcomes.map((t) => ({ experiment: t.experiment, epsilon: t.epsilon, d: t.d, reports: t.reports })),
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  if (json.length % 4 !== 0) json = Buffer.concat([json, Buffer.alloc(4 - (json.length % 4), 0x20)]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  const view = (a: Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return Buffer.concat([MAGIC, length, json, view(state.seen.words), ...sketches.map(({ sketch }) => view(sketch.counts)), ...outcomes.map((t) => view(t.counts))]);
}

function bad(path: string, problem: string): Error {
  return createError(ERROR_CODES.INVALID_DATA, { subject: `the aggregator state ${path}`, requirement: problem, fix: 'it was not written by this aggregator, or was damaged; move the state folder away to recount from the topic' });
}

/** Reads the header; `bytes` must hold at least its first 12 + header-length bytes. */
export function decodeHeader(bytes: Buffer, path: string): { header: StateFileHeader; dataStart: number } {
  if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) throw bad(path, 'is not an edgereco aggregator state');
  const length = bytes.readUInt32LE(8);
  if (bytes.length < 12 + length) throw bad(path, 'is cut short');
  const header = JSON.parse(bytes.subarray(12, 12 + length).toString('utf8')) as StateFileHeader;
  if (header.format !== 'edgereco-aggregator-state' || (header.version !== STATE_FILE_VERSION && header.version !== 1)) throw bad(path, `has version ${header.version} (this aggregator reads 1 and ${STATE_FILE_VERSION})`);
  for (const t of header.outcomes ?? []) {
    if (!Number.isInteger(t.d) || t.d < 2 || t.d > 64 || typeof t.experiment !== 'string') throw bad(path, `has an outcome tally of ${t.d} values for ${t.experiment}`);
  }
  for (const s of header.sketches) {
    if (!REPORT_KINDS.includes(s.kind)) throw bad(path, `has a sketch of unknown kind ${s.kind}`);
    const params = olhParams(s.epsilon);
    if (params.g !== s.g || params.seeds !== s.seeds) throw bad(path, `has a sketch at ε = ${s.epsilon} with ${s.seeds} seeds × ${s.g} buckets (this aggregator uses ${params.seeds} × ${params.g})`);
  }
  return { header, dataStart: 12 + length };
}

/** The bytes of the Bloom filter (after the header). */
export function filterBytes(header: StateFileHeader): number {
  return header.filter.bits / 8;
}

/** Each sketch's counts, read from `bytes` starting at `start`. */
export function decodeSketches(header: StateFileHeader, bytes: Buffer, start: number, path: string): KindSketch[] {
  let at = start;
  return header.sketches.map((s) => {
    const size = s.seeds * s.g * 4;
    if (bytes.length < at + size) throw bad(path, 'is cut short');
    const counts = new Uint32Array(s.seeds * s.g);
    Buffer.from(counts.buffer).set(bytes.subarray(at, at + size));
    at += size;
    const sketch = new OlhSketch(olhParams(s.epsilon), counts);
    sketch.reports = s.reports;
    return { kind: s.kind, sketch };
  });
}

/** The bytes of the sketches' counts. */
function sketchBytes(header: StateFileHeader): number {
  return header.sketches.reduce((n, s) => n + s.seeds * s.g * 4, 0);
}

/** Each outcome tally, read from `bytes` starting at `start` (right after the sketches). */
export function decodeOutcomes(header: StateFileHeader, bytes: Buffer, start: number, path: string): OutcomeTally[] {
  let at = start + sketchBytes(header);
  return (header.outcomes ?? []).map((t) => {
    if (bytes.length < at + t.d * 4) throw bad(path, 'is cut short');
    const counts = new Uint32Array(t.d);
    Buffer.from(counts.buffer).set(bytes.subarray(at, at + t.d * 4));
    at += t.d * 4;
    const tally = new OutcomeTally(t.experiment, t.epsilon, t.d, counts);
    tally.reports = t.reports;
    return tally;
  });
}

export function decodeState(bytes: Buffer, path: string): { state: PeriodState; header: StateFileHeader } {
  const { header, dataStart } = decodeHeader(bytes, path);
  const expected = dataStart + filterBytes(header) + sketchBytes(header) + (header.outcomes ?? []).reduce((n, t) => n + t.d * 4, 0);
  if (bytes.length !== expected) throw bad(path, `has ${bytes.length} bytes where its header says ${expected}`);
  const words = new Uint32Array(header.filter.bits / 32);
  Buffer.from(words.buffer).set(bytes.subarray(dataStart, dataStart + filterBytes(header)));
  const filter = new BloomFilter(header.filter.bits, header.filter.hashes, words);
  filter.inserted = header.filter.inserted;
  const state = new PeriodState(header.period, filter);
  state.duplicates = header.duplicates;
  state.nextOffset = header.nextOffset;
  for (const entry of decodeSketches(header, bytes, dataStart + filterBytes(header), path)) state.sketches.set(`${entry.kind}@${entry.sketch.params.epsilon}`, entry);
  for (const tally of decodeOutcomes(header, bytes, dataStart + filterBytes(header), path)) state.outcomes.set(OutcomeTally.key(tally.experiment, tally.epsilon, tally.d), tally);
  return { state, header };
}
