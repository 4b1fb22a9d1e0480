/**
 * The `edgereco-gateway` command (the @edgereco/gateway package's bin):
 *   edgereco-gateway [serve] [--config site.json] [--port N]   the ingest service
 *   edgereco-gateway aggregate --config site.json               one aggregation run into a priors bundle
 */
import { aggregateSite } from './aggregate-site.js';
import { describeAggregation } from './aggregator-run.js';
import { gatewayConfigFromEnv } from './config.js';
import { serveGateway } from './serve.js';
import { createError, ERROR_CODES } from '../src/core/errors.js';

const USAGE = `usage: edgereco-gateway [serve] [--config site.json] [--port N]
       edgereco-gateway aggregate --config site.json

  serve       the ingest service (default): receives the SDK's privatized reports and appends them to the sink
              (sink.kind "file": a JSONL file, default data/reports.jsonl in the working directory; "kafka": a topic)
  aggregate   reads the sink once and writes the priors bundle named in the config's "aggregate" section

options:
  --config FILE   the site config (default $EDGERECO_GATEWAY_CONFIG, else one demo site for http://localhost:5173);
                  the package ships site.example.json to start from. Relative paths in it are relative to the
                  working directory.
  --port N        overrides the config's port (default 8787; 0 picks a free one; also $PORT)
  --help          this text

environment: KAFKA_BOOTSTRAP=host:port,... switches the sink to Kafka; PORT overrides the port.`;

interface Parsed {
  command: 'serve' | 'aggregate' | 'help';
  config?: string;
  port?: string;
}

function parse(argv: string[]): Parsed {
  const parsed: Parsed = { command: 'serve' };
  let rest = argv;
  if (rest[0] === 'serve' || rest[0] === 'aggregate') [parsed.command, ...rest] = rest as ['serve' | 'aggregate', ...string[]];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg === '--help' || arg === '-h' || arg === 'help') return { command: 'help' };
    const value = rest[i + 1];
    if ((arg === '--config' || arg === '--port') && value !== undefined && !value.startsWith('--')) {
      parsed[arg === '--config' ? 'config' : 'port'] = value;
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
  const env = parsed.port === undefined ? process.env : { ...process.env, PORT: parsed.port };
  const config = gatewayConfigFromEnv(env, parsed.config ?? process.env.EDGERECO_GATEWAY_CONFIG);
  if (parsed.command === 'serve') {
    await serveGateway(config);
    return;
  }
  const aggregation = await aggregateSite(config);
  process.stderr.write(describeAggregation(aggregation, aggregation.out));
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
