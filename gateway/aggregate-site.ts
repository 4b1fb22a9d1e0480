import { readFileSync } from 'node:fs';
import { aggregateFile } from './aggregate-file.js';
import { DEFAULT_MIN_SUPPORT, type MinSupport, type PriorsBundle } from './aggregator.js';
import { runAggregation, writePriors } from './aggregator-run.js';
import type { GatewayConfig } from './config.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';

export interface SiteAggregation {
  bundle: PriorsBundle;
  records: number;
  invalid: number;
  out: string;
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
 * `edgereco-gateway aggregate`: one aggregation run over the site's sink (the JSONL file, or the Kafka topic) into
 * the priors bundle `aggregate.out`, as the config's `aggregate` section says.
 */
export async function aggregateSite(config: GatewayConfig): Promise<SiteAggregation> {
  const options = config.aggregate;
  if (!options) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'the config', requirement: 'has no "aggregate" section', fix: 'add { "catalog": "catalog.json", "out": "priors.json" } (see site.example.json)' });
  const candidates = {
    items: catalogIds(readJson(options.catalog, 'the catalog'), options.catalog),
    queries: options.queries ? (readJson(options.queries, 'the query list') as string[]) : [],
  };
  const support: MinSupport = { minCount: options.minCount ?? DEFAULT_MIN_SUPPORT.minCount, z: options.z ?? DEFAULT_MIN_SUPPORT.z };
  const topic = options.topic ?? config.topics[0]!;
  const out = options.out ?? 'priors.json';
  if (config.sink.kind === 'kafka') {
    const { bundle, records, invalid } = await runAggregation({
      bootstrap: config.sink.bootstrap,
      topic,
      ...(options.groupId ? { groupId: options.groupId } : {}),
      candidates,
      support,
      out,
    });
    return { bundle, records, invalid, out };
  }
  const { aggregator, records, invalid } = await aggregateFile(config.sink.path, topic);
  const bundle = aggregator.estimate(candidates, support);
  await writePriors(out, bundle);
  return { bundle, records, invalid, out };
}
