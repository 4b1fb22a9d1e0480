import type { BehaviourEvent } from '../core/events.js';
import { AGGREGATE_REPORT_VERSION, type OlhWireReport, type ReportKind } from '../core/ldp/aggregate-report.js';
import { itemKey, pairKey, queryKey } from '../core/ldp/item-key.js';
import { olhParams, olhPerturb } from '../core/ldp/olh.js';
import { budgetStateAt, spendBudget, utcDay, type PrivacyBudgetPolicy, type PrivacyBudgetState } from '../core/ldp/privacy-budget.js';
import { randomUint32, type RandomSource } from '../core/ldp/random-source.js';
import type { OutboxCommit, OutboxState } from '../storage/idb-outbox.js';
import { outcomeDraft, outcomeReport, type OutcomeSource } from './outcome-draft.js';

/** The values of one period the shopper could report, per kind, as OLH keys (duplicates removed). */
export interface PeriodValues {
  item: number[];
  pair: number[];
  query: number[];
}

/** What building needs besides the events; `random` must be a CSPRNG outside tests, `newId` random too. */
export interface BuildContext {
  nowMs: number;
  policy: PrivacyBudgetPolicy;
  random: RandomSource;
  newId: () => string;
  /**
   * Report today so far (`syncNow()`), instead of the latest finished day. Today is then reported once, like any
   * period: events tracked later today are never reported, so a day's data never gets more than a day's budget.
   */
  today?: boolean;
  /**
   * Each report needs a Privacy Pass token (`syncTokens`): each takes one of the held tokens (`state.tokens`), and a
   * period is built only when at least one is held (otherwise it waits for a later pass, which may hold some).
   */
  tokens?: boolean;
  /** Each report gets a `notBefore` drawn uniformly from [now, now + sendWithinMs) (with a relay: one day). Default 0. */
  sendWithinMs?: number;
  /**
   * The experiments the shopper is in: each reported period then starts with one outcome report (outcome-draft.ts),
   * within the same day budget. Absent: no experiment.
   */
  outcomes?: OutcomeSource | null;
}

/** The distinct items, bought-together pairs and queries among `events` (any period; filter first). */
export function periodValues(events: readonly BehaviourEvent[]): PeriodValues {
  const items = new Set<number>();
  const pairs = new Set<number>();
  const queries = new Set<number>();
  for (const event of events) {
    switch (event.type) {
      case 'view':
      case 'click':
      case 'add_to_cart':
        items.add(itemKey(event.itemId));
        break;
      case 'purchase': {
        const ids = [...new Set(event.lines.map((line) => line.itemId))].sort();
        for (const id of ids) items.add(itemKey(id));
        for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) pairs.add(pairKey(ids[i]!, ids[j]!));
        break;
      }
      case 'search':
        queries.add(queryKey(event.query));
        break;
      default:
        break; // impressions and cart removals say nothing the shopper chose
    }
  }
  return { item: [...items], pair: [...pairs], query: [...queries] };
}

/**
 * The latest finished period (UTC day before today) with events, after the last one reported; older unreported
 * periods are skipped for good (reporting them too would spend more than a day's budget at once).
 */
export function nextPeriod(events: readonly BehaviourEvent[], nowMs: number, reportedThrough: string | undefined, includeToday = false): string | null {
  const today = utcDay(nowMs);
  let best: string | null = null;
  for (const event of events) {
    const day = utcDay(event.ts);
    if ((day < today || (includeToday && day === today)) && (reportedThrough === undefined || day > reportedThrough) && (best === null || day > best)) best = day;
  }
  return best;
}

/**
 * The kinds of a period's reports, in order. The first report is always an item (popularity matters most); every
 * later one is a pair or a query, chosen by a fair coin, NOT by what the shopper did: otherwise the mere presence of
 * a `pair` report would tell that the shopper bought two things together. A shopper without a value of the drawn
 * kind reports a random key, which supports any candidate with the same probability as another shopper's report, so
 * the aggregator's estimates stay unbiased.
 */
function reportKinds(count: number, random: RandomSource): ReportKind[] {
  const kinds: ReportKind[] = [];
  for (let i = 0; i < count; i++) kinds.push(i === 0 ? 'item' : random() < 0.5 ? 'pair' : 'query');
  return kinds;
}

/**
 * Builds the reports of the next finished period, within today's privacy budget: as many as the budget allows
 * (`epsilonPerDay / epsilonPerReport`, 2 by default), each one value privatized with OLH at `epsilonPerReport` (report v2: a seed from the public family).
 * Returns what to write to the outbox, or null when there is nothing to report or no budget left today. Pure apart
 * from `ctx.random` and `ctx.newId`; runs inside the outbox transaction.
 */
export function buildReports(events: readonly BehaviourEvent[], state: OutboxState, ctx: BuildContext): OutboxCommit | null {
  const period = ctx.today ? (nextPeriod(events, ctx.nowMs, state.reportedThrough, true) === utcDay(ctx.nowMs) ? utcDay(ctx.nowMs) : null) : nextPeriod(events, ctx.nowMs, state.reportedThrough);
  if (period === null) return null;
  const values = periodValues(events.filter((e) => utcDay(e.ts) === period));
  const draft = ctx.outcomes ? outcomeDraft(events, period, ctx.outcomes, ctx.random) : null;
  if (values.item.length === 0 && draft === null) {
    if (ctx.today) return null; // nothing to report yet today; the day stays open
    // Only impressions or removals that day: nothing to report, and nothing spent.
    return { records: [], budget: budgetStateAt(state.budget, ctx.nowMs), reportedThrough: period };
  }
  const params = olhParams(ctx.policy.epsilonPerReport);
  const held = ctx.tokens ? [...(state.tokens ?? [])] : undefined;
  // With tokens, no more reports than tokens held: a report without its token would only be refused.
  const slots = Math.min(Math.floor(ctx.policy.epsilonPerDay / ctx.policy.epsilonPerReport + 1e-9), held?.length ?? Infinity);
  if (slots === 0) return null;
  let budget: PrivacyBudgetState | undefined = state.budget;
  const records: OutboxCommit['records'] = [];
  // Every report, outcome or not, pays with one token and leaves at its own random time (with a relay).
  const record = (id: string, report: OutboxCommit['records'][number]['report']): OutboxCommit['records'][number] => {
    const token = held?.shift()?.token;
    const delay = ctx.sendWithinMs ? Math.floor(ctx.random() * ctx.sendWithinMs) : 0;
    return { id, period, attempts: 0, report, ...(token !== undefined ? { token } : {}), ...(delay > 0 ? { notBefore: ctx.nowMs + delay } : {}) };
  };
  // An experiment's outcome goes first: a missing outcome would bias the experiment, a missing item report does not.
  const first = draft ? spendBudget(ctx.policy, budget, ctx.nowMs) : null;
  if (draft && first?.ok) {
    budget = first.state;
    const id = ctx.newId();
    records.push(record(id, outcomeReport(draft, period, ctx.policy.epsilonPerReport, ctx.random, id)));
  }
  // A day with impressions only reports its outcome alone.
  for (const kind of values.item.length === 0 ? [] : reportKinds(slots - records.length, ctx.random)) {
    const spend = spendBudget(ctx.policy, budget, ctx.nowMs);
    if (!spend.ok) break;
    budget = spend.state;
    const pool = values[kind];
    const key = pool.length > 0 ? pool[Math.min(pool.length - 1, Math.floor(ctx.random() * pool.length))]! : randomUint32(ctx.random);
    const { seed, value } = olhPerturb(key, params, ctx.random);
    const id = ctx.newId();
    const report: OlhWireReport = { v: AGGREGATE_REPORT_VERSION, id, period, kind, eps: params.epsilon, mech: 'olh', g: params.g, seed, y: value };
    records.push(record(id, report));
  }
  if (records.length === 0 || budget === undefined) return null; // today's budget is spent: try again tomorrow
  return held ? { records, budget, reportedThrough: period, tokens: held } : { records, budget, reportedThrough: period };
}
