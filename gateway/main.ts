/**
 * The ingest gateway as a process: `npx tsx gateway/main.ts`. Config from the environment (see config.ts): with
 * KAFKA_BOOTSTRAP set it produces to Kafka, otherwise it appends to gateway/data/reports.jsonl.
 */
import { gatewayConfigFromEnv } from './config.js';
import { startGateway } from './server.js';
import { createFileSink } from './sinks/file-sink.js';
import { createKafkaSink } from './sinks/kafka-sink.js';

const config = gatewayConfigFromEnv();
const sink = config.sink.kind === 'kafka'
  ? await createKafkaSink({ bootstrap: config.sink.bootstrap, ...(config.sink.clientId ? { clientId: config.sink.clientId } : {}) })
  : await createFileSink(config.sink.path, config.topics);
const gateway = await startGateway(config, { sink });
process.stderr.write(`edgereco gateway listening on ${gateway.url} (sink: ${config.sink.kind})\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void gateway.close().then(() => process.exit(0));
  });
}
