/**
 * The `edgereco-gateway` command (the @edgereco/gateway package's bin):
 *   edgereco-gateway [serve] [--config site.json] [--port N]   the ingest service
 *   edgereco-gateway aggregate --config site.json               one aggregation run into a priors bundle
 *   edgereco-gateway relay --gateway URL [--port N]             a minimal Oblivious HTTP relay (tests, self-hosting)
 *   edgereco-gateway helper --config helper.json [--port N]     the secure mode's second aggregator (another party)
 */
import { aggregateSite } from './aggregate-site.js';
import { describeAggregation } from './aggregator-run.js';
import { gatewayConfigFromEnv } from './config.js';
import { serveGateway } from './serve.js';
import { startRelay } from './relay.js';
import { readHelperConfig, startSecureHelper } from './secure-helper.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';

const USAGE = `usage: edgereco-gateway [serve] [--config site.json] [--port N]
       edgereco-gateway aggregate --config site.json
       edgereco-gateway relay --gateway https://ingest.example/ohttp [--port N] [--host H] [--origin O ...]
       edgereco-gateway helper --config helper.json [--port N] [--host H]

  serve       the ingest service (default): receives the SDK's privatized reports and appends them to the sink
              (sink.kind "file": a JSONL file, default data/reports.jsonl in the working directory; "kafka": a topic)
  aggregate   reads the sink once and writes the priors bundle named in the config's "aggregate" section
  relay       a minimal Oblivious HTTP relay (RFC 9458) in front of a gateway's /ohttp: forwards the encrypted bytes
              only (no client address or header), serves the gateway's key configuration at GET /ohttp-keys. Run by
              another party than the gateway for the central privacy figure to hold; any RFC 9458 relay will do.
  helper      the second aggregator of the secure mode (two-server aggregation with Prio3): run by another party
              than the store's leader; its config names the task, its key and state files and the environment
              variable holding the leader's bearer secret (docs/privacy.md). Default port 8789.

options:
  --config FILE   the site config (default $EDGERECO_GATEWAY_CONFIG, else one demo site for http://localhost:5173);
                  the package ships site.example.json to start from. Relative paths in it are relative to the
                  working directory.
  --port N        overrides the config's port (default 8787; 0 picks a free one; also $PORT); relay: default 8788
  --gateway URL   relay: the gateway's OHTTP resource (…/ohttp)
  --host H        relay: the address to listen on (default 127.0.0.1)
  --origin O      relay: a shop origin allowed to send through it (CORS; repeatable; none: any)
  --local-address A  relay: the local address it connects to the gateway from (default: the system's choice)
  --help          this text

environment: KAFKA_BOOTSTRAP=host:port,... switches the sink to Kafka; PORT overrides the port.`;

interface Parsed {
  command: 'serve' | 'aggregate' | 'relay' | 'helper' | 'help';
  config?: string;
  port?: string;
  gateway?: string;
  host?: string;
  'local-address'?: string;
  origins: string[];
}

function parse(argv: string[]): Parsed {
  const parsed: Parsed = { command: 'serve', origins: [] };
  let rest = argv;
  if (rest[0] === 'serve' || rest[0] === 'aggregate' || rest[0] === 'relay' || rest[0] === 'helper') [parsed.command, ...rest] = rest as ['serve' | 'aggregate' | 'relay' | 'helper', ...string[]];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h' || arg === 'help') return { command: 'help', origins: [] };
    const value = rest[i + 1];
    if (['--config', '--port', '--gateway', '--host', '--origin', '--local-address'].includes(arg) && value !== undefined && !value.startsWith('--')) {
      if (arg === '--origin') parsed.origins.push(value);
      else parsed[arg.slice(2) as 'config' | 'port' | 'gateway' | 'host' | 'local-address'] = value;
      i += 1;
    } else {
      throw createError(ERROR_CODES.INVALID_OPTION, { field: 'edgereco-gateway', requirement: `does not know the option ${arg}, or it lacks its value`, fix: `\n${USAGE}` });
    }
  }
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const parsed = parse(argv);
  if (parsed.command === 'help') {
    console.log(USAGE);
    return;
  }
  if (parsed.command === 'relay') {
    if (!parsed.gateway) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'edgereco-gateway relay', requirement: 'needs --gateway URL (the gateway\'s …/ohttp)', fix: `\n${USAGE}` });
    const relay = await startRelay({ gateway: parsed.gateway, port: parsed.port === undefined ? 8788 : Number(parsed.port), ...(parsed.host ? { host: parsed.host } : {}), ...(parsed['local-address'] ? { localAddress: parsed['local-address'] } : {}), origins: parsed.origins });
    process.stderr.write(`edgereco relay listening on ${relay.url}, forwarding to ${parsed.gateway}\n`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void relay.close().then(() => process.exit(0)));
    return;
  }
  if (parsed.command === 'helper') {
    if (!parsed.config) throw createError(ERROR_CODES.INVALID_OPTION, { field: 'edgereco-gateway helper', requirement: 'needs --config helper.json', fix: `\n${USAGE}` });
    const config = readHelperConfig(parsed.config);
    const helper = await startSecureHelper({ ...config, ...(parsed.port === undefined ? {} : { port: Number(parsed.port) }), ...(parsed.host ? { host: parsed.host } : {}) });
    process.stderr.write(`edgereco helper listening on ${helper.url} (task ${config.taskId}, σ ${helper.sigma} per entry, state ${config.stateFile})\n`);
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void helper.close().then(() => process.exit(0)));
    return;
  }
  const env = parsed.port === undefined ? process.env : { ...process.env, PORT: parsed.port };
  const config = gatewayConfigFromEnv(env, parsed.config ?? process.env.EDGERECO_GATEWAY_CONFIG);
  if (parsed.command === 'serve') {
    await serveGateway(config);
    return;
  }
  const aggregation = await aggregateSite(config);
  process.stderr.write(describeAggregation(aggregation, aggregation.out, aggregation.estimatesOut));
  const sec = aggregation.secure;
  if (sec) {
    const refused = Object.entries(sec.refused).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${why}`).join(', ');
    process.stderr.write(`edgereco aggregator: secure mode: ${sec.read} reports read, ${sec.accepted} counted${refused ? ` (refused: ${refused})` : ''}; ${sec.collected.length} periods collected; ${sec.items.length} items published from ${sec.summary.reports} reports (threshold ${sec.summary.threshold ?? 'none'}), labelled "secure-aggregation"\n`);
  }
  const o = aggregation.orders;
  if (o) {
    const skipped = o.skipped > 0 ? ` (${o.skipped} skipped: ${o.problems.slice(0, 3).join('; ')})` : '';
    process.stderr.write(`edgereco aggregator: the order feed gave ${o.orders} orders in the window${skipped} → ${o.items} best-sellers and ${o.pairs} bought-together pairs, labelled "orders" in ${aggregation.out}\n`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
