/**
 * The ingest gateway from the repository: `npm run gateway`. Config from the environment (see config.ts): with
 * KAFKA_BOOTSTRAP set it produces to Kafka, otherwise it appends to data/reports.jsonl in the working directory. The
 * installed package runs the same service as `edgereco-gateway --config site.json` (cli.ts).
 */
import { gatewayConfigFromEnv } from './config.js';
import { serveGateway } from './serve.js';

await serveGateway(gatewayConfigFromEnv());
