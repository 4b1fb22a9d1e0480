import { listAttributionTime } from '../core/attribution-id.js';
import type { BehaviourEvent } from '../core/events.js';
import { OUTCOME_LEVELS, revenueLevel } from '../core/experiment-outcome.js';
import { DEFAULT_ATTRIBUTION_HOURS, type Experiment } from '../core/experiments.js';
import type { RandomSource } from '../core/ldp/random-source.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * A shopper's outcome level for one period (UTC day) of an experiment they were enrolled in at `since` (ms), from the
 * local log alone (see OUTCOME_LEVELS): only events from `since` on count, and only lists made from `since` on.
 *
 * - exposed: an `impression` that day carrying an edgereco list's attribution id;
 * - engaged: a `click`, `add_to_cart` or `purchase` that day carrying one, at most `attributionHours` after the list
 *   was made;
 * - added to cart: such an `add_to_cart`, or an `add_to_cart` of an item the shopper engaged with through a list
 *   within the window before;
 * - bought: a `purchase` that day carrying a list's id (every line counts), or with lines of items engaged with through a
 *   list within the window before (those lines count); revenue = Σ price × quantity of the lines that count, then
 *   rounded at random to the experiment's revenue buckets.
 *
 * Returns null when the shopper did nothing that day from `since` on (enrolled later that day): no outcome then.
 * `random` is the device's CSPRNG (the revenue rounding).
 */
export function periodOutcome(events: readonly BehaviourEvent[], period: string, experiment: Experiment, since: number, random: RandomSource): number | null {
  const dayStart = Date.parse(`${period}T00:00:00Z`);
  const dayEnd = dayStart + DAY_MS;
  const from = Math.max(dayStart, since);
  if (from >= dayEnd) return null;
  const windowMs = (experiment.attributionHours ?? DEFAULT_ATTRIBUTION_HOURS) * HOUR_MS;
  const window = events.filter((e) => e.ts >= since && e.ts < dayEnd).sort((a, b) => a.ts - b.ts);
  /** The list an event is attributed to, when it carries a list's id made since enrolment, at most windowMs before. */
  const attributed = (e: BehaviourEvent): boolean => {
    const made = listAttributionTime(e.attributionId);
    return made !== null && made >= since && e.ts - made <= windowMs;
  };
  /** When the shopper last engaged with each item through a list (click or add to cart). */
  const engagedAt = new Map<string, number>();
  const credited = (itemId: string, ts: number): boolean => {
    const at = engagedAt.get(itemId);
    return at !== undefined && ts - at <= windowMs;
  };
  let active = false;
  let exposed = false;
  let engaged = false;
  let carted = false;
  let purchased = false;
  let revenue = 0;
  for (const e of window) {
    const today = e.ts >= from;
    active ||= today;
    const direct = e.type !== 'impression' && attributed(e);
    if (e.type === 'impression') {
      const made = listAttributionTime(e.attributionId);
      if (today && made !== null && made >= since) exposed = true;
    } else if (e.type === 'click' || e.type === 'add_to_cart') {
      const viaList = direct || (e.type === 'add_to_cart' && credited(e.itemId, e.ts));
      if (direct) engagedAt.set(e.itemId, e.ts);
      if (today && viaList) {
        engaged = true;
        if (e.type === 'add_to_cart') carted = true;
      }
    } else if (e.type === 'purchase' && today) {
      const lines = direct ? e.lines : e.lines.filter((l) => credited(l.itemId, e.ts));
      if (lines.length > 0) {
        engaged = purchased = true;
        for (const l of lines) revenue += l.price * l.quantity;
      }
    }
  }
  if (!active) return null;
  if (purchased) return revenueLevel(experiment, revenue, random);
  if (carted) return OUTCOME_LEVELS.carted;
  if (engaged) return OUTCOME_LEVELS.engaged;
  return exposed ? OUTCOME_LEVELS.exposed : OUTCOME_LEVELS.notExposed;
}
