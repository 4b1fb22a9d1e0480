/**
 * The script-tag build. Paste this before it, and call edgereco at once; nothing is lost while the script loads:
 *
 *   <script>
 *     window.edgereco = window.edgereco || [];
 *     edgereco.push(['init', { storeId: 'my-shop', catalogUrl: '/catalog.json' }]);
 *     edgereco.push(['track', { type: 'view', itemId: 'sku-42' }]);
 *     edgereco.push(['recommend', { k: 8 }, function (items, error) { ... }]);
 *   </script>
 *   <script async src="/edgereco-0.1.0/edgereco.embed.js"></script>   (the CDN folder, dist/cdn/edgereco-<version>/)
 *
 * On load the queued commands run in order ('init' first wherever it was queued); afterwards `edgereco.push` runs a
 * command at once and `edgereco.recommend(...)` etc. can be called directly.
 */
import { createRecommenderWith, type Recommender } from './client/create-recommender.js';
import type { RecommenderOptions } from './core/config.js';
import type { WorkerSource } from './client/worker-source.js';
import { createPageError } from './core/errors.js';

type Callback = (result: unknown, error?: unknown) => void;
type Command = [string, ...unknown[]];

interface EmbedGlobal {
  edgereco?: Command[] | EmbedApi;
}

interface EmbedApi extends Recommender {
  push(...commands: Command[]): number;
}

const METHODS = ['track', 'recommend', 'related', 'frequentlyBoughtTogether', 'search', 'suggest', 'rerank', 'updateCatalog', 'explain', 'forget', 'optOut', 'optIn', 'exportData', 'privacy', 'syncNow', 'on', 'close'] as const;

const script = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null;
const base = script?.src || (typeof location !== 'undefined' ? location.href : '');

/**
 * The worker next to this script (the CDN folder: dist/cdn/edgereco-<version>/). A page may not start a worker from
 * another origin, so from a CDN it starts a one-line module worker from a blob that imports the real one (the CDN must
 * send CORS headers, as public CDNs do); the worker then finds its `.wasm` next to itself.
 */
function workerNextToScript(): WorkerSource {
  const url = new URL('edgereco.worker.js', base);
  if (typeof location === 'undefined' || url.origin === location.origin) return url;
  return {
    label: url.href,
    start: () => {
      const blob = new Blob([`import ${JSON.stringify(url.href)};`], { type: 'text/javascript' });
      return new Worker(URL.createObjectURL(blob), { type: 'module', name: 'edgereco' });
    },
  };
}

function run(reco: Recommender, command: Command): void {
  const [name, ...args] = command;
  const callback = typeof args[args.length - 1] === 'function' && name !== 'on' ? (args.pop() as Callback) : undefined;
  if (!(METHODS as readonly string[]).includes(name)) {
    const error = createPageError('INVALID_OPTION', { field: 'the command', requirement: `must be one of init, ${METHODS.join(', ')}`, got: name });
    if (callback) callback(undefined, error);
    else console.error(error);
    return;
  }
  const result = (reco[name as (typeof METHODS)[number]] as (...a: unknown[]) => unknown)(...args);
  if (result instanceof Promise) {
    result.then(
      (value) => callback?.(value),
      (error: unknown) => (callback ? callback(undefined, error) : console.error(error)),
    );
  } else {
    callback?.(result);
  }
}

function boot(): void {
  const g = globalThis as unknown as EmbedGlobal;
  const queued: Command[] = Array.isArray(g.edgereco) ? g.edgereco : [];
  if (g.edgereco && !Array.isArray(g.edgereco)) return; // loaded twice
  const init = queued.find((c) => Array.isArray(c) && c[0] === 'init');
  const options = (init?.[1] ?? {}) as RecommenderOptions;
  const reco = createRecommenderWith({ defaultWorker: workerNextToScript }, options);
  const api = Object.assign(Object.create(null) as object, reco, {
    push(...commands: Command[]): number {
      for (const command of commands) if (Array.isArray(command) && command[0] !== 'init') run(reco, command);
      return 0;
    },
  }) as EmbedApi;
  g.edgereco = api;
  for (const command of queued) api.push(command);
}

boot();
