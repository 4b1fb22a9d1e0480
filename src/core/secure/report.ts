import { Prio3SumVec } from '@divviup/prio3';
import { Buffer } from 'buffer';
import { toBase64url } from '../base64url.js';
import { concat, ohttpSuite } from '../ohttp/encapsulation.js';
import type { KeyConfig } from '../ohttp/key-config.js';
import type { SealedShare, SecureReport, SecureTask } from './report-schema.js';

export type { SealedShare, SecureReport, SecureTask } from './report-schema.js';
export { canonicalSecureReport, checkSecureReport, isSecureReport } from './report-schema.js';

/**
 * Two-server secure aggregation (issue 16, "a private mode with signal"): a browser's contribution for one period is a
 * 0/1 vector over the task's domain (the items it viewed, at most `maxItems`), split by Prio3SumVec (draft-irtf-cfrg-vdaf,
 * `@divviup/prio3`: the sharding, the proof that every entry is 0 or 1, and its verification are the library's) into
 * two input shares, each sealed with HPKE (RFC 9180, `@hpke/core`) to one aggregator's public key: the leader, which
 * receives the report, and the helper, run by another party, which only ever sees its own share. Neither share alone
 * says anything about the vector; only the sum over all reports of a period is revealed, with each aggregator's
 * discrete Gaussian noise on it (gateway/secure-aggregation.ts). This file is the part a browser runs.
 */

/** Prio3SumVec over `length` entries of one bit, with the chunk length the VDAF draft recommends (about √length). */
export function secureVdaf(length: number): Prio3SumVec {
  return new Prio3SumVec({ shares: 2, length, chunkLength: Math.max(1, Math.round(Math.sqrt(length))), bits: 1 });
}

const text = new TextEncoder();

/** HPKE's info for aggregator `role` (0: leader, 1: helper): a share sealed for one cannot be opened as the other's. */
export function shareInfo(role: 0 | 1): Uint8Array {
  return concat(text.encode('edgereco secure share v1'), Uint8Array.of(0, role));
}

/** HPKE's associated data: the task, the period, the nonce and the public share, so a share cannot be moved to another report. */
export function shareAad(taskId: string, period: string, nonce: Uint8Array, publicShare: Uint8Array): Uint8Array {
  return concat(text.encode(`${taskId}|${period}|`), nonce, publicShare);
}

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  globalThis.crypto.getRandomValues(out);
  return out;
}

async function seal(key: KeyConfig, role: 0 | 1, plaintext: Uint8Array, aad: Uint8Array): Promise<SealedShare> {
  const suite = ohttpSuite();
  const recipientPublicKey = await suite.kem.deserializePublicKey(key.publicKey);
  const sender = await suite.createSenderContext({ recipientPublicKey, info: shareInfo(role) });
  const ct = new Uint8Array(await sender.seal(plaintext, aad));
  return { keyId: key.keyId, enc: toBase64url(new Uint8Array(sender.enc)), ct: toBase64url(ct) };
}

/**
 * The report of one browser for `period`: entries `items` (indices into the task's domain; duplicates count once; more
 * than `maxItems` or one outside the domain is a RangeError, never silently cut) set to 1, the rest 0.
 */
export async function buildSecureReport(task: SecureTask, period: string, items: readonly number[]): Promise<SecureReport> {
  const distinct = [...new Set(items)];
  if (distinct.length > task.maxItems) throw new RangeError(`edgereco: a secure report holds at most ${task.maxItems} items (got ${distinct.length}); send the shopper's latest ${task.maxItems}`);
  const measurement = new Array<number>(task.length).fill(0);
  for (const i of distinct) {
    if (!Number.isInteger(i) || i < 0 || i >= task.length) throw new RangeError(`edgereco: item index ${i} is outside the task's domain of ${task.length} items`);
    measurement[i] = 1;
  }
  const vdaf = secureVdaf(task.length);
  const nonce = randomBytes(vdaf.nonceSize);
  const { publicShare, inputShares } = await vdaf.shard(measurement, Buffer.from(nonce), Buffer.from(randomBytes(vdaf.randSize)));
  const pub = new Uint8Array(vdaf.encodePublicShare(publicShare));
  const aad = shareAad(task.taskId, period, nonce, pub);
  const [leader, helper] = await Promise.all([
    seal(task.leaderKey, 0, new Uint8Array(vdaf.encodeInputShare(inputShares[0]!)), aad),
    seal(task.helperKey, 1, new Uint8Array(vdaf.encodeInputShare(inputShares[1]!)), aad),
  ]);
  return { v: 1, task: task.taskId, period, nonce: toBase64url(nonce), publicShare: toBase64url(pub), leaderShare: leader, helperShare: helper };
}
