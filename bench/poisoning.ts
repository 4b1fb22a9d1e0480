/**
 * Poisoning with Privacy Pass tokens required, measured end to end (issue 16, item 3): the real gateway on loopback
 * with its issuer (config `tokens`), attackers that get tokens the way a browser does (the SDK's own token client,
 * src/sync/token-issuer.ts), crafted reports sent through the gateway's produce route, and what the gateway accepted
 * folded by the aggregator's own fold and publication rule (gateway/partition-fold.ts, priors-build.ts) on top of an
 * honest day. Each attacker is one "sender": one address (the gateway reads it from X-Forwarded-For here, as behind
 * a proxy) that drops the issuer's session cookie, so only the per-address count limits it.
 *
 * Used by bench/privacy.ts (the `poisoning` object of bench/results/privacy.json, on the Games population) and by
 * test/unit/gateway/poisoning.test.ts (a small store), so the test and the bench measure with the same code.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileSink, resolveGatewayConfig, startGateway, TokenService, type Gateway } from '../gateway/index.js';
import { PartitionFold } from '../gateway/partition-fold.js';
import type { PeriodSketches } from '../gateway/period-state.js';
import { buildPriors } from '../gateway/priors-build.js';
import { DEFAULT_REPORT_POLICY } from '../gateway/report-policy.js';
import { itemKey, olhHash, olhParams, olhSeed, OlhSketch, randomUint32, seededRandom, utcDay, type AggregateReport } from '../src/core/ldp/index.js';
import { fetchTokens, type HeldToken } from '../src/sync/token-issuer.js';
import { BASE_SEED, loadShoppers, NOW, periodOf, QUERIES, simulateDay } from './publication.js';

const KEY = 'pk_bench_poisoning';
const ORIGIN = 'https://shop.example';
const DAY_MS = 86_400_000;

export interface PoisoningSetup {
  /** The catalog: the candidate items. */
  items: string[];
  queries: string[];
  /** An honest day of reports at the site's ε (one period, `now`'s UTC day), as the aggregator's states hold it. */
  honest: PeriodSketches[];
  /** The site's clock (the gateway's and the aggregator's). */
  now: number;
  /** The issuance policy's tokens per address per day (the gateway's `tokens.perIpPerDay`). */
  tokensPerSender: number;
  /** Attacks with this many tokens, for the "at most T reports' worth" figure. */
  byTokens: number[];
  minCount?: number;
  epsilon?: number;
  seed?: number;
}

export interface PoisoningFigures {
  epsilon: number;
  /** HTTP status of each crafted request; every one must be a 4xx. */
  refused: Record<string, number>;
  tokens_per_sender_per_day: number;
  /** The most one report can move one estimate: (1 − q) / (p − q) of OLH at the site's ε. */
  per_report_max_change: number;
  /** Per attack size T: reports the gateway accepted, the largest change of any item's estimate, T reports' worth. */
  by_tokens: { tokens: number; accepted: number; max_change_any_estimate: number; bound: number; within_bound: boolean; published_changed: { itemId: string; before: number | null; after: number | null }[] }[];
  /** The item threshold of the honest day's bundle, in estimated shoppers; and of the bundle with the fewest paid reports that publish the unviewed item (the attacker's reports raise the noise a little). */
  threshold_item: number;
  threshold_item_under_attack: number;
  /** The unviewed item's estimate on the honest day (noise). */
  target_estimate_before: number;
  /**
   * Paid reports that publish the unviewed item: `predicted` = ⌈(threshold under attack − its honest estimate) / the
   * most one report adds⌉; `from_honest_threshold` the same with the honest day's threshold; `measured` by the rule.
   */
  reports_to_publish_unviewed_item: { predicted: number; from_honest_threshold: number; measured: number };
  /** Token-holding senders (addresses) that takes, at `tokens_per_sender_per_day`: in one day, or over the 7-day window of trending items. */
  senders_to_publish_unviewed_item: { predicted: number; measured: number; over_the_7_day_item_window: number };
  /** Without tokens, one sender does it: the reports are bounded by the key's rate limit only. */
  without_tokens: { senders: number; seconds_at_the_default_rate_limit: number };
  /** The cost of tokens here, one process: issuance (client and issuer) and redemption (the gateway's VOPRF check). */
  cost: { tokens_issued_per_s: number; reports_redeemed_per_s: number };
}

/** An item report that supports `item` as much as one report can: its bucket under a random seed of the family. */
function craftedReport(item: string, period: string, epsilon: number, random: () => number): AggregateReport {
  const params = olhParams(epsilon);
  const seed = Math.floor(random() * params.seeds);
  const id = `crafted-${randomUint32(random).toString(16).padStart(8, '0')}-${randomUint32(random).toString(16).padStart(8, '0')}`;
  return { v: 2, id, period, kind: 'item', eps: epsilon, mech: 'olh', g: params.g, seed, y: olhHash(itemKey(item), olhSeed(seed), params.g) };
}

async function post(gateway: Gateway, records: { value: unknown; token?: string }[]): Promise<Response> {
  return fetch(`${gateway.url}/topics/edgereco-reports`, { method: 'POST', headers: { 'Content-Type': 'application/vnd.kafka.json.v2+json', 'X-EdgeReco-Key': KEY, Origin: ORIGIN }, body: JSON.stringify({ records }) });
}

/** `sender`'s tokens for the day: the SDK's token client, from its own address, with no session cookie kept. */
function senderTokens(gateway: Gateway, sender: number, count: number) {
  const address = `198.51.${(sender >> 8) & 255}.${sender & 255}`;
  return fetchTokens({ url: gateway.url, key: KEY, fetch: (u, init) => fetch(u, { ...init, headers: { ...(init.headers as Record<string, string>), Origin: ORIGIN, 'X-Forwarded-For': address } }) }, count);
}

function itemSketch(periods: readonly PeriodSketches[], epsilon: number): OlhSketch {
  const merged = new OlhSketch(olhParams(epsilon));
  for (const p of periods) for (const { kind, sketch } of p.sketches) if (kind === 'item') merged.merge(sketch);
  return merged;
}

/** The aggregator's fold of the reports the gateway wrote (the first `count`), as period states. */
function fold(written: readonly AggregateReport[], count: number, now: number, epsilon: number): PeriodSketches[] {
  const partition = new PartitionFold(0, { ...DEFAULT_REPORT_POLICY, epsilon: { item: epsilon, pair: epsilon, query: epsilon, outcome: epsilon } }, 0);
  written.slice(0, count).forEach((report, offset) => partition.fold(offset, report, now));
  return [...partition.states.values()].map((s) => s.toSketches());
}

export async function measurePoisoning(setup: PoisoningSetup): Promise<PoisoningFigures> {
  const epsilon = setup.epsilon ?? 2;
  const minCount = setup.minCount ?? 20;
  const { now, items, queries, honest } = setup;
  const k = setup.tokensPerSender;
  const period = utcDay(now);
  const random = seededRandom(setup.seed ?? 20_261_212);
  const target = 'item-nobody-viewed';
  const candidates = { items: [...items, target], queries };
  const params = olhParams(epsilon);
  const b = (1 - params.q) / (params.p - params.q);

  const dir = await mkdtemp(join(tmpdir(), 'edgereco-poisoning-'));
  const file = join(dir, 'reports.jsonl');
  const config = resolveGatewayConfig({
    port: 0,
    sites: [{ id: 'shop', key: KEY, origins: [ORIGIN], ratePerSecond: 1e9, burst: 1e9 }],
    sink: { kind: 'file', path: file },
    privacy: { epsilon },
    tokens: { keyDir: join(dir, 'keys'), perIpPerDay: k, perSessionPerDay: k, clientIp: 'x-forwarded-for', secureCookie: false },
  });
  const service = await TokenService.open(config.tokens!, now);
  const gateway = await startGateway(config, { sink: await createFileSink(file, config.topics), log: () => undefined, now: () => now, tokens: service });
  try {
    // What the gateway refuses, whoever sends it.
    const first = await senderTokens(gateway, 0, k + 1);
    const spare = first.tokens.pop()!;
    const refused: Record<string, number> = {
      [`another ε (${epsilon / 20})`]: (await post(gateway, [{ value: craftedReport(target, period, epsilon / 20, random), token: spare.token }])).status,
      'period 2000-01-01': (await post(gateway, [{ value: craftedReport(target, '2000-01-01', epsilon, random), token: spare.token }])).status,
      'period the day after tomorrow': (await post(gateway, [{ value: craftedReport(target, utcDay(now + 2 * DAY_MS), epsilon, random), token: spare.token }])).status,
      'no token': (await post(gateway, [{ value: craftedReport(target, period, epsilon, random) }])).status,
      'a forged token': (await post(gateway, [{ value: craftedReport(target, period, epsilon, random), token: forge(spare.token) }])).status,
    };
    refused[`token ${k + 1} of one sender in a day`] = first.stopped?.status ?? 200;

    // Honest figures: the threshold and the target's estimate with no attack.
    const before = buildPriors(honest, candidates, { minCount }, now);
    const threshold = before.publication!.kinds.item.threshold;
    const honestItems = itemSketch(honest, epsilon);
    const keys = Uint32Array.from(candidates.items, itemKey);
    const base = honestItems.estimates(keys);
    const targetBefore = base[keys.length - 1]!;
    const predicted = Math.max(1, Math.ceil((threshold - targetBefore) / b));
    const senders = Math.max(Math.ceil(predicted / k) + 1, Math.ceil(Math.max(...setup.byTokens) / k));

    // The attack: every sender gets its day's tokens and spends each on one crafted report (a spent token on another
    // report is refused once more, to show that the count is of tokens, not of requests).
    const held: HeldToken[] = [spare, ...first.tokens];
    let issueMs = 0;
    let issued = 0;
    for (let s = 1; held.length < senders * k; s++) {
      const t0 = performance.now();
      const got = await senderTokens(gateway, s, k);
      issueMs += performance.now() - t0;
      if (got.tokens.length !== k) throw new Error(`sender ${s} got ${got.tokens.length} tokens, not its ${k} of the day`);
      issued += got.tokens.length;
      held.push(...got.tokens);
    }
    let redeemMs = 0;
    const batch = 50;
    for (let i = 0; i < held.length; i += batch) {
      const t0 = performance.now();
      const reply = await post(gateway, held.slice(i, i + batch).map((t) => ({ value: craftedReport(target, period, epsilon, random), token: t.token })));
      redeemMs += performance.now() - t0;
      if (reply.status !== 200) throw new Error(`the gateway refused a paid crafted batch: HTTP ${reply.status} ${await reply.text()}`);
    }
    refused['a token spent on another report'] = (await post(gateway, [{ value: craftedReport(target, period, epsilon, random), token: held[0]!.token }])).status;
    const written = (await readFile(file, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { value: AggregateReport }).value);

    const beforeCounts = new Map(before.items.map((i) => [i.itemId, i.count]));
    const byTokens = setup.byTokens.map((tokens) => {
      const attack = fold(written, tokens, now, epsilon);
      const merged = itemSketch([...honest, ...attack], epsilon);
      const after = merged.estimates(keys);
      let maxChange = 0;
      for (let i = 0; i < keys.length; i++) maxChange = Math.max(maxChange, Math.abs(after[i]! - base[i]!));
      const bundle = buildPriors([...honest, ...attack], candidates, { minCount }, now);
      const afterCounts = new Map(bundle.items.map((i) => [i.itemId, i.count]));
      const changed = [...new Set([...beforeCounts.keys(), ...afterCounts.keys()])]
        .filter((id) => beforeCounts.get(id) !== afterCounts.get(id))
        .map((itemId) => ({ itemId, before: beforeCounts.get(itemId) ?? null, after: afterCounts.get(itemId) ?? null }));
      const accepted = attack.reduce((n, p) => n + p.sketches.reduce((m, s) => m + s.sketch.reports, 0), 0);
      return { tokens, accepted, max_change_any_estimate: round(maxChange), bound: round(tokens * b), within_bound: maxChange <= tokens * b + 1e-9, published_changed: changed };
    });

    // The fewest paid reports (and so senders) that publish the unviewed item, by the aggregator's rule.
    const published = (count: number) => buildPriors([...honest, ...fold(written, count, now, epsilon)], candidates, { minCount }, now).items.some((i) => i.itemId === target);
    let lo = 0;
    let hi = written.length;
    if (!published(hi)) throw new Error(`${hi} paid reports did not publish the unviewed item (predicted ${predicted})`);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (published(mid)) hi = mid;
      else lo = mid;
    }
    const underAttack = buildPriors([...honest, ...fold(written, hi, now, epsilon)], candidates, { minCount }, now).publication!.kinds.item.threshold;
    const exact = Math.max(1, Math.ceil((underAttack - targetBefore) / b - 1e-9));
    return {
      epsilon,
      refused,
      tokens_per_sender_per_day: k,
      per_report_max_change: round(b),
      by_tokens: byTokens,
      threshold_item: threshold,
      threshold_item_under_attack: underAttack,
      target_estimate_before: round(targetBefore),
      reports_to_publish_unviewed_item: { predicted: exact, from_honest_threshold: predicted, measured: hi },
      senders_to_publish_unviewed_item: { predicted: Math.ceil(exact / k), measured: Math.ceil(hi / k), over_the_7_day_item_window: Math.ceil(hi / (7 * k)) },
      without_tokens: { senders: 1, seconds_at_the_default_rate_limit: round(hi / 2000) },
      cost: { tokens_issued_per_s: round((issued / issueMs) * 1000), reports_redeemed_per_s: round((held.length / redeemMs) * 1000) },
    };
  } finally {
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same token with another nonce: well formed, the right key and challenge, an authenticator that cannot match. */
function forge(token: string): string {
  const bytes = Buffer.from(token, 'base64url');
  bytes.fill(0x5a, 2, 34);
  return bytes.toString('base64url');
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * The bench's figures (bench/results/privacy.json `poisoning`): every Games shopper with a training item (30,983)
 * sends one honest day of reports (bench/publication.ts's `games` day: an item of their own, a pair or a query), at the
 * site's ε = 2, the publication rule's defaults, and the issuer's default of 32 tokens per address per day.
 */
export async function gamesPoisoning(path: string): Promise<PoisoningFigures> {
  const shoppers = loadShoppers(path);
  const honest = periodOf(simulateDay(shoppers, 'games', seededRandom(BASE_SEED + 4242)));
  return measurePoisoning({ items: shoppers.items, queries: QUERIES, honest, now: NOW, tokensPerSender: 32, byTokens: [1, 32, 320] });
}
