/**
 * Experiments on real behaviour: every Amazon Games shopper with a held-out item (leave-one-out's own rule) is a client
 * whose browser draws its arm with the SDK's own draw (50/50), is shown the arm's top 10 and "clicks" when their
 * held-out next item is among them. Arm A shows the popularity baseline, arm B the committed `models/games` bundle
 * scored by the worker's own code (`historyState`, the co-occurrence memory; the evaluation CLI's `bundleScorer`),
 * so each arm's true click-through is known. Each client's day then goes through the SDK's outcome path
 * (`outcomeDraft` on the day's impression and click events, `outcomeReport`: randomized response at ε), the reports
 * through the gateway's fold (`ReportAggregator`: schema, the site's ε, duplicates) and into the estimates
 * (`buildEstimates`). Seeded: a run repeats exactly. Run r draws the arms from one stream and the devices' noise from
 * another (stream-random.ts: AES-CTR, since mulberry32 measurably biased randomized response), seeds mixed from r.
 *
 *   npx tsx bench/experiments.ts [--data=../shared/data/amazon/Video.txt] [--runs=100]
 *
 * Writes bench/results/experiments.json: the true and estimated rates and lift, the 95% interval's half-width at the
 * default ε (and at ε = 1, 4, 8), its coverage of the true lift over the seeded runs, the shoppers per arm needed to
 * detect a lift of the measured size with and without privacy, and the measured spread of the lift estimate under
 * three mechanisms at the same ε (randomized response over arm × level, the shipped one; OLH over the same values;
 * randomized response per bit), which is how the mechanism was chosen.
 */
import { GAMES_DATA } from './games-shoppers.js';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newListAttributionId } from '../src/core/attribution-id.js';
import type { BehaviourEvent } from '../src/core/events.js';
import { outcomeDomain } from '../src/core/experiment-outcome.js';
import { pickArm, type Experiment } from '../src/core/experiments.js';
import { grrParams, itemKey, olhParams, olhPerturb, OlhSketch, utcDay, type RandomSource } from '../src/core/ldp/index.js';
import { mixSeed } from '../src/core/seeded-random.js';
import { Z95 } from '../src/core/outcome-estimate.js';
import { outcomeDraft, outcomeReport } from '../src/sync/outcome-draft.js';
import { ReportAggregator } from '../gateway/aggregator.js';
import { resolveReportPolicy } from '../gateway/report-policy.js';
import { readBundle } from '../models/cli/bundle-files.js';
import { bundleScorer } from '../models/cli/evaluate.js';
import { historyAndTarget, leaveOneOut } from '../models/cli/evaluation/leave-one-out.js';
import { popularityScorer } from '../models/cli/evaluation/popularity-baseline.js';
import { rankFull } from '../models/cli/evaluation/ranking-metrics.js';
import { readEvents } from '../models/cli/read-events.js';
import { useBackend } from '../models/cli/wasm-backend.js';
import { streamRandom } from './stream-random.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const args = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const DATA = args.data ?? GAMES_DATA;
const MODEL = 'models/games';
const RUNS = Number(args.runs ?? 100);
/** More runs of the same kind, for the interval's calibration beyond what 100 runs can tell (±2.2 covered at 95%). */
const CALIBRATION_RUNS = Number(args.calibration ?? 1000);
const BASE_SEED = 20_261_201;
const DEFAULT_EPSILON = 2;
const OTHER_EPSILONS = [1, 4, 8];
const K = 10;
const NOW = Date.UTC(2026, 11, 2, 12);
const PERIOD = utcDay(NOW - 86_400_000);
const LIST_AT = Date.parse(`${PERIOD}T10:00:00Z`);
/** The experiment the simulated store runs: arm A the popularity baseline (the control), arm B the model. */
const EXPERIMENT: Experiment = { id: 'games-model-vs-popularity', arms: [{ name: 'popularity', weight: 1, recommender: 'baseline' }, { name: 'model', weight: 1, recommender: 'model' }] };

interface Hits {
  key: string;
  users: number;
  popularity: Uint8Array;
  model: Uint8Array;
}

/** Whether each shopper's held-out item is in each arm's top 10 (full catalog, the shopper's history left out). */
async function computeHits(): Promise<Hits> {
  const key = `${DATA}:${statSync(DATA).size}:${statSync(resolve(ROOT, MODEL, 'manifest.json')).mtimeMs}`;
  const cache = resolve(ROOT, 'bench/tmp/experiments-hits.json');
  if (existsSync(cache)) {
    const c = JSON.parse(readFileSync(cache, 'utf8')) as { key: string; users: number; popularity: number[]; model: number[] };
    if (c.key === key) return { key, users: c.users, popularity: Uint8Array.from(c.popularity), model: Uint8Array.from(c.model) };
  }
  const data = readEvents(DATA, 'sasrec');
  const split = leaveOneOut(data.items);
  const users: number[] = [];
  for (let u = 0; u < split.train.length; u++) if (historyAndTarget(split, u, 'test').item !== 0) users.push(u);
  await useBackend('wasm');
  const bundle = await readBundle(resolve(ROOT, MODEL));
  const scorers = { popularity: popularityScorer(split.train, data.itemIds.length), model: bundleScorer(bundle, data.itemIds, data.features) };
  const hits = { popularity: new Uint8Array(users.length), model: new Uint8Array(users.length) };
  const started = Date.now();
  for (let start = 0; start < users.length; start += 256) {
    const batch = users.slice(start, start + 256);
    const cases = batch.map((u) => historyAndTarget(split, u, 'test'));
    for (const name of ['popularity', 'model'] as const) {
      const rows = await scorers[name](cases.map((c) => c.history), batch);
      cases.forEach((c, i) => (hits[name][start + i] = rankFull(rows[i]!, c.item, new Set(c.history)) < K ? 1 : 0));
    }
    if (start % 5120 === 0) process.stderr.write(`scored ${start + batch.length} of ${users.length} shoppers (${Math.round((Date.now() - started) / 1000)} s)\n`);
  }
  mkdirSync(dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify({ key, users: users.length, popularity: [...hits.popularity], model: [...hits.model] }));
  return { key, users: users.length, ...hits };
}

/** One shopper's day as the SDK logs it: the list's impression and, on a hit, the click on it. */
function dayEvents(clicked: boolean, n: number): BehaviourEvent[] {
  const attributionId = newListAttributionId(LIST_AT);
  const events: BehaviourEvent[] = [{ eventId: `e-${n}-1`, ts: LIST_AT, type: 'impression', itemIds: ['shown'], listId: 'home', attributionId }];
  if (clicked) events.push({ eventId: `e-${n}-2`, ts: LIST_AT + 60_000, type: 'click', itemId: 'shown', position: 0, listId: 'home', attributionId });
  return events;
}

interface Run {
  /** Shoppers drawn into each arm, and their realized click-through. */
  n: [number, number];
  realized: [number, number];
  rates: [number, number];
  lift: { estimate: number; low: number; high: number; se: number; privacySe: number };
}

/** The arm of each shopper (the SDK's device draw, 50/50) and their click, as run `seed` draws them. */
function draws(hits: Hits, seed: number): { arm: Uint8Array; clicked: Uint8Array } {
  const random = streamRandom(mixSeed(seed, 1));
  const arm = new Uint8Array(hits.users);
  const clicked = new Uint8Array(hits.users);
  for (let i = 0; i < hits.users; i++) {
    arm[i] = pickArm(EXPERIMENT, random()).name === 'model' ? 1 : 0;
    clicked[i] = arm[i] === 1 ? hits.model[i]! : hits.popularity[i]!;
  }
  return { arm, clicked };
}

/** The devices' privatization noise of run `seed` (a stream of its own). */
const noiseOf = (seed: number): RandomSource => streamRandom(mixSeed(seed, 2));

/** One seeded run at ε: the device draws, the SDK's reports, the gateway's fold, the estimates. */
function run(hits: Hits, epsilon: number, seed: number): Run {
  const { arm: arms, clicked: clicks1 } = draws(hits, seed);
  const random = noiseOf(seed);
  const aggregator = new ReportAggregator(resolveReportPolicy({ epsilon }), () => NOW);
  const n: [number, number] = [0, 0];
  const clicks: [number, number] = [0, 0];
  for (let i = 0; i < hits.users; i++) {
    const arm = arms[i] as 0 | 1;
    const clicked = clicks1[i] === 1;
    n[arm] += 1;
    if (clicked) clicks[arm] += 1;
    const source = { experiments: [EXPERIMENT], assignments: [{ experiment: EXPERIMENT.id, arm: EXPERIMENT.arms[arm]!.name, u: 0, since: LIST_AT - 1 }] };
    const draft = outcomeDraft(dayEvents(clicked, i), PERIOD, source, random)!;
    const id = `sim-${seed}-${String(i).padStart(8, '0')}`;
    if (aggregator.add(outcomeReport(draft, PERIOD, epsilon, random, id)) !== 'counted') throw new Error('bench: a simulated outcome report was not counted');
  }
  const file = aggregator.estimateExperiments([EXPERIMENT]);
  const { window } = file.experiments[0]!;
  const lift = window.lift[0]!.absolute.clickThrough!;
  return {
    n,
    realized: [clicks[0] / n[0], clicks[1] / n[1]],
    rates: [window.arms[0]!.rates.clickThrough!.estimate, window.arms[1]!.rates.clickThrough!.estimate],
    lift,
  };
}

/** The click-through lift estimated with OLH (the priors' oracle, report v2's seed family) over the same 14 values. */
function olhLift(hits: Hits, epsilon: number, seed: number): number {
  const { arm, clicked } = draws(hits, seed);
  const random = noiseOf(seed);
  const params = olhParams(epsilon);
  const L = outcomeDomain(EXPERIMENT) / 2;
  const keys = Uint32Array.from({ length: 2 * L }, (_, v) => itemKey(`${EXPERIMENT.id}\u0000${v}`));
  const sketch = new OlhSketch(params);
  for (let i = 0; i < hits.users; i++) {
    const { seed: s, value } = olhPerturb(keys[arm[i]! * L + (clicked[i] ? 2 : 1)]!, params, random);
    sketch.add(s, value);
  }
  const c = sketch.estimates(keys);
  const rate = (a: number) => {
    let exposed = 0;
    let engaged = 0;
    for (let l = 1; l < L; l++) exposed += c[a * L + l]!;
    for (let l = 2; l < L; l++) engaged += c[a * L + l]!;
    return engaged / exposed;
  };
  return rate(1) - rate(0);
}

/**
 * The lift with randomized response per bit: the outcome vector the issue lists (arm, exposed, clicked, carted,
 * bought, two revenue bits: 7 bits) each flipped at ε / 7, the joint of (arm, exposed, clicked) recovered by inverting
 * the three bits' flip matrices.
 */
function perBitLift(hits: Hits, epsilon: number, seed: number): number {
  const { arm, clicked } = draws(hits, seed);
  const random = noiseOf(seed);
  const bits = 7;
  const e = Math.exp(epsilon / bits);
  const keep = e / (1 + e);
  const flip = (b: number) => (random() < keep ? b : 1 - b);
  const observed = new Float64Array(8);
  for (let i = 0; i < hits.users; i++) {
    const a = flip(arm[i]!);
    const x = flip(1);
    const c = flip(clicked[i]!);
    for (let k = 0; k < bits - 3; k++) flip(0); // carted, bought, revenue: spent budget, not used here
    observed[(a << 2) | (x << 1) | c]! += 1;
  }
  // The inverse of [[keep, 1 − keep], [1 − keep, keep]] applied along each of the three bits.
  const inv = [[keep, keep - 1], [keep - 1, keep]].map((row) => row.map((v) => v / (2 * keep - 1)));
  const joint = new Float64Array(8);
  for (let t = 0; t < 8; t++) {
    let sum = 0;
    for (let o = 0; o < 8; o++) sum += inv[(t >> 2) & 1]![(o >> 2) & 1]! * inv[(t >> 1) & 1]![(o >> 1) & 1]! * inv[t & 1]![o & 1]! * observed[o]!;
    joint[t] = sum;
  }
  const rate = (a: number) => joint[(a << 2) | 3]! / (joint[(a << 2) | 2]! + joint[(a << 2) | 3]!);
  return rate(1) - rate(0);
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: readonly number[]) => Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1));
const r4 = (x: number) => Number(x.toFixed(4));
const r6 = (x: number) => Number(x.toPrecision(4));

const hits = await computeHits();
const trueRates: [number, number] = [mean([...hits.popularity]), mean([...hits.model])];
const trueLift = trueRates[1] - trueRates[0];
process.stderr.write(`${hits.users} shoppers; true click-through: popularity ${trueRates[0].toFixed(4)}, model ${trueRates[1].toFixed(4)}\n`);

const started = Date.now();
const runs: Run[] = [];
for (let r = 0; r < RUNS; r++) runs.push(run(hits, DEFAULT_EPSILON, mixSeed(BASE_SEED, r)));
const seconds = (Date.now() - started) / 1000;
const covers = (x: Run) => x.lift.low <= trueLift && trueLift <= x.lift.high;
const covered = runs.filter(covers).length;
let calibrationCovered = covered;
for (let r = RUNS; r < CALIBRATION_RUNS; r++) if (covers(run(hits, DEFAULT_EPSILON, mixSeed(BASE_SEED, r)))) calibrationCovered++;
const halfWidth = mean(runs.map((x) => Z95 * x.lift.se));
const byEpsilon: Record<string, { half_width: number; covered: number; runs: number }> = {};
for (const eps of OTHER_EPSILONS) {
  const rs = Array.from({ length: 20 }, (_, r) => run(hits, eps, mixSeed(BASE_SEED + eps, r)));
  byEpsilon[String(eps)] = { half_width: r4(mean(rs.map((x) => Z95 * x.lift.se))), covered: rs.filter((x) => x.lift.low <= trueLift && trueLift <= x.lift.high).length, runs: rs.length };
}
byEpsilon[String(DEFAULT_EPSILON)] = { half_width: r4(halfWidth), covered, runs: RUNS };

// Shoppers per arm to detect a lift of this size (two-sided 5%, power 80%): n = (z_.975 + z_.8)² · V / Δ², with V the
// per-shopper variance of the lift estimate: the measured se² × the shoppers per arm (privacy included), or
// r_A(1 − r_A) + r_B(1 − r_B) without privacy.
const Z80 = 0.8416212335729143;
const perArm = hits.users / 2;
const vPrivate = mean(runs.map((x) => x.lift.se ** 2)) * perArm;
const vPlain = trueRates[0] * (1 - trueRates[0]) + trueRates[1] * (1 - trueRates[1]);
const needed = (v: number) => Math.ceil(((Z95 + Z80) ** 2 * v) / trueLift ** 2);

// The mechanism choice, measured: the lift's spread over the same seeds at the default ε.
const mechanismRuns = Math.min(RUNS, 100);
const grrSd = sd(runs.slice(0, mechanismRuns).map((x) => x.lift.estimate));
const olhSd = sd(Array.from({ length: mechanismRuns }, (_, r) => olhLift(hits, DEFAULT_EPSILON, mixSeed(BASE_SEED, r))));
const bitSd = sd(Array.from({ length: mechanismRuns }, (_, r) => perBitLift(hits, DEFAULT_EPSILON, mixSeed(BASE_SEED, r))));

const first = runs[0]!;
const results = {
  shoppers: hits.users,
  experiment: EXPERIMENT,
  true: { click_through: { popularity: r4(trueRates[0]), model: r4(trueRates[1]) }, lift: r4(trueLift), relative_lift: r4(trueLift / trueRates[0]) },
  estimated_seed0: {
    shoppers: { popularity: first.n[0], model: first.n[1] },
    realized_click_through: { popularity: r4(first.realized[0]), model: r4(first.realized[1]) },
    click_through: { popularity: r4(first.rates[0]), model: r4(first.rates[1]) },
    lift: { estimate: r4(first.lift.estimate), low: r4(first.lift.low), high: r4(first.lift.high), se: r6(first.lift.se), privacy_se: r6(first.lift.privacySe) },
  },
  over_runs: {
    runs: RUNS,
    epsilon: DEFAULT_EPSILON,
    mean_click_through: { popularity: r4(mean(runs.map((x) => x.rates[0]))), model: r4(mean(runs.map((x) => x.rates[1]))) },
    mean_lift: r4(mean(runs.map((x) => x.lift.estimate))),
    lift_sd: r6(sd(runs.map((x) => x.lift.estimate))),
    half_width: r4(halfWidth),
    coverage: `${covered}/${RUNS}`,
    covered,
    calibration: { runs: Math.max(RUNS, CALIBRATION_RUNS), covered: calibrationCovered, share: Number((calibrationCovered / Math.max(RUNS, CALIBRATION_RUNS)).toFixed(3)) },
    seconds_per_run: Number((seconds / RUNS).toFixed(2)),
  },
  half_width_by_epsilon: byEpsilon,
  shoppers_per_arm_to_detect: {
    lift: r4(trueLift),
    alpha: 0.05,
    power: 0.8,
    with_privacy: needed(vPrivate),
    without_privacy: needed(vPlain),
    ratio: Number((vPrivate / vPlain).toFixed(2)),
  },
  mechanisms: {
    note: `sd of the click-through lift over the same ${mechanismRuns} seeded runs (same arms, same clicks) at ε = ${DEFAULT_EPSILON}, every shopper one report`,
    grr_arm_x_level: { values: outcomeDomain(EXPERIMENT), sd: r6(grrSd), analytic_privacy_p: r6(grrParams(DEFAULT_EPSILON, outcomeDomain(EXPERIMENT)).p) },
    olh_same_values: { sd: r6(olhSd), variance_ratio_to_grr: Number(((olhSd / grrSd) ** 2).toFixed(2)) },
    rr_per_bit_7_bits: { sd: r6(bitSd), variance_ratio_to_grr: Number(((bitSd / grrSd) ** 2).toFixed(1)) },
  },
  measured: { at: new Date().toISOString(), data: DATA, model: MODEL, top_k: K, seed: BASE_SEED },
};
mkdirSync(resolve(ROOT, 'bench/results'), { recursive: true });
writeFileSync(resolve(ROOT, 'bench/results/experiments.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
