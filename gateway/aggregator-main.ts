/**
 * One aggregation run as a process:
 *   KAFKA_BOOTSTRAP=127.0.0.1:9092 CATALOG=catalog.json OUT=priors.json npx tsx gateway/aggregator-main.ts
 * CATALOG is a JSON array of catalog items (`{ id, ... }`); QUERIES (optional) a JSON array of query strings; TOPIC
 * defaults to `edgereco-reports`, GROUP_ID to `edgereco-aggregator`; MIN_COUNT and Z set the minimum support.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_MIN_SUPPORT } from './aggregator.js';
import { describeAggregation, runAggregation } from './aggregator-run.js';

const env = process.env;
if (!env.KAFKA_BOOTSTRAP || !env.CATALOG || !env.OUT) {
  process.stderr.write('edgereco aggregator: set KAFKA_BOOTSTRAP, CATALOG (a JSON array of { id }) and OUT (the bundle to write)\n');
  process.exit(2);
}
const items = (JSON.parse(readFileSync(env.CATALOG, 'utf8')) as { id: string }[]).map((item) => item.id);
const queries = env.QUERIES ? (JSON.parse(readFileSync(env.QUERIES, 'utf8')) as string[]) : [];
const aggregation = await runAggregation({
  bootstrap: env.KAFKA_BOOTSTRAP.split(','),
  topic: env.TOPIC ?? 'edgereco-reports',
  groupId: env.GROUP_ID ?? 'edgereco-aggregator',
  candidates: { items, queries },
  support: { minCount: Number(env.MIN_COUNT ?? DEFAULT_MIN_SUPPORT.minCount), z: Number(env.Z ?? DEFAULT_MIN_SUPPORT.z) },
  out: env.OUT,
});
process.stderr.write(describeAggregation(aggregation, env.OUT));
