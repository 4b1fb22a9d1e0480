/**
 * One aggregation run as a process (one consumer of the group; start several for more partitions at once):
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 CATALOG=catalog.json OUT=priors.json npx tsx gateway/aggregator-main.ts
 * CATALOG is a JSON array of catalog items (`{ id, ... }`); QUERIES (optional) a JSON array of query strings; TOPIC
 * defaults to `edgereco-reports`, GROUP_ID to `edgereco-aggregator`, STATE_DIR to `data/aggregator-state`; EPSILON
 * (default 2) and RETENTION_DAYS (default 30) are the site's policy; MIN_COUNT and ALPHA the publication rule;
 * TRANSPORT=relay when the gateway takes reports only through its OHTTP relay (the bundle then states a central ε);
 * CHECKPOINT_RECORDS and SESSION_TIMEOUT_MS tune the fold (kafka-fold.ts); AS_OF (an ISO time) runs as of that time
 * instead of now (the accepted periods, the windows, `generated`), to reproduce a bundle.
 */
import { readFileSync } from 'node:fs';
import { describeAggregation, runAggregation } from './aggregator-run.js';
import { DEFAULT_PUBLICATION } from './priors-build.js';
import { resolveReportPolicy } from './report-policy.js';

const env = process.env;
if (!env.KAFKA_BOOTSTRAP || !env.CATALOG || !env.OUT) {
  process.stderr.write('edgereco aggregator: set KAFKA_BOOTSTRAP, CATALOG (a JSON array of { id }) and OUT (the bundle to write)\n');
  process.exit(2);
}
const items = (JSON.parse(readFileSync(env.CATALOG, 'utf8')) as { id: string }[]).map((item) => item.id);
const queries = env.QUERIES ? (JSON.parse(readFileSync(env.QUERIES, 'utf8')) as string[]) : [];
const asOf = env.AS_OF ? Date.parse(env.AS_OF) : undefined;
const policy = resolveReportPolicy({ epsilon: Number(env.EPSILON ?? 2), retentionDays: Number(env.RETENTION_DAYS ?? 30) });
const aggregation = await runAggregation({
  bootstrap: env.KAFKA_BOOTSTRAP.split(','),
  topic: env.TOPIC ?? 'edgereco-reports',
  groupId: env.GROUP_ID ?? 'edgereco-aggregator',
  stateDir: env.STATE_DIR ?? 'data/aggregator-state',
  policy,
  candidates: { items, queries },
  publication: {
    minCount: Number(env.MIN_COUNT ?? DEFAULT_PUBLICATION.minCount),
    alpha: Number(env.ALPHA ?? DEFAULT_PUBLICATION.alpha),
    transport: env.TRANSPORT === 'relay' ? 'relay' : 'direct',
    epsilon: policy.epsilon,
  },
  out: env.OUT,
  ...(asOf === undefined ? {} : { now: () => asOf }),
  fold: {
    ...(env.CHECKPOINT_RECORDS ? { checkpointRecords: Number(env.CHECKPOINT_RECORDS) } : {}),
    ...(env.SESSION_TIMEOUT_MS ? { sessionTimeoutMs: Number(env.SESSION_TIMEOUT_MS) } : {}),
  },
});
process.stderr.write(describeAggregation(aggregation, env.OUT));
