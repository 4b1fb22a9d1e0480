import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gaussianSigma } from '../../../gateway/discrete-gaussian.js';
import { loadOhttpKey } from '../../../gateway/ohttp-key.js';
import { SecureAggregator, secureHelperRoutes } from '../../../gateway/secure-aggregation.js';

/**
 * What the secure mode's tests share: a helper (the second aggregator) over real HTTP in this process, with its key
 * endpoint, as `edgereco-gateway helper` serves it; and the task's item list and catalog files in `dir`.
 */
export async function startTestHelper(options: { dir: string; taskId: string; items: readonly string[]; verifyKey: string; token: string; maxItems: number; stateFile?: string }): Promise<{ server: Server; url: string; aggregator: SecureAggregator }> {
  const key = await loadOhttpKey(join(options.dir, 'helper-key.json'));
  const aggregator = new SecureAggregator(1, { taskId: options.taskId, length: options.items.length, key, verifyKey: options.verifyKey, sigma: gaussianSigma(Math.sqrt(2 * options.maxItems), 2, 1e-6), ...(options.stateFile ? { stateFile: options.stateFile } : {}) });
  const routes = secureHelperRoutes(aggregator, options.token);
  const server = createServer((req, res) => (req.url === '/secure/v1/key' ? void res.writeHead(200).end(key.keysBody) : void routes(req, res).then((handled) => handled || res.writeHead(404).end())));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  writeFileSync(join(options.dir, 'items.json'), JSON.stringify(options.items));
  writeFileSync(join(options.dir, 'catalog.json'), JSON.stringify(options.items.map((id) => ({ id }))));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, aggregator };
}
