import { readFileSync } from 'node:fs';
import { aggregateOutputs } from './aggregate-outputs.js';
import { foldFile } from './aggregate-file.js';
import { publish, runAggregation, writeEstimates, writePriors } from './aggregator-run.js';
import { configExperiments } from './experiments-config.js';
import type { EstimatesFile } from './experiment-estimates.js';
import { AggregatorStore } from './aggregator-store.js';
import type { GatewayConfig } from './config.js';
import type { FoldCounts } from './partition-fold.js';
import { DEFAULT_PUBLICATION, type PublicationOptions } from './priors-build.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import type { PriorsBundle } from '../src/core/priors.js';
import { readOrderFeed } from './order-feed-config.js';
import { orderPriors } from './order-priors.js';
import { mergeOrderPriors } from './priors-merge.js';
import { mergeSecurePriors, runSecureAggregation, type SecureRun } from './secure-aggregate.js';

export interface SiteAggregation extends FoldCounts {
  bundle: PriorsBundle;
  out: string;
  /** The experiment estimates and the report volumes per day, written to `estimatesOut`. */
  estimates: EstimatesFile;
  estimatesOut: string;
  /** What the order feed gave, when one is configured. */
  orders?: { orders: number; skipped: number; problems: string[]; items: number; pairs: number };
  /** What the secure mode's run did, when `aggregate.secure` is configured. */
  secure?: SecureRun;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw createError(ERROR_CODES.INVALID_DATA, { subject: `${what} ${path}`, requirement: `cannot be read (${(error as Error).message})`, fix: 'check the path in site.json' }, { cause: error });
  }
}

/** The candidate item ids: a JSON array of `{ id }`, or an edgereco catalog envelope `{ items: [{ id }, ...] }`. */
function catalogIds(doc: unknown, path: string): string[] {
  const items = Array.isArray(doc) ? doc : (doc as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw createError(ERROR_CODES.INVALID_DATA, { subject: path, requirement: 'must be a JSON array of { id } or { items: [...] }' });
  return items.map((item: { id?: unknown }) => String(item.id));
}

/**
 * `edgereco-gateway aggregate`: folds what the site's sink (the JSONL file, or the Kafka topic) received since the last
 * run into the state folder, then writes the priors bundle `aggregate.out` from the recent periods' states.
 */
export async function aggregateSite(config: GatewayConfig, now: () => number = Date.now): Promise<SiteAggregation> {
  const options = config.aggregate;
  if (!options) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'the config', requirement: 'has no "aggregate" section', fix: 'add { "catalog": "catalog.json", "out": "priors.json" } (see site.example.json)' });
  const candidates = {
    items: catalogIds(readJson(options.catalog, 'the catalog'), options.catalog),
    queries: options.queries ? (readJson(options.queries, 'the query list') as string[]) : [],
  };
  const publication: Partial<PublicationOptions> = {
    ...(options.minCount !== undefined ? { minCount: options.minCount } : {}),
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
    ...(options.pairTopItems !== undefined ? { pairTopItems: options.pairTopItems } : {}),
    ...(options.windows ? { windows: { ...DEFAULT_PUBLICATION.windows, ...options.windows } } : {}),
    transport: config.ohttp?.required ? 'relay' : 'direct',
    epsilon: config.privacy.epsilon,
  };
  const topic = options.topic ?? config.topics[0]!;
  const { priors: out, estimates: estimatesOut } = aggregateOutputs(options);
  const stateDir = options.stateDir ?? 'data/aggregator-state';
  const experiments = configExperiments(options);
  const sinkBootstrap = config.sink.kind === 'kafka' ? config.sink.bootstrap : undefined;
  /** The secure mode's and the store's own entries beside the private reports' entries, then the bundle is written. */
  const finish = async (folded: PriorsBundle): Promise<Pick<SiteAggregation, 'bundle' | 'orders' | 'secure'>> => {
    const secure = options.secure ? await runSecureAggregation(config, options.secure, now()) : undefined;
    const bundle = secure ? mergeSecurePriors(folded, secure) : folded;
    const withSecure = <T extends object>(result: T) => (secure ? { ...result, secure } : result);
    if (!options.orders) {
      await writePriors(out, bundle);
      return withSecure({ bundle });
    }
    const feed = await readOrderFeed(options.orders, sinkBootstrap);
    const listed = orderPriors(feed.orders, now(), options.orders);
    const merged = mergeOrderPriors(bundle, listed, feed.feed);
    await writePriors(out, merged);
    return withSecure({ bundle: merged, orders: { orders: listed.summary.orders, skipped: feed.skipped, problems: feed.problems, items: listed.items.length, pairs: listed.pairs.length } });
  };
  if (config.sink.kind === 'kafka') {
    const result = await runAggregation({
      bootstrap: config.sink.bootstrap,
      topic,
      ...(options.groupId ? { groupId: options.groupId } : {}),
      stateDir,
      policy: config.privacy,
      candidates,
      publication,
      experiments,
      estimatesOut,
      now,
    });
    return { ...result, ...(await finish(result.bundle)), out, estimatesOut };
  }
  const store = new AggregatorStore(stateDir, topic);
  const counts = await foldFile({ path: config.sink.path, topic, store, policy: config.privacy, now });
  const { bundle, estimates } = await publish(store, candidates, publication, experiments, config.privacy, now());
  await writeEstimates(estimatesOut, estimates);
  return { ...counts, ...(await finish(bundle)), out, estimates, estimatesOut };
}
