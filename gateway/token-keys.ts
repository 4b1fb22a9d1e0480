import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { privateVerif } from '@cloudflare/privacypass-ts';
import { createError, ERROR_CODES } from '../src/core/errors.js';

/** One issuer key (Privacy Pass token type 0x0001, VOPRF(P-384, SHA-384)) and the epoch it issues for. */
export interface TokenKey {
  /** `floor(UTC day number / keyDays)`. */
  epoch: number;
  privateKey: Uint8Array;
  /** The serialized public key (a compressed P-384 point): the directory's `token-key`. */
  publicKey: Uint8Array;
  /** SHA-256 of the public key, hex: the token's `token_key_id` (RFC 9578 §5). */
  id: string;
  /** When the key starts issuing, in seconds since the epoch (the directory's `not-before`). */
  notBefore: number;
}

const DAY_MS = 86_400_000;

/** The key epoch of a time: keys rotate every `keyDays` UTC days. */
export function keyEpoch(nowMs: number, keyDays: number): number {
  return Math.floor(Math.floor(nowMs / DAY_MS) / keyDays);
}

function keyOf(epoch: number, keyDays: number, privateKey: Uint8Array, publicKey: Uint8Array): TokenKey {
  return { epoch, privateKey, publicKey, id: createHash('sha256').update(publicKey).digest('hex'), notBefore: (epoch * keyDays * DAY_MS) / 1000 };
}

/**
 * The issuer's keys, one per epoch of `keyDays` UTC days, kept in `dir` (`key-<epoch>.json`, mode 0600: the private
 * keys are the issuer's secret; back the folder up with the gateway's other secrets). The current epoch's key issues;
 * tokens of the current and the previous epoch are redeemed, so a token obtained the day before a rotation still
 * counts. Older keys are deleted: their tokens can no longer be redeemed, and their spent-token lists can go.
 *
 * Every instance that shares `dir` uses the same key: the first to need an epoch's key creates its file exclusively,
 * the others read it. The same key for every shopper is what keeps redemption unlinkable to issuance (RFC 9576 §6.2,
 * key consistency): the directory is public, and anyone can check that it names one key per epoch.
 */
export class TokenKeys {
  private readonly keys = new Map<number, TokenKey>();
  private readonly creating = new Map<number, Promise<TokenKey>>();

  private constructor(private readonly dir: string, readonly keyDays: number) {}

  /** Opens the folder (created when missing) and loads the keys of the epochs now redeemable. */
  static async open(dir: string, keyDays: number, nowMs: number): Promise<TokenKeys> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const keys = new TokenKeys(dir, keyDays);
    const epoch = keyEpoch(nowMs, keyDays);
    await keys.load(epoch - 1);
    await keys.current(nowMs);
    await keys.retire(nowMs);
    return keys;
  }

  private file(epoch: number): string {
    return join(this.dir, `key-${epoch}.json`);
  }

  private async load(epoch: number): Promise<TokenKey | undefined> {
    let text: string;
    try {
      text = await readFile(this.file(epoch), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: { epoch?: unknown; tokenType?: unknown; privateKey?: unknown; publicKey?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      parsed = {};
    }
    if (parsed.epoch !== epoch || parsed.tokenType !== 1 || typeof parsed.privateKey !== 'string' || typeof parsed.publicKey !== 'string') {
      throw createError(ERROR_CODES.INVALID_DATA, { subject: `the token key ${this.file(epoch)}`, requirement: 'is not an edgereco issuer key of this epoch', fix: 'restore it from a backup, or delete it (tokens issued with it are then refused)' });
    }
    const key = keyOf(epoch, this.keyDays, Buffer.from(parsed.privateKey, 'hex'), Buffer.from(parsed.publicKey, 'hex'));
    this.keys.set(epoch, key);
    return key;
  }

  /** Writes a new key for `epoch` unless another instance did first; either way, the key in the file. */
  private async create(epoch: number): Promise<TokenKey> {
    const { privateKey, publicKey } = await privateVerif.keyGen();
    const body = `${JSON.stringify({ epoch, tokenType: 1, privateKey: Buffer.from(privateKey).toString('hex'), publicKey: Buffer.from(publicKey).toString('hex') })}\n`;
    try {
      const handle = await open(this.file(epoch), 'wx', 0o600);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const key = await this.load(epoch);
    if (!key) throw createError(ERROR_CODES.INTERNAL, { problem: `the token key ${this.file(epoch)} vanished right after it was written`, next: 'check the gateway\'s tokens.keyDir' });
    return key;
  }

  /** The key that issues now (created on first use in its epoch). */
  current(nowMs: number): Promise<TokenKey> {
    const epoch = keyEpoch(nowMs, this.keyDays);
    const known = this.keys.get(epoch);
    if (known) return Promise.resolve(known);
    let pending = this.creating.get(epoch);
    if (!pending) {
      pending = this.load(epoch).then((key) => key ?? this.create(epoch));
      this.creating.set(epoch, pending);
      pending.finally(() => this.creating.delete(epoch)).catch(() => undefined);
    }
    return pending;
  }

  /** The keys whose tokens are redeemed now: the current epoch's and the previous one's (when it had a key). */
  redeemable(nowMs: number): TokenKey[] {
    const epoch = keyEpoch(nowMs, this.keyDays);
    return [this.keys.get(epoch), this.keys.get(epoch - 1)].filter((k): k is TokenKey => k !== undefined);
  }

  /** The redeemable key with this `token_key_id` (hex), if any. */
  byId(id: string, nowMs: number): TokenKey | undefined {
    return this.redeemable(nowMs).find((k) => k.id === id);
  }

  /** Forgets and deletes the keys older than the previous epoch; returns the epochs retired. */
  async retire(nowMs: number): Promise<number[]> {
    const oldest = keyEpoch(nowMs, this.keyDays) - 1;
    const retired: number[] = [];
    for (const epoch of this.keys.keys()) if (epoch < oldest) this.keys.delete(epoch);
    for (const name of await readdir(this.dir)) {
      const m = /^key-(\d+)\.json$/.exec(name);
      if (m && Number(m[1]) < oldest) {
        await unlink(join(this.dir, name)).catch(() => undefined);
        retired.push(Number(m[1]));
      }
    }
    return retired;
  }
}
