import { describe, expect, it } from 'vitest';
import { privacyStatus } from '../../src/core/privacy-status.js';

const policy = { epsilonPerReport: 5.44, epsilonPerDay: 10.88 };
const shuffled = { mode: 'shuffled' as const, localEpsilon: { item: 5.44, pair: 5.44, query: 5.44 }, reportsPerPeriod: 2, localEpsilonPerPeriod: 10.88, centralEpsilon: 1.994, delta: 1e-6, fewestReports: 15438, bound: 'FMT21', mustNotCollude: ['relay', 'gateway'] };

describe('privacy(): what protects the shopper, in figures and words', () => {
  it('nothing is sent without sync or after opting out', () => {
    expect(privacyStatus({ sync: null, policy: null, optedOut: false, bundle: null })).toMatchObject({ mode: 'off', localEpsilon: null, centralEpsilon: null });
    expect(privacyStatus({ sync: { relayUrl: 'https://relay.example' }, policy, optedOut: true, bundle: null }).summary).toBe('You opted out: nothing leaves this browser.');
  });

  it('without a relay the guarantee is the local ε alone, and the summary says so', () => {
    const s = privacyStatus({ sync: {}, policy: { epsilonPerReport: 2, epsilonPerDay: 4 }, optedOut: false, bundle: { generated: '2026-11-27', privacy: shuffled } });
    expect(s).toMatchObject({ mode: 'local', localEpsilon: { perReport: 2, perDay: 4 }, centralEpsilon: null, mustNotCollude: [], relay: null });
    expect(s.summary).toContain('that local ε is the whole guarantee');
  });

  it('with a relay and a bundle that states it: the central ε, δ and who must not collude', () => {
    const s = privacyStatus({ sync: { relayUrl: 'https://relay.example' }, policy, optedOut: false, bundle: { generated: '2026-11-27', privacy: shuffled } });
    expect(s).toMatchObject({ mode: 'shuffled', centralEpsilon: 1.994, delta: 1e-6, mustNotCollude: ['relay', 'gateway'], relay: 'https://relay.example', source: { bundleGenerated: '2026-11-27', fewestReports: 15438 } });
    expect(s.summary).toContain('ε = 1.99 (δ = 0.000001)');
    expect(s.summary).toContain('as long as the relay and the gateway do not work together');
  });

  it('with a relay but a bundle in local mode (or none yet): no central figure is claimed', () => {
    expect(privacyStatus({ sync: { relayUrl: 'https://relay.example' }, policy, optedOut: false, bundle: null })).toMatchObject({ mode: 'local', centralEpsilon: null, relay: 'https://relay.example' });
    expect(privacyStatus({ sync: { relayUrl: 'https://relay.example' }, policy, optedOut: false, bundle: { generated: '2026-11-27', privacy: { ...shuffled, mode: 'local', centralEpsilon: null, delta: null } } }).centralEpsilon).toBeNull();
  });
});
