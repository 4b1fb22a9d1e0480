import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { outcomeDomain, outcomeValue, OUTCOME_LEVELS } from '../../../src/core/experiment-outcome.js';
import type { Experiment } from '../../../src/core/experiments.js';
import { grrParams, grrPerturb, itemKey, olhParams, olhPerturb, seededRandom, utcDay } from '../../../src/core/ldp/index.js';
import { aggregateSite } from '../../../gateway/aggregate-site.js';
import { resolveGatewayConfig, type GatewayConfig } from '../../../gateway/config.js';

export const ADMIN_KEY = 'admin-key-for-tests-0123456789';
export const SIM_EXPERIMENT: Experiment = { id: 'reco-v1', arms: [{ name: 'baseline', weight: 1, recommender: 'baseline' }, { name: 'model', weight: 1 }] };
const DAY = 86_400_000;

/**
 * A site that ran `days` days: shoppers' reports as the file sink holds them (outcome reports of two arms, the
 * model's with twice the click-through, and item reports at ε 6 so that some trending items publish), folded by
 * `edgereco-gateway aggregate` into `dir` (priors.json, estimates.json). Returns the site's config.
 */
export async function simulateSite(dir: string, nowMs: number, days = 4, shoppersPerDay = 2500): Promise<GatewayConfig> {
  const random = seededRandom(11);
  const items = Array.from({ length: 30 }, (_, i) => `sku-${i}`);
  const olh = olhParams(6);
  const d = outcomeDomain(SIM_EXPERIMENT);
  const grr = grrParams(2, d);
  const lines: string[] = [];
  let n = 0;
  const push = (report: object) => lines.push(JSON.stringify({ topic: 'edgereco-reports', partition: 0, offset: n, site: 'shop', value: { ...report, id: `sim-report-${String(n++).padStart(10, '0')}` } }));
  for (let day = days; day >= 1; day--) {
    const period = utcDay(nowMs - day * DAY);
    for (let s = 0; s < shoppersPerDay; s++) {
      const arm = random() < 0.5 ? 0 : 1;
      const u = random();
      const ctr = arm === 0 ? 0.06 : 0.12;
      const level = u < 0.15 ? OUTCOME_LEVELS.notExposed : u < 0.15 + 0.85 * (1 - ctr) ? OUTCOME_LEVELS.exposed : random() < 0.5 ? OUTCOME_LEVELS.engaged : random() < 0.5 ? OUTCOME_LEVELS.carted : OUTCOME_LEVELS.purchased + 1;
      push({ v: 2, period, kind: 'outcome', eps: 2, mech: 'grr', exp: SIM_EXPERIMENT.id, d, y: grrPerturb(outcomeValue(SIM_EXPERIMENT, arm, level), grr, random) });
      const item = items[Math.min(items.length - 1, Math.floor(-Math.log(1 - random()) * 4))]!;
      const { seed, value } = olhPerturb(itemKey(item), olh, random);
      push({ v: 2, period, kind: 'item', eps: 6, mech: 'olh', g: olh.g, seed, y: value });
    }
  }
  writeFileSync(join(dir, 'reports.jsonl'), `${lines.join('\n')}\n`);
  writeFileSync(join(dir, 'catalog.json'), JSON.stringify(items.map((id) => ({ id }))));
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: 'pk_test_site_1', origins: ['https://shop.example'] }],
    sink: { kind: 'file', path: join(dir, 'reports.jsonl') },
    privacy: { epsilon: { item: 6, pair: 6, query: 6, outcome: 2 } },
    adminKey: ADMIN_KEY,
    aggregate: { catalog: join(dir, 'catalog.json'), out: join(dir, 'priors.json'), stateDir: join(dir, 'state'), experiments: [SIM_EXPERIMENT] },
  });
  await aggregateSite(config, () => nowMs);
  return config;
}
