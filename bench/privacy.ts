/**
 * Privacy utility on real data: every user of the Amazon Games data (SASRec format, one "user item" line per
 * interaction, in time order per user) is simulated as a browser that privatizes its history with local differential
 * privacy, using the SDK's own mechanisms (src/core/ldp/) end to end: client perturbation, server aggregation, unbiased
 * estimation. Seeded, so a run repeats exactly.
 *
 *   npx tsx bench/privacy.ts [--data=../shared/data/amazon/Video.txt]
 *
 * Each user's last item is held out (the "next item" a first-time visitor should be shown); the clients report only
 * the items before it, and "true frequency" is the count of those training interactions per item.
 *
 * Reporting schemes (what one client sends):
 * - `interaction`: one report per training interaction, each report one item privatized with ε. Each report is
 *   ε-LDP for its item; a user with L interactions spends L·ε in total (spread over days by the daily budget).
 * - `user`: one report per user, of one item drawn uniformly from the user's training items: ε for the user's whole
 *   history in the period (user-level), at the cost of far fewer reports.
 * Mechanism: `olh-sketch`, the SDK's OLH over a public family of hash seeds (report v2), folded in O(1) into a fixed
 * array. (Report v1's random-seed OLH and Apple's count-mean sketch were measured here too and not kept:
 * docs/experiments.md has their figures and the commit that reruns them.)
 *
 * Writes bench/results/privacy.json ({ "<ε>": { top100_recall, spearman, hr10_ldp, hr10_raw } } with `interaction`
 * reporting; `poisoning.with_tokens`: bench/poisoning.ts, with Privacy Pass tokens required) and
 * bench/results/privacy-detail.json (both schemes, the population scale-up estimate, definitions).
 */
import { GAMES_DATA } from './games-shoppers.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { itemKey, olhParams, olhPerturb, olhVariance, OlhSketch, seededRandom, type RandomSource } from '../src/core/ldp/index.js';
import { gamesPoisoning } from './poisoning.js';
import { popularityHitRate, rmse, spearmanOver, topK, topKRecall } from './privacy-metrics.js';
import {
  craftedToPublish, loadGames, measureLocal, measurePrio3, measureSecureAggregation, measureShuffled, noSignal, shuffledLocalEpsilon, shuffledScaleUp, TARGET,
} from './privacy-modes.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const EPSILONS = [1, 2, 4, 8] as const;
const MECHANISMS = ['olh-sketch'] as const;
type Mechanism = (typeof MECHANISMS)[number];
const SCHEMES = ['interaction', 'user'] as const;
type Scheme = (typeof SCHEMES)[number];
const BASE_SEED = 20_261_127;
const TARGET_RECALL = 0.7;

interface Data {
  users: number;
  items: number;
  interactions: number;
  /** Training items per user (all but the last), as 0-based item indexes. */
  train: Int32Array[];
  /** The held-out last item of every user. */
  heldOut: Int32Array;
  /** Training interactions per item: the true frequency. */
  counts: Float64Array;
}

function load(path: string): Data {
  const byUser = new Map<string, number[]>();
  let maxItem = 0;
  let interactions = 0;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [user, item] = line.trim().split(/\s+/);
    if (!user || !item) continue;
    const id = Number(item);
    maxItem = Math.max(maxItem, id);
    interactions++;
    let list = byUser.get(user);
    if (!list) byUser.set(user, (list = []));
    list.push(id - 1);
  }
  const counts = new Float64Array(maxItem);
  const train: Int32Array[] = [];
  const heldOut: number[] = [];
  for (const list of byUser.values()) {
    heldOut.push(list[list.length - 1] as number);
    const items = Int32Array.from(list.slice(0, -1));
    train.push(items);
    for (const i of items) counts[i]! += 1;
  }
  return { users: byUser.size, items: maxItem, interactions, train, heldOut: Int32Array.from(heldOut), counts };
}

/** The item each report privatizes, under a reporting scheme. */
function reportedItems(data: Data, scheme: Scheme, random: RandomSource): Int32Array {
  if (scheme === 'interaction') {
    const out: number[] = [];
    for (const items of data.train) for (const i of items) out.push(i);
    return Int32Array.from(out);
  }
  const out: number[] = [];
  for (const items of data.train) if (items.length > 0) out.push(items[Math.floor(random() * items.length)] as number);
  return Int32Array.from(out);
}

function estimate(data: Data, _mechanism: Mechanism, epsilon: number, reported: Int32Array, random: RandomSource): Float64Array {
  const params = olhParams(epsilon);
  const keys = Uint32Array.from({ length: data.items }, (_, i) => itemKey(String(i + 1)));
  const sketch = new OlhSketch(params);
  for (const item of reported) {
    const { seed, value } = olhPerturb(keys[item] as number, params, random);
    sketch.add(seed, value);
  }
  return sketch.estimates(keys);
}

interface Row {
  mechanism: Mechanism;
  scheme: Scheme;
  epsilon: number;
  reports: number;
  top100_recall: number;
  spearman: number;
  /** Root mean squared error of the count estimates over every item. */
  rmse: number;
  hr10_ldp: number;
  hr10_raw: number;
  seconds: number;
}

function gaussian(random: RandomSource): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * How many times the Games population OLH needs for top-100 recall ≥ 0.7 with `interaction` reporting. An analytic
 * approximation, not a simulation: every count is multiplied by m and perturbed with Gaussian noise of OLH's exact
 * variance over m·N reports (mean over 5 seeds).
 */
function scaleUp(data: Data, epsilon: number): { multiple: number; recall: number }[] {
  const n = data.counts.reduce((a, b) => a + b, 0);
  const params = olhParams(epsilon);
  const out: { multiple: number; recall: number }[] = [];
  for (const m of [1, 4, 16, 32, 64, 128, 256]) {
    let recall = 0;
    for (let s = 0; s < 5; s++) {
      const random = seededRandom(BASE_SEED + 7919 * m + s);
      const noisy = Float64Array.from(data.counts, (c) => m * c + Math.sqrt(olhVariance(params, m * n, m * c)) * gaussian(random));
      recall += topKRecall(data.counts, noisy, 100) / 5;
    }
    out.push({ multiple: m, recall: round(recall) });
    if (recall >= 0.95) break;
  }
  return out;
}

const round = (x: number): number => Math.round(x * 10_000) / 10_000;

/** Items per shopper and period in the secure-aggregation simulation (its contribution limit); 8 measured best. */
const SECURE_K = [1, 2, 4, 8, 16] as const;
const SECURE_HEADLINE_K = 8;

/** The private modes on one simulated period (bench/privacy-modes.ts). */
async function privateModes(path: string) {
  const games = loadGames(path);
  const n = games.histories.length;
  const epsilon0 = shuffledLocalEpsilon(n, Math.floor(n / 2), TARGET.central_epsilon, TARGET.delta);
  const local = measureLocal(games);
  const shuffled = measureShuffled(games, epsilon0);
  const cost = await measurePrio3(games.items.length, SECURE_HEADLINE_K);
  const secure = Object.fromEntries(SECURE_K.map((k) => [String(k), measureSecureAggregation(games, k, cost)]));
  const scale = shuffledScaleUp(games);
  const runs = 20;
  const modes = {
    shoppers: n,
    target: TARGET,
    local_only: { ...local, server: 'one gateway + aggregator; OLH sketch O(1) per report', must_not_collude: [] },
    shuffled: {
      ...shuffled,
      bound: 'Feldman, McMillan & Talwar FOCS 2021, Theorem 3.2 (clones), numerical; composed over the shopper\'s two reports (δ/2 each)',
      server: 'relay (forwards bytes) + gateway/aggregator as local_only; OLH sketch O(1) per report',
      must_not_collude: ['relay', 'gateway'],
      population_to_meet_target: scale,
    },
    secure_aggregation: {
      ...secure[String(SECURE_HEADLINE_K)]!,
      by_items_per_shopper: secure,
      prio3: cost,
      server: `two aggregators (leader, helper), each ${cost.server_prepare_ms} ms CPU per report to verify its proof share`,
      must_not_collude: ['leader', 'helper'],
    },
    no_signal: { runs, entries_published: noSignal(games, runs, { shuffled: epsilon0 }), by_mode: { shuffled: noSignal(games, runs, { shuffled: epsilon0 }), secure_aggregation: noSignal(games, runs, { secureK: SECURE_HEADLINE_K }) } },
    poisoning: {
      definition: 'fewest crafted reports, on top of a no-signal period, that publish an item nobody viewed',
      local_only: craftedToPublish(games, { olh: 2 }),
      shuffled: craftedToPublish(games, { olh: epsilon0 }),
      secure_aggregation: craftedToPublish(games, { secureK: SECURE_HEADLINE_K }),
    },
  };
  return modes;
}

async function main(): Promise<void> {
  const dataArg = process.argv.find((a) => a.startsWith('--data='));
  const path = dataArg ? dataArg.slice('--data='.length) : GAMES_DATA;
  const data = load(path);
  const trueTop = topK(data.counts, 100);
  const hr10Raw = popularityHitRate(data.counts, data.heldOut);
  console.error(`${data.users} users, ${data.items} items, ${data.interactions} interactions; raw-count HR@10 ${hr10Raw.toFixed(4)}`);

  const rows: Row[] = [];
  for (const scheme of SCHEMES) {
    for (const mechanism of MECHANISMS) {
      for (const epsilon of EPSILONS) {
        const started = performance.now();
        const random = seededRandom(BASE_SEED + 1000 * epsilon + 100 * SCHEMES.indexOf(scheme) + MECHANISMS.indexOf(mechanism));
        const reported = reportedItems(data, scheme, random);
        const est = estimate(data, mechanism, epsilon, reported, random);
        const row: Row = {
          mechanism, scheme, epsilon, reports: reported.length,
          top100_recall: round(topKRecall(data.counts, est, 100)),
          spearman: round(spearmanOver(trueTop, data.counts, est)),
          rmse: round(rmse(data.counts, est)),
          hr10_ldp: round(popularityHitRate(est, data.heldOut)),
          hr10_raw: round(hr10Raw),
          seconds: round((performance.now() - started) / 1000),
        };
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
  }

  // The headline: per-interaction reports.
  const chosen: Mechanism = 'olh-sketch';
  const headline: Record<string, Pick<Row, 'top100_recall' | 'spearman' | 'hr10_ldp' | 'hr10_raw'>> = {};
  for (const r of rows) {
    if (r.mechanism === chosen && r.scheme === 'interaction') {
      headline[String(r.epsilon)] = { top100_recall: r.top100_recall, spearman: r.spearman, hr10_ldp: r.hr10_ldp, hr10_raw: r.hr10_raw };
    }
  }
  const scale = Object.fromEntries(EPSILONS.map((e) => [String(e), scaleUp(data, e)]));
  const detail = {
    dataset: { path, users: data.users, items: data.items, interactions: data.interactions, trainInteractions: data.counts.reduce((a, b) => a + b, 0) },
    chosen: { mechanism: chosen, scheme: 'interaction' },
    target: { epsilon: 2, top100_recall: TARGET_RECALL, met: (headline['2']?.top100_recall ?? 0) >= TARGET_RECALL },
    definitions: {
      truth: 'training interactions per item (each user\'s last item held out)',
      top100_recall: '|estimated top 100 ∩ true top 100| / 100',
      spearman: "Spearman's rho between true and estimated counts over the true top 100 items (average ranks for ties)",
      hr10: "share of users whose held-out last item is in the top 10 of the priors (what a first-time visitor is shown); _raw: priors from exact counts",
      rmse: 'root mean squared error of the count estimates over every item (the error of each estimate, popular or not)',
      seeds: `mulberry32, base seed ${BASE_SEED}; one run per configuration`,
      mechanism: `OLH over a public family of seeds (report v2; ${olhParams(2).seeds} seeds at ε = 2), server state seeds × g counts, O(1) per report`,
      scale_up: 'Gaussian approximation with OLH\'s exact variance: counts and report numbers multiplied by `multiple`',
    },
    rows,
    olhScaleUp: scale,
  };
  const out = resolve(HERE, 'results');
  mkdirSync(out, { recursive: true });
  const modes = await privateModes(path);
  // Poisoning with Privacy Pass tokens required, through the real gateway and issuer (bench/poisoning.ts).
  const poisoning = await gamesPoisoning(path);
  console.error(JSON.stringify({ poisoning }));
  writeFileSync(resolve(out, 'privacy.json'), `${JSON.stringify({ ...headline, ...modes, poisoning: { ...modes.poisoning, with_tokens: poisoning } }, null, 2)}\n`);
  writeFileSync(resolve(out, 'privacy-detail.json'), `${JSON.stringify(detail, null, 2)}\n`);
  console.log(JSON.stringify(headline));
}

await main();
