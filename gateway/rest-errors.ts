/**
 * Errors in the Confluent REST Proxy v2 style: an HTTP status and a body `{ "error_code": <status × 100 + n>,
 * "message": "..." }`, so clients written for a Confluent REST Proxy read them unchanged.
 */
export const REST_ERRORS = {
  BAD_REQUEST: { status: 400, code: 40001 },
  BAD_JSON: { status: 400, code: 40002 },
  UNAUTHORIZED: { status: 401, code: 40101 },
  FORBIDDEN_ORIGIN: { status: 403, code: 40301 },
  /** The site takes reports only through its OHTTP relay (config `ohttp.required`). */
  OHTTP_REQUIRED: { status: 403, code: 40302 },
  NOT_FOUND: { status: 404, code: 40401 },
  TOPIC_NOT_FOUND: { status: 404, code: 40401 },
  METHOD_NOT_ALLOWED: { status: 405, code: 40501 },
  REQUEST_TIMEOUT: { status: 408, code: 40801 },
  TOO_LARGE: { status: 413, code: 41301 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: 41501 },
  INVALID_RECORD: { status: 422, code: 42201 },
  /** A valid report the site does not accept: another ε than the site's for its kind, or a period outside the window. */
  POLICY_REFUSED: { status: 422, code: 42202 },
  RATE_LIMITED: { status: 429, code: 42901 },
  INTERNAL: { status: 500, code: 50001 },
  SINK_UNAVAILABLE: { status: 503, code: 50301 },
  // Privacy Pass (config `tokens`, token-service.ts): a report without a token, or with a bad or spent one.
  TOKEN_MISSING: { status: 401, code: 40102 },
  TOKEN_INVALID: { status: 401, code: 40103 },
  TOKEN_SPENT: { status: 409, code: 40901 },
  /** A token request for an issuer key that is not the current one. */
  TOKEN_KEY_UNKNOWN: { status: 400, code: 40003 },
  /** The issuance policy gives this client no more tokens today (`Retry-After`: the next UTC day). */
  ISSUANCE_LIMITED: { status: 429, code: 42902 },
  TOKENS_FULL: { status: 503, code: 50302 },
} as const;
export type RestErrorKind = keyof typeof REST_ERRORS;

export class RestError extends Error {
  override readonly name = 'RestError';
  readonly status: number;
  readonly errorCode: number;
  readonly headers: Record<string, string>;

  constructor(kind: RestErrorKind, message: string, options: { cause?: unknown; headers?: Record<string, string> } = {}) {
    super(message.startsWith('edgereco') ? message : `edgereco gateway: ${message}`, { cause: options.cause });
    this.status = REST_ERRORS[kind].status;
    this.errorCode = REST_ERRORS[kind].code;
    this.headers = options.headers ?? {};
  }

  body(): string {
    return JSON.stringify({ error_code: this.errorCode, message: this.message });
  }
}
