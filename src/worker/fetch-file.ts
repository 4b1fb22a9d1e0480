import { createError, ERROR_CODES, type EdgeRecoError } from '../core/errors.js';

/** What a fetched file is, for messages: `what` ("the model bundle"), the option that names it (`modelUrl`). */
export interface FileRole {
  what: string;
  option: string;
}

/** The first bytes of a body, in words: `HTML instead of JSON ("<!doctype html>…")`, `an empty body`, `"{\"a\"…"`. */
export function describeBody(text: string, expected: string): string {
  const start = text.trimStart();
  if (start === '') return 'an empty body';
  const snippet = JSON.stringify(start.length > 60 ? `${start.slice(0, 60)}…` : start);
  return start.startsWith('<') ? `HTML instead of ${expected} (${snippet}), most likely the site's fallback page: the URL is wrong` : `the body starts ${snippet}`;
}

/**
 * Fetches a file the store configured. A network failure or a non-2xx answer rejects with `FETCH_FAILED` naming the
 * URL, the status and the first bytes that came back; so does an HTML page where `expected` data was asked for (a
 * single-page app's fallback answers 200 with its index.html for any path).
 */
export async function fetchFile(url: string, role: FileRole, expected: string, init?: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (cause) {
    throw createError(ERROR_CODES.FETCH_FAILED, { ...role, url, reason: String(cause) }, { cause, retryable: true });
  }
  if (!response.ok) {
    const text = await response.text().catch(() => '');
    throw createError(ERROR_CODES.FETCH_FAILED, { ...role, url, status: response.status, statusText: response.statusText, received: describeBody(text, expected) }, { retryable: response.status >= 500 || response.status === 429 });
  }
  if ((response.headers.get('content-type') ?? '').includes('text/html') && expected !== 'HTML') {
    const text = await response.clone().text().catch(() => '');
    throw createError(ERROR_CODES.FETCH_FAILED, { ...role, url, status: response.status, statusText: response.statusText, received: describeBody(text.trimStart().startsWith('<') ? text : `<${text}`, expected) });
  }
  return response;
}

/** A response's validator (ETag, else Last-Modified), or null when it has neither: what tells one version from the next. */
export function validatorOf(response: Response): string | null {
  return response.headers.get('etag') ?? response.headers.get('last-modified');
}

/** Reads a response as JSON; a body that is not JSON rejects with `invalid(problem)`, naming what came back. */
export async function readJson(response: Response, invalid: (problem: string, cause: unknown) => EdgeRecoError): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    const problem = text.trimStart().startsWith('<') ? describeBody(text, 'JSON') : `${text.length === 0 ? 'the body is empty' : `it is not JSON, or cut short (${text.length} bytes, ${String(cause)})`}`;
    throw invalid(problem, cause);
  }
}
