import type { IncomingMessage } from 'node:http';
import { RestError } from './rest-errors.js';

/**
 * Reads a request body up to `maxBytes`, within `timeoutMs` in total (a slow sender is cut off, not waited for).
 * An oversized Content-Length is refused before reading anything.
 */
export function readBody(request: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  if (declared !== undefined && Number(declared) > maxBytes) {
    return Promise.reject(new RestError('TOO_LARGE', `request body is larger than ${maxBytes} bytes; send smaller batches`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (error: RestError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      if (error) {
        request.resume(); // drain and discard the rest
        reject(error);
      } else {
        resolve(Buffer.concat(chunks, size));
      }
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(new RestError('TOO_LARGE', `request body is larger than ${maxBytes} bytes; send smaller batches`));
      else chunks.push(chunk);
    };
    const onEnd = () => finish(null);
    const onError = () => finish(new RestError('BAD_REQUEST', 'the request body could not be read'));
    const timer = setTimeout(() => finish(new RestError('REQUEST_TIMEOUT', `the request body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
  });
}
