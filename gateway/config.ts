import { readFileSync } from 'node:fs';
import { createError, ERROR_CODES } from '../src/core/errors.js';
import type { ReportKind } from '../src/core/ldp/aggregate-report.js';
import type { Experiment } from '../src/core/experiments.js';
import { resolveReportPolicy, type ReportPolicy, type ReportPolicyInput } from './report-policy.js';
import { resolveTokensConfig, type TokensConfig, type TokensConfigInput } from './tokens-config.js';
import { checkOrderFeedConfig, type OrderFeedConfig } from './order-feed-config.js';
import { checkSecureAggregateConfig, type SecureAggregateConfig } from './secure-aggregate.js';

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
  /**
   * The site's fixed ε per report kind and the periods it accepts (report-policy.ts), for the gateway and the
   * aggregator alike. In site.json: `{ "epsilon": 2, "retentionDays": 30 }` (ε one number, or one per kind). Defaults:
   * ε = 2 for every kind (the SDK's default), 30 days.
   */
  privacy: ReportPolicy;
  /** What `edgereco-gateway aggregate` reads and writes. */
  aggregate?: AggregateConfig;
  /**
   * Privacy Pass (tokens-config.ts): with this section every report needs a token this gateway issued, one per report;
   * without it, none. Default: none.
   */
  tokens?: TokensConfig;
  /**
   * Oblivious HTTP (RFC 9458): the gateway also acts as the OHTTP gateway (POST /ohttp, key configuration at
   * GET /ohttp-keys), for reports that come through a relay. Default: off.
   */
  ohttp?: OhttpConfig;
  /**
   * The store's admin key: the password of `/dashboard` (HTTP Basic authentication, any user name). A secret, unlike
   * a site's publishable key: at least 16 characters. Default: none, and `/dashboard` answers 404.
   */
  adminKey?: string;
  /**
   * Two-server secure aggregation (secure-aggregation.ts): the gateway takes the browsers' secure reports for this
   * task on `topic` (with the same origin, relay, token and rate rules as other reports) and appends them to the sink
   * for the leader. Default: none (such a topic does not exist).
   */
  secure?: SecureIngestConfig;
}

/** The secure task as the gateway checks its reports. */
export interface SecureIngestConfig {
  /** The topic the SDK sends secure reports to (not one of `topics`). */
  topic: string;
  /** The task id (base64url), as the task the store publishes says. */
  taskId: string;
  /** Largest request body on that topic, in bytes: a report over the catalog is about 22 bytes per item. Default 4 MiB. */
  maxBodyBytes?: number;
}

/** The gateway as an Oblivious Gateway Resource (see ohttp-resource.ts). */
export interface OhttpConfig {
  /** The gateway's private key file, created (mode 0600) when missing; relative to the working directory. Default `data/ohttp-key.json`. */
  keyFile?: string;
  /**
   * Accept reports only through OHTTP (a direct POST /topics/… gets 403). Required for the priors bundle to state a
   * central ε: only then can the gateway not link a report to its sender's address. Default false.
   */
  required?: boolean;
}

/** What a config file (or a caller) gives: any field but `sites` may be left out; `privacy.epsilon` may be one number. */
export type GatewayConfigInput = Partial<Omit<GatewayConfig, 'privacy' | 'tokens'>> & { sites: SiteConfig[]; privacy?: ReportPolicyInput; tokens?: TokensConfigInput };

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
  /**
   * The folded per-period states and their offsets (aggregator-store.ts): a folder, relative to the working directory.
   * Every consumer of the group must see the same folder. Default `data/aggregator-state`.
   */
  stateDir?: string;
  /** The smallest true count worth publishing. Default 20. */
  minCount?: number;
  /**
   * The publication rule's error level over all candidates of a bundle: the probability that any published entry's
   * true count is below `minCount` is at most alpha (and so is the expected number of such entries). Default 0.01.
   */
  alpha?: number;
  /** Days of periods each list is built from, ending today (UTC). Defaults: items 7 (trending), pairs 30, queries 30. */
  windows?: Partial<Record<ReportKind, number>>;
  /** Pairs are estimated among this many of the most popular items. Default 100. */
  pairTopItems?: number;
  /**
   * The store's experiments (the SDK's `experiments` option, same shape): a JSON file's path, or the array itself. The
   * aggregator estimates their outcome reports into `estimatesOut` and publishes them in the priors bundle, where a
   * page that passes no `experiments` takes them from. Default: none.
   */
  experiments?: string | Experiment[];
  /** Where the experiment estimates and the report volumes per day are written (atomically). Default `estimates.json` beside `out`. */
  estimatesOut?: string;
  /**
   * The store's own order feed (order-feed-config.ts): best-sellers and bought-together pairs from its sales, listed
   * beside the private reports' entries, each labelled with its source. Default: none.
   */
  orders?: OrderFeedConfig;
  /**
   * Two-server secure aggregation (secure-aggregate.ts): the leader's run over the secure topic, with the helper at
   * `helperUrl`, publishing items labelled `secure-aggregation`. Needs the gateway's `secure` section. Default: none.
   */
  secure?: SecureAggregateConfig;
}

export const DEFAULT_GATEWAY_CONFIG: Omit<GatewayConfig, 'sites' | 'sink' | 'privacy'> = {
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
export function resolveGatewayConfig(input: GatewayConfigInput): GatewayConfig {
  const { tokens, ...rest } = input;
  const config: GatewayConfig = { ...DEFAULT_GATEWAY_CONFIG, sink: { kind: 'file', path: DEFAULT_FILE_SINK }, ...rest, privacy: resolveReportPolicy(input.privacy) };
  if (tokens !== undefined) config.tokens = resolveTokensConfig(tokens);
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
  if (config.aggregate !== undefined) checkAggregateConfig(config.aggregate, config.privacy);
  if (config.aggregate?.secure !== undefined) checkSecureAggregateConfig(config.aggregate.secure, config);
  if (config.aggregate?.orders !== undefined) checkOrderFeedConfig(config.aggregate.orders, config.sink.kind === 'kafka' ? config.sink.bootstrap : undefined);
  if (config.ohttp !== undefined && (typeof config.ohttp !== 'object' || config.ohttp === null || (config.ohttp.keyFile !== undefined && typeof config.ohttp.keyFile !== 'string') || (config.ohttp.required !== undefined && typeof config.ohttp.required !== 'boolean'))) {
    fail('config.ohttp must be { "keyFile": "data/ohttp-key.json", "required": true|false }');
  }
  if (config.secure !== undefined) {
    const secure = config.secure as Partial<SecureIngestConfig> | null;
    if (typeof secure !== 'object' || secure === null || typeof secure.topic !== 'string' || !/^[A-Za-z0-9._-]{1,249}$/.test(secure.topic)) fail('config.secure.topic must be a Kafka topic name');
    if (config.topics.includes(secure.topic)) fail('config.secure.topic must not be one of config.topics (secure reports are read by the leader only)');
    if (typeof secure.taskId !== 'string' || !/^[A-Za-z0-9_-]{22,100}$/.test(secure.taskId)) fail('config.secure.taskId must be the task id, base64url of at least 16 bytes');
    if (secure.maxBodyBytes !== undefined && !(Number.isInteger(secure.maxBodyBytes) && secure.maxBodyBytes >= 1024)) fail('config.secure.maxBodyBytes must be an integer ≥ 1024 (default 4 MiB)');
  }
  if (config.adminKey !== undefined && (typeof config.adminKey !== 'string' || config.adminKey.length < 16)) fail('config.adminKey must be a string of at least 16 characters (the dashboard\'s password; keep it secret)');
  if (config.adminKey !== undefined && config.sites.some((s) => s.key === config.adminKey)) fail('config.adminKey must not be a site\'s publishable key (that one is public)');
  return config;
}

function checkAggregateConfig(aggregate: AggregateConfig, privacy: ReportPolicy): void {
  if (typeof aggregate.catalog !== 'string') fail('config.aggregate.catalog must name the catalog file (a JSON array of { id })');
  if ('z' in aggregate) fail('config.aggregate.z is gone: the publication rule now controls the errors over all candidates of a bundle; set config.aggregate.alpha (default 0.01) instead');
  const { alpha, minCount, windows, pairTopItems } = aggregate;
  if (alpha !== undefined && !(typeof alpha === 'number' && alpha > 0 && alpha < 1)) fail('config.aggregate.alpha must be a number between 0 and 1 (default 0.01)');
  if (minCount !== undefined && !(typeof minCount === 'number' && minCount >= 0 && Number.isFinite(minCount))) fail('config.aggregate.minCount must be a number ≥ 0 (default 20)');
  if (pairTopItems !== undefined && !(Number.isInteger(pairTopItems) && pairTopItems >= 2 && pairTopItems <= 1000)) fail('config.aggregate.pairTopItems must be an integer from 2 to 1000 (default 100)');
  for (const [kind, days] of Object.entries(windows ?? {})) {
    if (!['item', 'pair', 'query'].includes(kind)) fail(`config.aggregate.windows.${kind} is not a report kind (item, pair, query)`);
    if (!Number.isInteger(days) || days < 1 || days > privacy.retentionDays + 1) fail(`config.aggregate.windows.${kind} must be an integer from 1 to ${privacy.retentionDays + 1} days (privacy.retentionDays + 1)`);
  }
}

function readConfigFile(file: string): GatewayConfigInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    fail(`cannot read the config file ${file} (${(error as Error).message}); start from site.example.json in the package`);
  }
  try {
    return JSON.parse(text) as GatewayConfigInput;
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
