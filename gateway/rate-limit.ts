/**
 * A token bucket per publishable key (never per IP: the gateway does not look at addresses). Pure apart from the
 * clock passed in, so tests control time.
 */
export interface RateLimiter {
  /** Takes `cost` tokens for `key` if it has them; otherwise returns the ms until it will. */
  take(key: string, cost: number, nowMs: number): { ok: true } | { ok: false; retryAfterMs: number };
}

export function createRateLimiter(limitOf: (key: string) => { ratePerSecond: number; burst: number }): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, cost, nowMs) {
      const { ratePerSecond, burst } = limitOf(key);
      const bucket = buckets.get(key) ?? { tokens: burst, at: nowMs };
      bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * ratePerSecond);
      bucket.at = nowMs;
      buckets.set(key, bucket);
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return { ok: true };
      }
      return { ok: false, retryAfterMs: Math.ceil(((cost - bucket.tokens) / ratePerSecond) * 1000) };
    },
  };
}
