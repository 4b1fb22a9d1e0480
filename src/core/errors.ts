/**
 * The one catalog of edgereco errors. Every error the SDK throws or emits is an {@link EdgeRecoError} whose `code` is
 * one of {@link ERROR_CODES}; messages start with `edgereco:` and say what to do.
 */
export const ERROR_CODES = {
  /** A tracked event failed validation; `details.field` names the offending field. Nothing was stored. */
  INVALID_EVENT: 'INVALID_EVENT',
  /** An option passed to `createRecommender()` or to a method is invalid. */
  INVALID_OPTION: 'INVALID_OPTION',
  /** The method's feature is not part of this build yet. */
  NOT_AVAILABLE: 'NOT_AVAILABLE',
  /** IndexedDB could not be opened or used; the SDK keeps working in memory (emitted as a warning). */
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  /** The browser's storage quota was exceeded even after evicting the oldest events. */
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  /** A stored database has a layout this version does not know (written by a newer SDK). */
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

export function isEdgeRecoError(value: unknown): value is EdgeRecoError {
  return value instanceof EdgeRecoError;
}

/** Shows a bad value in an error message: short, typed, never the whole object. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return `a ${typeof value}`;
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
  return { code: ERROR_CODES.INTERNAL, message: `edgereco: unexpected failure (${message})`, retryable: false, details: {} };
}

export function deserializeError(data: SerializedError): EdgeRecoError {
  const options: EdgeRecoErrorOptions = { retryable: data.retryable, details: data.details };
  if (data.retryAfterMs !== undefined) options.retryAfterMs = data.retryAfterMs;
  if (data.causeMessage !== undefined) options.cause = new Error(data.causeMessage);
  return new EdgeRecoError(data.code, data.message, options);
}
