import type { PriorsPrivacy, SecureSourceSummary } from './priors.js';

/**
 * What protects this shopper, as `privacy()` and `exportData()` report it: what the browser sends with which ε
 * (local), and, when reports go through an Oblivious HTTP relay and the store's priors bundle states it, the central
 * (ε, δ) of what the store's aggregator saw, with who must not collude for it to hold.
 */
export interface PrivacyStatus {
  /**
   * `off`: nothing is sent (no `syncUrl`, or the shopper opted out). `local`: reports go straight to the store's
   * gateway; the guarantee is the local ε alone. `shuffled`: reports go through a relay, and the store's bundle states
   * the central ε below.
   */
  mode: 'off' | 'local' | 'shuffled';
  /** ε of one report and of a day's reports, as this browser spends it; null when nothing is sent. */
  localEpsilon: { perReport: number; perDay: number } | null;
  /** Central ε per shopper and period from the store's priors bundle (mode `shuffled` only), else null. */
  centralEpsilon: number | null;
  delta: number | null;
  /** Who must not collude for the central figure to hold (the relay and the gateway). */
  mustNotCollude: string[];
  /** The relay the reports go through, or null. */
  relay: string | null;
  /** Where the central figure comes from: the bundle's date and the fewest reports a report hid among. */
  source: { bundleGenerated: string; fewestReports: number; bound: string } | null;
  /**
   * The secure mode, when this browser takes part (the store's bundle names a secure task and sync is on): once a day
   * the items it viewed, split between two servers, only their sum over many shoppers revealed with noise; its
   * central (ε, δ) per shopper and day against either server, and who must not collude. Null otherwise.
   */
  secure: {
    centralEpsilon: number;
    delta: number;
    maxItems: number;
    mustNotCollude: string[];
    /** With the other reports of the day (their central ε, else their local ε per day), added up. */
    withOtherReports: { epsilon: number; delta: number };
  } | null;
  /** The same in plain words, for a "your data" page. */
  summary: string;
}

export interface PrivacyInputs {
  sync: { relayUrl?: string | undefined } | null;
  policy: { epsilonPerReport: number; epsilonPerDay: number } | null;
  optedOut: boolean;
  bundle: { generated: string; privacy?: PriorsPrivacy | undefined; sources?: { secure?: SecureSourceSummary | undefined } | undefined } | null;
  /** Whether this browser sends secure reports (the bundle names a task and sync is on). */
  secure?: boolean;
}

const fmt = (x: number) => String(Math.round(x * 100) / 100);

/** The shopper's privacy status from the sync settings and the store's priors bundle. Pure. */
export function privacyStatus(inputs: PrivacyInputs): PrivacyStatus {
  const status = baseStatus(inputs);
  const s = inputs.bundle?.sources?.secure;
  if (status.mode === 'off' || !inputs.secure || !s) return status;
  // Both kinds of report cover the same day: their figures add up (basic composition).
  const other = status.centralEpsilon ?? status.localEpsilon!.perDay;
  const together = { epsilon: other + s.centralEpsilon, delta: (status.delta ?? 0) + s.delta };
  const secure = { centralEpsilon: s.centralEpsilon, delta: s.delta, maxItems: s.maxItems, mustNotCollude: s.mustNotCollude, withOtherReports: together };
  const words = ` Once a day this browser also sends the products you viewed that day (at most ${s.maxItems}) split into two halves that mean nothing alone, one for each of two servers run by different organizations; only the day's total over many shoppers is revealed, with noise: ε = ${fmt(s.centralEpsilon)} (δ = ${s.delta}) per day even against either server, as long as the ${s.mustNotCollude.join(' and the ')} do not work together. Both kinds of report together: at most ε = ${fmt(together.epsilon)} (δ = ${together.delta}) per day.`;
  return { ...status, secure, summary: status.summary + words };
}

function baseStatus({ sync, policy, optedOut, bundle }: PrivacyInputs): PrivacyStatus {
  if (!sync || !policy || optedOut) {
    return { mode: 'off', localEpsilon: null, centralEpsilon: null, delta: null, mustNotCollude: [], relay: null, source: null, secure: null, summary: optedOut ? 'You opted out: nothing leaves this browser.' : 'This store does not collect reports: nothing leaves this browser.' };
  }
  const localEpsilon = { perReport: policy.epsilonPerReport, perDay: policy.epsilonPerDay };
  const local = `Each report is scrambled on this device with local differential privacy (ε = ${fmt(policy.epsilonPerReport)} per report, at most ${fmt(policy.epsilonPerDay)} per day).`;
  const relay = sync.relayUrl ?? null;
  const p = bundle?.privacy;
  if (!relay) {
    return { mode: 'local', localEpsilon, centralEpsilon: null, delta: null, mustNotCollude: [], relay: null, source: null, secure: null, summary: `${local} Reports go straight to the store's server, which sees your address: that local ε is the whole guarantee.` };
  }
  if (!p || p.mode !== 'shuffled' || p.centralEpsilon === null || p.delta === null) {
    return {
      mode: 'local', localEpsilon, centralEpsilon: null, delta: null, mustNotCollude: [], relay, source: null, secure: null,
      summary: `${local} Reports go through a relay, so the store does not see your address; the store has not published a central figure yet, so the local ε is the guarantee stated.`,
    };
  }
  return {
    mode: 'shuffled', localEpsilon, centralEpsilon: p.centralEpsilon, delta: p.delta, mustNotCollude: p.mustNotCollude, relay,
    source: { bundleGenerated: bundle!.generated, fewestReports: p.fewestReports ?? 0, bound: p.bound ?? '' },
    secure: null,
    summary: `${local} Reports go through a relay run by another party: it sees your address but not the reports, and the store sees the reports but not who sent them, each hidden among at least ${p.fewestReports} others of the day. What the store saw of your day is covered by ε = ${fmt(p.centralEpsilon)} (δ = ${p.delta}), as long as the ${p.mustNotCollude.join(' and the ')} do not work together; if they did, the local ε above would still hold.`,
  };
}
