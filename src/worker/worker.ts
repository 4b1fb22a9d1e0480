/// <reference lib="webworker" />
import { expose, transferHandlers } from 'comlink';
import { sendErrorCodes } from '../core/comlink-errors.js';
import { messageArrived } from '../core/next-task.js';
import { Engine, LEAVE } from './engine.js';

sendErrorCodes(transferHandlers as Map<string, unknown>);
// Background work gives way while a page is calling (next-task.ts).
if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
  // A SharedWorker (src/index.ts): one engine for every page of the store that connects, kept across a navigation
  // where the browser extends its lifetime. The first page's init() starts it; the others join it; a page's close()
  // (or its port closing) only lets that page go.
  const engine = new Engine(true);
  self.addEventListener('connect', (event) => {
    const port = (event as MessageEvent).ports[0]!;
    const page = {};
    // Before comlink's listener: a page that goes (src/index.ts sends this on pagehide; MessagePort's close event
    // does not fire in Chromium 156) stops hearing the engine's events.
    port.addEventListener('message', (message) => {
      if (message.data !== LEAVE) return messageArrived();
      message.stopImmediatePropagation();
      engine.leave(page);
    });
    const forPage = new Proxy(engine, {
      get(target, key) {
        if (key === 'init') return (init: Parameters<Engine['init']>[0], notify: Parameters<Engine['init']>[1]) => target.init(init, notify, page);
        if (key === 'close') return () => target.close(page);
        const value = Reflect.get(target, key) as unknown;
        // Each call noted under the engine it runs on: a restart waits for it (Engine.hold).
        return typeof value === 'function' ? (...args: unknown[]) => target.hold(() => (value as (...a: unknown[]) => unknown).apply(target, args)) : value;
      },
    });
    expose(forPage, port);
  });
} else {
  self.addEventListener('message', messageArrived);
  expose(new Engine());
}
