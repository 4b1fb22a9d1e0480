import { describe, expect, it } from 'vitest';
import { measurePoisoning } from '../../../bench/poisoning.js';
import type { PeriodSketches } from '../../../gateway/period-state.js';
import { itemKey, olhParams, olhPerturb, OlhSketch, seededRandom, utcDay } from '../../../src/core/ldp/index.js';

/**
 * Poisoning with tokens required, end to end on a small store (the bench runs the same code on every Games shopper):
 * the real gateway and issuer, attackers getting tokens as browsers do, the aggregator's fold and publication rule.
 */
const NOW = Date.UTC(2026, 10, 27, 12);

function honestDay(items: string[], reports: number): PeriodSketches[] {
  const params = olhParams(2);
  const random = seededRandom(11);
  const sketch = new OlhSketch(params);
  for (let i = 0; i < reports; i++) {
    const { seed, value } = olhPerturb(itemKey(items[Math.floor(random() * items.length)]!), params, random);
    sketch.add(seed, value);
  }
  return [{ period: utcDay(NOW), duplicates: 0, falseDropRate: 0, sketches: [{ kind: 'item', sketch }] }];
}

describe('poisoning with Privacy Pass tokens required', () => {
  it('refuses other ε, other periods and unpaid reports; T tokens move no count by more than T reports; publishing an unviewed item takes the senders the threshold says', async () => {
    const items = Array.from({ length: 300 }, (_, i) => `sku-${i}`);
    const figures = await measurePoisoning({ items, queries: [], honest: honestDay(items, 600), now: NOW, tokensPerSender: 8, byTokens: [1, 8, 24] });
    expect(figures.refused).toEqual({
      'another ε (0.1)': 422,
      'period 2000-01-01': 422,
      'period the day after tomorrow': 422,
      'no token': 401,
      'a forged token': 401,
      'token 9 of one sender in a day': 429,
      'a token spent on another report': 409,
    });
    for (const t of figures.by_tokens) {
      expect(t.accepted).toBe(t.tokens);
      expect(t.within_bound).toBe(true);
      // Every crafted report supports the target fully: its estimate moves by exactly T reports' worth.
      expect(t.max_change_any_estimate).toBeCloseTo(t.bound, 2);
    }
    // The rule's threshold (with the attacker's reports in the noise), less the item's honest estimate, divided by what
    // one paid report adds, is exactly what it takes; and each sender brings its day's tokens, no more.
    const { predicted, from_honest_threshold, measured } = figures.reports_to_publish_unviewed_item;
    expect(measured).toBe(predicted);
    expect(from_honest_threshold).toBeLessThanOrEqual(measured);
    expect(figures.senders_to_publish_unviewed_item).toMatchObject({ predicted: Math.ceil(predicted / 8), measured: Math.ceil(measured / 8) });
    expect(figures.senders_to_publish_unviewed_item.measured).toBeGreaterThan(1);
  }, 180_000);
});
