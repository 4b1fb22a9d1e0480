import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { GatewayConfig } from './config.js';
import { startGateway, type AccessLogEntry, type Gateway } from './server.js';
import { createFileSink } from './sinks/file-sink.js';
import { createKafkaSink } from './sinks/kafka-sink.js';
import { TokenService } from './token-service.js';
import { loadOhttpKey } from './ohttp-key.js';

/** The access log the config asks for: JSON lines appended to `accessLog`, or on standard output. */
function accessLog(config: GatewayConfig): (entry: AccessLogEntry) => void {
  if (!config.accessLog) return (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`);
  mkdirSync(dirname(config.accessLog), { recursive: true });
  const file = createWriteStream(config.accessLog, { flags: 'a' });
  return (entry) => file.write(`${JSON.stringify(entry)}\n`);
}

/**
 * Runs the ingest service as a process (`edgereco-gateway`, `npm run gateway`): opens the configured sink, listens, and
 * closes cleanly on SIGINT / SIGTERM.
 */
export async function serveGateway(config: GatewayConfig): Promise<Gateway> {
  const sink = config.sink.kind === 'kafka'
    ? await createKafkaSink({ bootstrap: config.sink.bootstrap, ...(config.sink.clientId ? { clientId: config.sink.clientId } : {}) })
    : await createFileSink(config.sink.path, config.secure ? [...config.topics, config.secure.topic] : config.topics);
  const tokens = config.tokens ? await TokenService.open(config.tokens, Date.now()) : undefined;
  const ohttpKey = config.ohttp ? await loadOhttpKey(config.ohttp.keyFile ?? 'data/ohttp-key.json') : undefined;
  const gateway = await startGateway(config, { sink, log: accessLog(config), ...(tokens ? { tokens } : {}), ...(ohttpKey ? { ohttpKey } : {}) });
  const where = config.sink.kind === 'kafka' ? `Kafka at ${config.sink.bootstrap.join(',')}` : `file ${config.sink.path}`;
  const via = ohttpKey ? `; OHTTP gateway at ${gateway.url}/ohttp, key configuration at ${gateway.url}/ohttp-keys${config.ohttp?.required ? ', reports only through a relay' : ''}` : '';
  const paid = config.tokens ? `; Privacy Pass tokens required, issuer keys in ${config.tokens.keyDir}` : '';
  process.stderr.write(`edgereco gateway listening on ${gateway.url} (sink: ${where}${via}${paid})\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void gateway.close().then(() => process.exit(0));
    });
  }
  return gateway;
}
