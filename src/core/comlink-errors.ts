import { deserializeError, serializeError, type SerializedError } from './errors.js';

/** The slice of comlink's `TransferHandler` this file needs (core does not import comlink itself). */
interface ThrowHandler {
  canHandle(value: unknown): boolean;
  serialize(value: unknown): [unknown, Transferable[]];
  deserialize(value: unknown): unknown;
}

/*
 * comlink's default handler for thrown values keeps only `message` and `stack`, so an error's `code` would be lost
 * crossing the worker boundary. The worker sends errors as a `SerializedError`; the page turns them back into an
 * `EdgeRecoError` with its `code`, `details` and retry data. Each side installs its half, so the page's bundle does not
 * carry the worker's.
 */

function replace(transferHandlers: Map<string, unknown>, part: Partial<ThrowHandler>): void {
  const base = transferHandlers.get('throw') as ThrowHandler;
  transferHandlers.set('throw', { ...base, canHandle: base.canHandle, serialize: base.serialize, deserialize: base.deserialize, ...part });
}

/** On the worker: thrown errors cross as `SerializedError`. */
export function sendErrorCodes(transferHandlers: Map<string, unknown>): void {
  replace(transferHandlers, { serialize: (thrown) => [serializeError((thrown as { value: unknown }).value), []] });
}

/** On the page: a `SerializedError` from the worker is thrown as `EdgeRecoError`. */
export function receiveErrorCodes(transferHandlers: Map<string, unknown>): void {
  replace(transferHandlers, {
    deserialize: (data) => {
      throw deserializeError(data as SerializedError);
    },
  });
}
