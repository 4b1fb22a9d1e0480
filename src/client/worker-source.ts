/**
 * Where the worker comes from: a URL (`options.workerUrl`, or the folder of the script tag), or the package's own
 * start function (src/index.ts: the literal `new Worker(new URL(...))` a store's bundler follows) with a label for
 * messages. Its own file, so the shipped types never reach the worker client (and comlink's types).
 */
export type WorkerSource = string | URL | { label: string; start: () => Worker };
