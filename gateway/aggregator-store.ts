import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import type { DedupOptions, PeriodSketches } from './period-state.js';
import { PeriodState } from './period-state.js';
import { decodeHeader, decodeOutcomes, decodeSketches, decodeState, encodeState, filterBytes } from './state-file.js';

/**
 * Where the aggregator keeps what it has folded, with the offsets it has folded through: a folder shared by every
 * consumer of the group.
 *
 *   <dir>/<topic>/p<partition>/<period>.state   one period's state (state-file.ts), with the offset it covers
 *   <dir>/<topic>/p<partition>/checkpoint.json  { "nextOffset": n }: where the partition's next reader starts
 *   <dir>/<topic>/p<partition>/lock             the consumer folding the partition now
 *
 * Exactly once without Kafka transactions: every file is written whole or not at all (a temporary file, fsync, then
 * a rename), states first, then the checkpoint. A state holds the records of its period below its `nextOffset`; a
 * reader resumes at the checkpoint and skips, per period, the records a state already holds. So a consumer killed
 * between two writes recounts nothing and loses nothing, and the Kafka group's committed offsets are only a mirror
 * (for lag monitoring). The lock keeps two consumers from folding one partition at once while the group rebalances.
 */
export class AggregatorStore {
  /** A random name for this process's locks. */
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(readonly dir: string, readonly topic: string) {}

  private partitionDir(partition: number): string {
    return join(this.dir, this.topic, `p${partition}`);
  }

  private statePath(partition: number, period: string): string {
    return join(this.partitionDir(partition), `${period}.state`);
  }

  /** The partitions that have a folder. */
  async partitions(): Promise<number[]> {
    const names = await readdir(join(this.dir, this.topic)).catch(() => [] as string[]);
    return names.filter((n) => /^p\d+$/.test(n)).map((n) => Number(n.slice(1))).sort((a, b) => a - b);
  }

  /** The periods a partition holds a state for, oldest first. */
  async periods(partition: number): Promise<string[]> {
    const names = await readdir(this.partitionDir(partition)).catch(() => [] as string[]);
    return names.filter((n) => /^\d{4}-\d{2}-\d{2}\.state$/.test(n)).map((n) => n.slice(0, 10)).sort();
  }

  private async readCheckpoint(partition: number): Promise<{ nextOffset: number; position: number }> {
    const path = join(this.partitionDir(partition), 'checkpoint.json');
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) return { nextOffset: 0, position: 0 };
    const { nextOffset, position = 0 } = JSON.parse(text) as { nextOffset?: unknown; position?: unknown };
    for (const value of [nextOffset, position]) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
        throw createError(ERROR_CODES.INVALID_DATA, { subject: path, requirement: 'must be { "nextOffset": n } (and "position" for the file sink)', got: value });
      }
    }
    return { nextOffset: nextOffset as number, position: position as number };
  }

  /** The offset the partition's next reader starts at (0 when it was never folded). */
  async checkpoint(partition: number): Promise<number> {
    return (await this.readCheckpoint(partition)).nextOffset;
  }

  /** The file sink only: the byte position in the file that goes with the checkpoint. */
  async position(partition: number): Promise<number> {
    return (await this.readCheckpoint(partition)).position;
  }

  async writeCheckpoint(partition: number, nextOffset: number, position?: number): Promise<void> {
    await writeAtomically(join(this.partitionDir(partition), 'checkpoint.json'), `${JSON.stringify(position === undefined ? { nextOffset } : { nextOffset, position })}\n`);
  }

  async writeState(partition: number, state: PeriodState): Promise<void> {
    await writeAtomically(this.statePath(partition, state.period), encodeState(state, this.topic, partition));
  }

  async deleteState(partition: number, period: string): Promise<void> {
    await rm(this.statePath(partition, period), { force: true });
  }

  /** Every period state of a partition, to go on folding it. The filters' size must match `dedup`. */
  async loadStates(partition: number, dedup: DedupOptions): Promise<PeriodState[]> {
    const states: PeriodState[] = [];
    for (const period of await this.periods(partition)) {
      const path = this.statePath(partition, period);
      const { state } = decodeState(await readFile(path), path);
      if (state.seen.bits !== dedup.bits || state.seen.hashes !== dedup.hashes) {
        throw createError(ERROR_CODES.INVALID_DATA, { subject: path, requirement: `has a duplicate filter of ${state.seen.bits} bits and ${state.seen.hashes} hashes, not the configured ${dedup.bits} and ${dedup.hashes}`, fix: 'keep the dedup settings a state folder was made with' });
      }
      states.push(state);
    }
    return states;
  }

  /** A period's sketches and duplicates only (not its filter), for the priors. Null when the partition has none. */
  async readSketches(partition: number, period: string): Promise<PeriodSketches | null> {
    const path = this.statePath(partition, period);
    const handle = await open(path, 'r').catch(() => undefined);
    if (!handle) return null;
    try {
      const head = Buffer.alloc(12);
      await handle.read(head, 0, 12, 0);
      const headerBytes = Buffer.alloc(12 + head.readUInt32LE(8));
      await handle.read(headerBytes, 0, headerBytes.length, 0);
      const { header, dataStart } = decodeHeader(headerBytes, path);
      const start = dataStart + filterBytes(header);
      const size = (await handle.stat()).size - start;
      const bytes = Buffer.alloc(Math.max(0, size));
      await handle.read(bytes, 0, bytes.length, start);
      const filled = header.filter.inserted / header.filter.bits;
      return {
        period,
        duplicates: header.duplicates,
        // The expected fill after `inserted` ids, without reading the filter itself.
        falseDropRate: (1 - Math.exp(-header.filter.hashes * filled)) ** header.filter.hashes,
        sketches: decodeSketches(header, bytes, 0, path),
        outcomes: decodeOutcomes(header, bytes, 0, path),
      };
    } finally {
      await handle.close();
    }
  }

  private lockPath(partition: number): string {
    return join(this.partitionDir(partition), 'lock');
  }

  /**
   * Takes the partition's lock for this process; false while another live consumer holds it. A lock is taken over when
   * its holder is gone: a process of this host that no longer runs, or any holder that has not refreshed it for
   * `leaseMs` (consumers on other hosts).
   */
  async lock(partition: number, leaseMs: number): Promise<boolean> {
    const path = this.lockPath(partition);
    await mkdir(this.partitionDir(partition), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.writeFile(JSON.stringify({ owner: this.owner, host: hostname(), pid: process.pid }));
        await handle.close();
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const held = await readLock(path);
      if (held?.owner === this.owner) return true;
      const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => Infinity);
      // An unreadable lock is being written by its taker (or was torn by a crash): gone after a second.
      const gone = age > leaseMs || (held === undefined ? age > 1000 : held.host === hostname() && !processRuns(held.pid));
      if (!gone) return false;
      await unlink(path).catch(() => undefined);
    }
    return false;
  }

  /** Whether this process still holds the partition's lock (checked before every write). */
  async holds(partition: number): Promise<boolean> {
    return (await readLock(this.lockPath(partition)))?.owner === this.owner;
  }

  /** Refreshes the lock's time (the lease), if this process holds it. */
  async refresh(partition: number): Promise<void> {
    if (await this.holds(partition)) {
      const now = new Date();
      await utimes(this.lockPath(partition), now, now).catch(() => undefined);
    }
  }

  async unlock(partition: number): Promise<void> {
    if (await this.holds(partition)) await unlink(this.lockPath(partition)).catch(() => undefined);
  }
}

async function readLock(path: string): Promise<{ owner: string; host: string; pid: number } | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as { owner: string; host: string; pid: number };
  } catch {
    return undefined;
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes a file whole or not at all: a temporary file in the same folder, fsync, rename over the target. */
export async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
}
