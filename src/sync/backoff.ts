/** How retries after a failed send are spaced. */
export interface BackoffPolicy {
  /** Delay before the first retry, before jitter. Default 1,000 ms. */
  readonly baseMs: number;
  /** The delay never exceeds this. Default 300,000 ms (5 minutes). */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 300_000 };

/**
 * The delay before retry number `attempt` (0 for the first retry): exponential, `baseMs · 2^attempt` capped at
 * `maxMs`, with "equal jitter": half of it fixed, the other half uniform in [0, half). The fixed half keeps a retry
 * from coming too soon; the random half spreads the store's many browsers after a gateway outage, so they do not all
 * come back in the same second. `random` returns [0, 1).
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
