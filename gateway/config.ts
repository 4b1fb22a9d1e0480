import { readFileSync } from 'node:fs';
import { createError, ERROR_CODES } from '../src/core/errors.js';

/** One storefront allowed to send reports. */
export interface SiteConfig {
  /** A name for logs (never an IP). */
  id: string;
  /** The publishable key the SDK sends (`X-EdgeReco-Key` header, or `?key=` on the beacon path). Not a secret. */
  key: string;
  /** Exact origins allowed to send, e.g. `https://shop.example`. */
  origins: string[];
  /** Accept requests without an Origin header (server-to-server). Default false. */
  allowMissingOrigin?: boolean;
  /** Sustained reports per second for this key. Default 2,000. */
  ratePerSecond?: number;
  /** Burst size of the key's token bucket, in reports. Default 10,000. */
  burst?: number;
}

export type SinkConfig =
  | { kind: 'file'; /** JSONL file, appended; relative to the working directory. Default `data/reports.jsonl`. */ path: string }
  | { kind: 'kafka'; /** e.g. `127.0.0.1:9092`. */ bootstrap: string[]; clientId?: string };

export interface GatewayConfig {
  /** Default 127.0.0.1. */
  host: string;
  /** Default 8787; 0 picks a free port. */
  port: number;
  sites: SiteConfig[];
  /** Topics reports may be sent to. Default `["edgereco-reports"]`. */
  topics: string[];
  /** Largest request body, in bytes. Default 64 KiB (the SDK batches below that). */
  maxBodyBytes: number;
  /** Most records in one request. Default 500. */
  maxRecords: number;
  /** A body must arrive within this many ms (slow-body defence). Default 5,000. */
  bodyTimeoutMs: number;
  sink: SinkConfig;
  /** The access log: a JSONL file (appended; relative to the working directory). Default: standard output. */
  accessLog?: string;
  /** What `edgereco-gateway aggregate` reads and writes. */
  aggregate?: AggregateConfig;
}

/** `edgereco-gateway aggregate`: turns the reports in the sink into a priors bundle. Paths are relative to the working directory. */
export interface AggregateConfig {
  /** The catalog whose item ids are the candidates: a JSON array of `{ id }`, or an edgereco catalog `{ items: [...] }`. */
  catalog: string;
  /** A JSON array of query strings worth estimating. Default none. */
  queries?: string;
  /** Where the priors bundle is written (atomically). Default `priors.json`. */
  out?: string;
  /** The topic to read. Default the first of `topics`. */
  topic?: string;
  /** Kafka consumer group (Kafka sink only). Default `edgereco-aggregator`. */
  groupId?: string;
  /** Minimum support: an estimate is published only when ≥ minCount and ≥ z standard deviations. Defaults 20 and 3. */
  minCount?: number;
  z?: number;
}

export const DEFAULT_GATEWAY_CONFIG: Omit<GatewayConfig, 'sites' | 'sink'> = {
  host: '127.0.0.1',
  port: 8787,
  topics: ['edgereco-reports'],
  maxBodyBytes: 64 * 1024,
  maxRecords: 500,
  bodyTimeoutMs: 5_000,
};

/** Where the file sink appends when the config names no sink: under the working directory, never the package's folder. */
export const DEFAULT_FILE_SINK = 'data/reports.jsonl';

function fail(message: string): never {
  throw createError(ERROR_CODES.INVALID_OPTION, { field: 'the gateway config:', requirement: message });
}

/** Fills defaults and checks a config; throws with the offending field named. */
export function resolveGatewayConfig(input: Partial<GatewayConfig> & { sites: SiteConfig[] }): GatewayConfig {
  const config: GatewayConfig = { ...DEFAULT_GATEWAY_CONFIG, sink: { kind: 'file', path: DEFAULT_FILE_SINK }, ...input };
  if (!Array.isArray(config.sites) || config.sites.length === 0) fail('config.sites must list at least one site { id, key, origins }');
  const keys = new Set<string>();
  for (const [i, site] of config.sites.entries()) {
    if (typeof site.key !== 'string' || site.key.length < 8) fail(`config.sites[${i}].key must be a string of at least 8 characters`);
    if (keys.has(site.key)) fail(`config.sites[${i}].key is used twice`);
    keys.add(site.key);
    if (!Array.isArray(site.origins) || site.origins.some((o) => typeof o !== 'string' || !/^https?:\/\/[^/\s]+$/.test(o))) {
      fail(`config.sites[${i}].origins must be origins like "https://shop.example" (scheme, host, optional port; no path)`);
    }
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65_535) fail('config.port must be an integer from 0 to 65535');
  if (!Number.isInteger(config.maxBodyBytes) || config.maxBodyBytes < 1024) fail('config.maxBodyBytes must be an integer ≥ 1024');
  if (config.topics.some((t) => !/^[A-Za-z0-9._-]{1,249}$/.test(t))) fail('config.topics must be Kafka topic names');
  if (config.aggregate !== undefined && typeof config.aggregate.catalog !== 'string') fail('config.aggregate.catalog must name the catalog file (a JSON array of { id })');
  return config;
}

function readConfigFile(file: string): Partial<GatewayConfig> & { sites: SiteConfig[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read the config file ${file} (${(error as Error).message}); start from site.example.json in the package`);
  }
  try {
    return JSON.parse(text) as Partial<GatewayConfig> & { sites: SiteConfig[] };
  } catch (error) {
    fail(`${file} is not valid JSON (${(error as Error).message})`);
  }
}

/**
 * The config: `file` (the `--config` option; default `EDGERECO_GATEWAY_CONFIG`), a JSON file in the shape of
 * {@link GatewayConfig} (see site.example.json), with `KAFKA_BOOTSTRAP` (comma-separated) switching the sink to Kafka
 * and `PORT` overriding the port. Without a file, one demo site for a local shop on port 5173.
 */
export function gatewayConfigFromEnv(env: NodeJS.ProcessEnv = process.env, file = env.EDGERECO_GATEWAY_CONFIG): GatewayConfig {
  const input = file
    ? readConfigFile(file)
    : { sites: [{ id: 'demo', key: 'pk_demo_local', origins: ['http://localhost:5173', 'http://127.0.0.1:5173'] }] };
  if (env.KAFKA_BOOTSTRAP) input.sink = { kind: 'kafka', bootstrap: env.KAFKA_BOOTSTRAP.split(',') };
  if (env.PORT) input.port = Number(env.PORT);
  return resolveGatewayConfig(input);
}
