import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssuanceCounter } from '../../../gateway/issuance-policy.js';
import { resolveTokensConfig } from '../../../gateway/tokens-config.js';

const NOON = Date.UTC(2026, 10, 27, 12);
const DAY = 86_400_000;

describe('issuance policy: tokens per client per UTC day, counted in memory only', () => {
  it('gives a session its tokens for the day, then refuses until the next UTC day', () => {
    const counter = new IssuanceCounter({ perSessionPerDay: 4, perIpPerDay: 0, maxClientsPerDay: 10 });
    expect(counter.take({ session: 's1' }, 3, NOON)).toEqual({ ok: true, granted: 3 });
    expect(counter.take({ session: 's1' }, 3, NOON)).toEqual({ ok: true, granted: 1 });
    expect(counter.take({ session: 's1' }, 1, NOON + 1000)).toEqual({ ok: false, reason: 'session', retryAfterMs: 12 * 3600_000 - 1000 });
    expect(counter.take({ session: 's2' }, 1, NOON)).toEqual({ ok: true, granted: 1 });
    expect(counter.take({ session: 's1' }, 2, NOON + DAY / 2)).toEqual({ ok: true, granted: 2 });
  });

  it('with both counts, a client gets what both still allow: many sessions on one address share its tokens', () => {
    const counter = new IssuanceCounter({ perSessionPerDay: 4, perIpPerDay: 6, maxClientsPerDay: 100 });
    const granted = ['a', 'b', 'c'].map((session) => counter.take({ session, ip: '203.0.113.7' }, 4, NOON));
    expect(granted).toEqual([{ ok: true, granted: 4 }, { ok: true, granted: 2 }, { ok: false, reason: 'ip', retryAfterMs: 12 * 3600_000 }]);
    expect(counter.take({ session: 'd', ip: '198.51.100.1' }, 4, NOON)).toEqual({ ok: true, granted: 4 });
  });

  it('refuses a client it cannot tell apart, and new clients past maxClientsPerDay', () => {
    const counter = new IssuanceCounter({ perSessionPerDay: 0, perIpPerDay: 2, maxClientsPerDay: 2 });
    expect(counter.take({ session: 'only-a-session' }, 1, NOON)).toMatchObject({ ok: false, reason: 'unknown-client' });
    expect(counter.take({ ip: '1' }, 1, NOON).ok).toBe(true);
    expect(counter.take({ ip: '2' }, 1, NOON).ok).toBe(true);
    expect(counter.take({ ip: '3' }, 1, NOON)).toMatchObject({ ok: false, reason: 'clients' });
    expect(counter.take({ ip: '1' }, 1, NOON)).toEqual({ ok: true, granted: 1 });
    expect(counter.take({ ip: '3' }, 1, NOON + DAY)).toEqual({ ok: true, granted: 1 });
    expect(counter.clients).toBe(1);
  });

  it('never grants a client more than its daily limit, whatever it asks (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 47 })), { maxLength: 60 }), (asks) => {
        const counter = new IssuanceCounter({ perSessionPerDay: 5, perIpPerDay: 7, maxClientsPerDay: 1000 });
        const bySession = new Map<string, number>();
        const byIp = new Map<string, number>();
        for (const [s, wanted, hour] of [...asks].sort((a, b) => a[2] - b[2])) { // time only goes forward
          const session = `s${s}`;
          const ip = `ip${s % 2}`;
          const at = NOON - 12 * 3600_000 + hour * 3600_000; // two UTC days
          const day = Math.floor(at / DAY);
          const d = counter.take({ session, ip }, wanted, at);
          if (d.ok) {
            bySession.set(`${day}/${session}`, (bySession.get(`${day}/${session}`) ?? 0) + d.granted);
            byIp.set(`${day}/${ip}`, (byIp.get(`${day}/${ip}`) ?? 0) + d.granted);
            expect(d.granted).toBeLessThanOrEqual(wanted);
          }
        }
        for (const n of bySession.values()) expect(n).toBeLessThanOrEqual(5);
        for (const n of byIp.values()) expect(n).toBeLessThanOrEqual(7);
      }),
    );
  });

  it('keeps no address or session: only keyed hashes whose key changes every day', () => {
    const keys = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
    const counter = new IssuanceCounter({ perSessionPerDay: 1, perIpPerDay: 1, maxClientsPerDay: 10 }, () => keys.shift()!);
    counter.take({ session: 'cookie-value-123', ip: '203.0.113.9' }, 1, NOON);
    const kept = JSON.stringify([...(counter as unknown as { counts: Map<string, number> }).counts.keys()]);
    expect(kept).not.toContain('203.0.113.9');
    expect(kept).not.toContain('cookie-value-123');
    counter.take({ session: 'cookie-value-123', ip: '203.0.113.9' }, 1, NOON + DAY);
    expect(JSON.stringify([...(counter as unknown as { counts: Map<string, number> }).counts.keys()])).not.toEqual(kept);
  });
});

describe('the tokens section of site.json', () => {
  it('fills defaults and names a bad field', () => {
    expect(resolveTokensConfig({})).toMatchObject({ perSessionPerDay: 4, perIpPerDay: 32, keyDays: 7, keyDir: 'data/token-keys', clientIp: 'socket', maxSpentPerKey: 4_194_304, secureCookie: true });
    expect(() => resolveTokensConfig({ perIpPerDay: 0, perSessionPerDay: 0 })).toThrowError('config.tokens.perIpPerDay or perSessionPerDay must be above 0');
    expect(() => resolveTokensConfig({ tokensPerDay: 3 } as never)).toThrowError('config.tokens.tokensPerDay is not a tokens option');
    expect(() => resolveTokensConfig({ clientIp: 'header' } as never)).toThrowError('config.tokens.clientIp must be "socket" or "x-forwarded-for"');
  });
});
