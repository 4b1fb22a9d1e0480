/**
 * The one catalog of edgereco errors (the shape of Orama's `errors.ts`): every code maps to one message template, and
 * {@link createError} builds the error from the code and the template's parameters, so a message names the same facts
 * wherever the failure happens. Every error the SDK throws or emits is an {@link EdgeRecoError} whose `code` is one of
 * {@link ERROR_CODES}; messages start with `edgereco:` and say what to do.
 */
export const ERROR_CODES = {
  /** A tracked event failed validation; `details.field` names the offending field. Nothing was stored. */
  INVALID_EVENT: 'INVALID_EVENT',
  /** An option passed to `createRecommender()` or to a method is invalid; `details.field` names it. */
  INVALID_OPTION: 'INVALID_OPTION',
  /**
   * Data the store supplied is invalid: a catalog row (`details.row`, `details.field`; the row is skipped with a
   * `warning`, and calls reject with this code only when no row at all is valid), a catalog file, a priors bundle.
   */
  INVALID_DATA: 'INVALID_DATA',
  /** A model bundle is not a valid edgereco bundle (not a manifest, bad JSON, a file failing its checksum, truncated). */
  INVALID_BUNDLE: 'INVALID_BUNDLE',
  /**
   * A file the SDK fetches (catalog, model bundle, priors) could not be loaded: `details.url`, `details.status` and the
   * message say which URL, what HTTP status and what came back (e.g. HTML instead of JSON).
   */
  FETCH_FAILED: 'FETCH_FAILED',
  /** The method's feature is not available here (not configured, or the platform lacks what it needs). */
  NOT_AVAILABLE: 'NOT_AVAILABLE',
  /** IndexedDB could not be opened or used; the SDK keeps working in memory (emitted as a warning). */
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  /** The browser's storage quota was exceeded even after evicting the oldest events. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** A stored database, a bundle or a file has a version this SDK does not know (written by a newer one). */
  UNSUPPORTED_VERSION: 'UNSUPPORTED_VERSION',
  /** The Web Worker could not be started or died. */
  WORKER_FAILED: 'WORKER_FAILED',
  /** A call took longer than its timeout. */
  TIMEOUT: 'TIMEOUT',
  /** The recommender was closed with `close()`. */
  CLOSED: 'CLOSED',
  /** The sync gateway refused reports with a 4xx (wrong key, origin, topic or schema); they were dropped, never retried. */
  SYNC_REJECTED: 'SYNC_REJECTED',
  /** Sending reports failed (network, 5xx, rate limit); they stay in the outbox and are retried (emitted as a warning). */
  SYNC_FAILED: 'SYNC_FAILED',
  /** An unexpected internal failure; please report it. */
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Shows a bad value in an error message: short, typed, never the whole object. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
}

const got = (p: object): string => ('got' in p ? ` (got ${describeValue((p as { got: unknown }).got)})` : '');
const then = (text: string | undefined): string => (text ? `; ${text}` : '');

/**
 * The message template of each code. Each takes the facts of one failure and returns the message (after
 * `edgereco: `). Parameters named in {@link DETAIL_KEYS} are also copied into the error's `details`.
 */
const MESSAGES = {
  /** `event.itemId must be a non-empty string (got 42)` */
  INVALID_EVENT: (p: { field: string; requirement: string; got?: unknown; hint?: string }) => `${p.field} ${p.requirement}${got(p)}${p.hint ?? ''}`,
  /** `options.k must be an integer from 1 to 200 (got 0)` */
  INVALID_OPTION: (p: { field: string; requirement: string; got?: unknown; fix?: string }) => `${p.field} ${p.requirement}${got(p)}${then(p.fix)}`,
  /** `catalog[3] (id "sku-3").price must be a number ≥ 0 (got "19.99"); the row was skipped` */
  INVALID_DATA: (p: { subject: string; field?: string; row?: number; line?: number; url?: string; requirement: string; got?: unknown; fix?: string }) =>
    `${p.subject} ${p.requirement}${got(p)}${p.line !== undefined ? ` (CSV line ${p.line})` : ''}${then(p.fix)}`,
  /** `the model bundle at https://…/manifest.json is not valid: it is not JSON (…); re-export it with edgereco train` */
  INVALID_BUNDLE: (p: { url?: string; file?: string; problem: string; fix?: string }) =>
    `the model bundle${p.url ? ` at ${p.url}` : ''} is not valid: ${p.problem}${then(p.fix ?? 'rebuild it with `edgereco train` and serve every file of its folder')}`,
  /** `could not load the model from https://…: HTTP 404 Not Found, HTML instead of JSON ("<!doctype html>…"); check options.modelUrl` */
  FETCH_FAILED: (p: { what: string; url: string; status?: number; statusText?: string; received?: string; reason?: string; option?: string }) =>
    `could not load ${p.what} from ${p.url}: ${p.status !== undefined ? `HTTP ${p.status}${p.statusText ? ` ${p.statusText}` : ''}` : 'the request failed'}` +
    `${p.received ? `, ${p.received}` : ''}${p.reason ? ` (${p.reason})` : ''}${p.option ? `; check options.${p.option}` : ''}`,
  /** `sync is not configured; pass options.syncUrl and options.syncKey` */
  NOT_AVAILABLE: (p: { what: string; fix?: string }) => `${p.what}${then(p.fix)}`,
  /** `IndexedDB could not be opened; events are kept in memory only` */
  STORAGE_UNAVAILABLE: (p: { problem: string; consequence?: string }) => `${p.problem}; ${p.consequence ?? 'events are kept in memory only'}`,
  /** `the storage quota is exhausted even after evicting old events; free space or lower maxEvents` */
  QUOTA_EXCEEDED: (p: { afterEviction: boolean }) => `the storage quota is exhausted${p.afterEviction ? ' even after evicting old events' : ''}; free space or lower maxEvents`,
  /** `catalog format version 2 is not supported (this SDK reads version 1); update edgereco` */
  UNSUPPORTED_VERSION: (p: { what: string; version?: unknown; supported: string; fix?: string }) =>
    `${p.what}${'version' in p ? ` version ${describeValue(p.version)}` : ''} is not supported (this SDK reads ${p.supported})${then(p.fix ?? 'update edgereco')}`,
  /** `the worker at /x.js failed to load or crashed (…); check options.workerUrl and …` */
  WORKER_FAILED: (p: { url: string; problem: string }) =>
    `the worker at ${p.url} ${p.problem}; check options.workerUrl and your Content-Security-Policy (worker-src)`,
  /** `recommend() took longer than 10000 ms; raise options.timeoutMs or retry` */
  TIMEOUT: (p: { method: string; ms: number }) => `${p.method}() took longer than ${p.ms} ms; raise options.timeoutMs or retry`,
  CLOSED: () => 'this recommender was closed; create a new one',
  /** `the sync gateway refused 2 report(s) with HTTP 403; they were dropped. Check …` */
  SYNC_REJECTED: (p: { count: number; reason: string; status?: number; fix?: string }) => `${p.reason}; ${p.count === 1 ? 'it was' : 'they were'} dropped${p.fix ? `. ${p.fix}` : ''}`,
  /** `the sync gateway answered HTTP 503; the reports stay on the device and are retried` */
  SYNC_FAILED: (p: { problem: string; status?: number; url?: string }) => `${p.problem}; the reports stay on the device and are retried`,
  /** `a sync pass failed; it is tried again later` */
  INTERNAL: (p: { problem: string; next?: string }) => `${p.problem}${then(p.next ?? 'please report it')}`,
} as const satisfies Record<ErrorCode, (p: never) => string>;

/** The parameters of a code's message template. */
export type ErrorParams<C extends ErrorCode> = Parameters<(typeof MESSAGES)[C]>[0] extends undefined ? Record<string, never> : Parameters<(typeof MESSAGES)[C]>[0];

/** Template parameters that also go into `details`, where code can read them (the rest is prose). */
const DETAIL_KEYS = ['field', 'row', 'line', 'url', 'status', 'file', 'method', 'count', 'option'] as const;

export interface EdgeRecoErrorOptions {
  cause?: unknown;
  /** Whether the same call may succeed if retried later. */
  retryable?: boolean;
  /** When retryable, how long to wait before retrying. */
  retryAfterMs?: number;
  /** Structured data about the failure, e.g. `{ field: 'event.itemId' }`. */
  details?: Record<string, unknown>;
}

export class EdgeRecoError extends Error {
  override readonly name = 'EdgeRecoError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: EdgeRecoErrorOptions = {}) {
    super(message.startsWith('edgereco:') ? message : `edgereco: ${message}`, { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details ?? {};
  }
}

/**
 * The one way to make an edgereco error: the code's template writes the message from `params`, whose facts named in
 * `DETAIL_KEYS` also land in `details` (merged with `options.details`).
 *
 * `createError('FETCH_FAILED', { what: 'the model', url, status: 404, option: 'modelUrl' })`
 */
export function createError<C extends ErrorCode>(code: C, params: ErrorParams<C>, options: EdgeRecoErrorOptions = {}): EdgeRecoError {
  const template = MESSAGES[code] as (p: ErrorParams<C>) => string;
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_KEYS) {
    const value = (params as Record<string, unknown>)[key];
    if (value !== undefined) details[key] = value;
  }
  return new EdgeRecoError(code, `edgereco: ${template(params)}`, { ...options, details: { ...details, ...options.details } });
}

export function isEdgeRecoError(value: unknown): value is EdgeRecoError {
  return value instanceof EdgeRecoError;
}

/** An error as it is, when it is already an edgereco error; else wrapped as `INTERNAL` with `problem` (cause kept). */
export function asEdgeRecoError(error: unknown, problem: string, next?: string): EdgeRecoError {
  return isEdgeRecoError(error) ? error : createError(ERROR_CODES.INTERNAL, next === undefined ? { problem } : { problem, next }, { cause: error });
}

/** The plain shape an error takes across the worker boundary (structured clone drops class and fields). */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  retryAfterMs?: number;
  details: Record<string, unknown>;
  causeMessage?: string;
}

export function serializeError(error: unknown): SerializedError {
  if (isEdgeRecoError(error)) {
    const out: SerializedError = {
      code: error.code,
      message: error.message,
      retryable: error.retryable,
      details: error.details,
    };
    if (error.retryAfterMs !== undefined) out.retryAfterMs = error.retryAfterMs;
    if (error.cause instanceof Error) out.causeMessage = `${error.cause.name}: ${error.cause.message}`;
    return out;
  }
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return serializeError(createError(ERROR_CODES.INTERNAL, { problem: `unexpected failure (${message})` }));
}

export function deserializeError(data: SerializedError): EdgeRecoError {
  const options: EdgeRecoErrorOptions = { retryable: data.retryable, details: data.details };
  if (data.retryAfterMs !== undefined) options.retryAfterMs = data.retryAfterMs;
  if (data.causeMessage !== undefined) options.cause = new Error(data.causeMessage);
  return new EdgeRecoError(data.code, data.message, options);
}
