/**
 * One consumer of the aggregator bench (bench/aggregator.ts starts it as its own process, so its peak memory is its
 * own): folds the topic into the state folder as one member of the group, builds the priors bundle over the bench's
 * candidates, writes it, and prints one JSON line of figures. Arguments as JSON in BENCH_CONSUMER.
 */
import { writePriors } from '../gateway/aggregator-run.js';
import { AggregatorStore } from '../gateway/aggregator-store.js';
import { foldKafkaTopic } from '../gateway/kafka-fold.js';
import { priorsFromStore } from '../gateway/priors-build.js';
import { DEFAULT_REPORT_POLICY } from '../gateway/report-policy.js';

interface Args {
  bootstrap: string;
  topic: string;
  group: string;
  stateDir: string;
  out: string;
  now: number;
  items: number;
  queries: number;
  checkpointRecords?: number;
  sessionTimeoutMs?: number;
}

const args = JSON.parse(process.env.BENCH_CONSUMER ?? '{}') as Args;
const store = new AggregatorStore(args.stateDir, args.topic);
const t0 = performance.now();
const fold = await foldKafkaTopic({
  bootstrap: [args.bootstrap],
  topic: args.topic,
  groupId: args.group,
  store,
  policy: DEFAULT_REPORT_POLICY,
  now: () => args.now,
  ...(args.checkpointRecords ? { checkpointRecords: args.checkpointRecords } : {}),
  ...(args.sessionTimeoutMs ? { sessionTimeoutMs: args.sessionTimeoutMs } : {}),
});
const t1 = performance.now();
const bundle = await priorsFromStore(store, { items: Array.from({ length: args.items }, (_, i) => `sku-${i}`), queries: Array.from({ length: args.queries }, (_, i) => `query ${i}`) }, {}, args.now);
await writePriors(args.out, bundle);
const t2 = performance.now();
process.stdout.write(`${JSON.stringify({
  ...fold,
  ends: undefined,
  fold_s: Number(((t1 - t0) / 1000).toFixed(2)),
  priors_s: Number(((t2 - t1) / 1000).toFixed(2)),
  max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  published: { items: bundle.items.length, pairs: bundle.pairs.length, queries: bundle.queries.length },
  reports: bundle.reports,
  thresholds: bundle.threshold,
})}\n`);
