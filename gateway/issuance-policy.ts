import { createHmac, randomBytes } from 'node:crypto';

/**
 * How many Privacy Pass tokens the issuer gives one client per UTC day. A client is known only at issuance, and only
 * by what the store chose: a random session cookie the issuer set, and/or the connection's IP address. Both are
 * counted in memory, under a keyed hash whose key is random and replaced every UTC day (so yesterday's counts cannot
 * be matched with today's, nor with an address), and never written anywhere. Tokens carry neither: redemption cannot
 * be linked to issuance (that is the protocol's property), so these counts are the only place a client is known.
 */
export interface IssuancePolicy {
  /** Tokens per session cookie per UTC day; 0: sessions are not counted. Default 4 (two days of the SDK's 2 reports). */
  perSessionPerDay: number;
  /** Tokens per IP address per UTC day; 0: addresses are not counted. Default 32 (households and offices share one). */
  perIpPerDay: number;
  /** Most clients (sessions and addresses together) counted in one day; more are refused until the next. Default 1,000,000. */
  maxClientsPerDay: number;
}

export const DEFAULT_ISSUANCE_POLICY: IssuancePolicy = { perSessionPerDay: 4, perIpPerDay: 32, maxClientsPerDay: 1_000_000 };

/** Who asks, as the issuer sees it at issuance time. */
export interface IssuanceClient {
  session?: string | undefined;
  ip?: string | undefined;
}

export type IssuanceDecision =
  | { ok: true; granted: number }
  | { ok: false; reason: 'session' | 'ip' | 'clients' | 'unknown-client'; retryAfterMs: number };

const DAY_MS = 86_400_000;

/**
 * The per-client daily counts of a {@link IssuancePolicy}. `take` grants up to `wanted` tokens, as many as both of the
 * client's counts still allow; the day's window is the UTC day of `nowMs` (all counts and the hash key are replaced
 * at UTC midnight). Memory: one entry per client seen today, at most `maxClientsPerDay`.
 */
export class IssuanceCounter {
  private day = -1;
  private key: Buffer = randomBytes(32);
  private readonly counts = new Map<string, number>();

  constructor(readonly policy: IssuancePolicy, private readonly newKey: () => Buffer = () => randomBytes(32)) {}

  private roll(nowMs: number): void {
    const day = Math.floor(nowMs / DAY_MS);
    if (day === this.day) return;
    this.day = day;
    this.key = this.newKey();
    this.counts.clear();
  }

  private id(kind: 's' | 'i', value: string): string {
    return createHmac('sha256', this.key).update(`${kind}:${value}`).digest('base64url').slice(0, 22);
  }

  /** Clients counted today (for tests and the bench). */
  get clients(): number {
    return this.counts.size;
  }

  /** Grants up to `wanted` tokens to `client` now, or says why none and when the next UTC day starts. */
  take(client: IssuanceClient, wanted: number, nowMs: number): IssuanceDecision {
    this.roll(nowMs);
    const retryAfterMs = (this.day + 1) * DAY_MS - nowMs;
    const limits: { id: string; limit: number; reason: 'session' | 'ip' }[] = [];
    if (this.policy.perSessionPerDay > 0 && client.session) limits.push({ id: this.id('s', client.session), limit: this.policy.perSessionPerDay, reason: 'session' });
    if (this.policy.perIpPerDay > 0 && client.ip) limits.push({ id: this.id('i', client.ip), limit: this.policy.perIpPerDay, reason: 'ip' });
    if (limits.length === 0) return { ok: false, reason: 'unknown-client', retryAfterMs };
    const fresh = limits.filter((l) => !this.counts.has(l.id)).length;
    if (this.counts.size + fresh > this.policy.maxClientsPerDay) return { ok: false, reason: 'clients', retryAfterMs };
    let granted = Math.max(0, Math.floor(wanted));
    let reason: 'session' | 'ip' = 'session';
    for (const l of limits) {
      const left = l.limit - (this.counts.get(l.id) ?? 0);
      if (left < granted) {
        granted = Math.max(0, left);
        reason = l.reason;
      }
    }
    if (granted === 0) return { ok: false, reason, retryAfterMs };
    for (const l of limits) this.counts.set(l.id, (this.counts.get(l.id) ?? 0) + granted);
    return { ok: true, granted };
  }
}
