import { open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import { SpentTokens, type Fingerprint } from './spent-tokens.js';

/**
 * The spent tokens of each redeemable key epoch, in memory (spent-tokens.ts) and in an append-only file per epoch
 * (`spent-<epoch>.bin` in the key folder), so that a restarted gateway still refuses a token spent before: the file
 * is "ERSPENT1" and 16 bytes per token (nonce and report fingerprints, big-endian), appended and fsynced before the
 * reports are written to the sink. A record cut short by a crash is ignored. Epochs older than the redeemable ones
 * are forgotten and their files deleted: their tokens are refused anyway, since their key is gone.
 *
 * The file holds no time, no address and no report: only random nonces and report hashes.
 */
const MAGIC = Buffer.from('ERSPENT1', 'latin1');
const RECORD = 16;

export interface SpendEntry {
  epoch: number;
  nonce: Fingerprint;
  report: Fingerprint;
}

export class TokenLedger {
  private readonly tables = new Map<number, SpentTokens>();
  private readonly files = new Map<number, Promise<FileHandle>>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly dir: string, readonly capacity: number) {}

  /** Loads the spent tokens of `epochs` from `dir` (the folder must exist). */
  static async open(dir: string, capacity: number, epochs: readonly number[]): Promise<TokenLedger> {
    const ledger = new TokenLedger(dir, capacity);
    for (const epoch of epochs) await ledger.load(epoch);
    return ledger;
  }

  private path(epoch: number): string {
    return join(this.dir, `spent-${epoch}.bin`);
  }

  private async load(epoch: number): Promise<void> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path(epoch));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    if (bytes.length < MAGIC.length || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
      throw createError(ERROR_CODES.INVALID_DATA, { subject: `the spent-token list ${this.path(epoch)}`, requirement: 'is not an edgereco spent-token list (version 1)', fix: 'restore it, or move it away (its tokens could then be spent once more)' });
    }
    const table = this.table(epoch);
    for (let at = MAGIC.length; at + RECORD <= bytes.length; at += RECORD) {
      table.add([bytes.readUInt32BE(at), bytes.readUInt32BE(at + 4)], [bytes.readUInt32BE(at + 8), bytes.readUInt32BE(at + 12)]);
    }
  }

  /** The spent tokens of `epoch` (an empty table for a new epoch). */
  table(epoch: number): SpentTokens {
    let table = this.tables.get(epoch);
    if (!table) this.tables.set(epoch, (table = new SpentTokens(this.capacity)));
    return table;
  }

  /** Tokens recorded in `epoch`. */
  spent(epoch: number): number {
    return this.tables.get(epoch)?.size ?? 0;
  }

  /**
   * Records the entries in memory at once (the caller checked they are new or replays, with no await in between) and
   * resolves once they are in the files, fsynced. False, and nothing recorded, when an epoch's table is full.
   */
  async record(entries: readonly SpendEntry[]): Promise<boolean> {
    const fresh = entries.filter((e) => this.table(e.epoch).check(e.nonce, e.report) === 'new');
    const needed = new Map<number, number>();
    for (const e of fresh) needed.set(e.epoch, (needed.get(e.epoch) ?? 0) + 1);
    for (const [epoch, n] of needed) if (this.table(epoch).size + n > this.capacity) return false;
    for (const e of fresh) this.table(e.epoch).add(e.nonce, e.report);
    if (fresh.length === 0) return true;
    const byEpoch = new Map<number, Buffer[]>();
    for (const e of fresh) {
      const record = Buffer.alloc(RECORD);
      record.writeUInt32BE(e.nonce[0], 0);
      record.writeUInt32BE(e.nonce[1], 4);
      record.writeUInt32BE(e.report[0], 8);
      record.writeUInt32BE(e.report[1], 12);
      byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), record]);
    }
    const write = this.writing.then(async () => {
      for (const [epoch, records] of byEpoch) {
        const file = await this.file(epoch);
        await file.write(Buffer.concat(records));
        await file.datasync();
      }
    });
    this.writing = write.catch(() => undefined);
    await write;
    return true;
  }

  private file(epoch: number): Promise<FileHandle> {
    let file = this.files.get(epoch);
    if (!file) {
      file = (async () => {
        const handle = await open(this.path(epoch), 'a');
        if ((await handle.stat()).size === 0) await handle.write(MAGIC);
        return handle;
      })();
      this.files.set(epoch, file);
      file.catch(() => this.files.delete(epoch));
    }
    return file;
  }

  /** Forgets the epochs before `oldest` and deletes their files. */
  async retire(oldest: number): Promise<void> {
    await this.writing;
    for (const epoch of [...this.tables.keys()]) if (epoch < oldest) this.tables.delete(epoch);
    for (const [epoch, file] of [...this.files]) {
      if (epoch >= oldest) continue;
      this.files.delete(epoch);
      await (await file).close().catch(() => undefined);
    }
    for (const name of await readdir(this.dir)) {
      const m = /^spent-(\d+)\.bin$/.exec(name);
      if (m && Number(m[1]) < oldest) await unlink(join(this.dir, name)).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.writing;
    for (const file of this.files.values()) await (await file).close().catch(() => undefined);
    this.files.clear();
  }
}
