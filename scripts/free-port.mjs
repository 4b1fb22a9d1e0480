// A free TCP port on loopback, for the tests and benchmarks that start servers of their own.
import { createServer } from 'node:net';

/** Resolves with a port that was free a moment ago (listen on 0, read the port, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
