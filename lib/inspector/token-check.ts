import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * @internal Whether a request may change jobs: `'ok'`, `'read-only'` (the inspector has no
 * token: nothing may change) or `'refused'` (no `Authorization: Bearer <token>` header, or
 * another token). Tokens are compared in constant time, as digests of equal length. Only a
 * header counts: a token in a URL ends up in logs and browser history.
 *
 * @example
 * ```ts
 * if (checkToken(req.headers, options.token) !== 'ok') return refuse(res);
 * ```
 */
export function checkToken(headers: IncomingHttpHeaders, token: string | undefined): 'ok' | 'read-only' | 'refused' {
  if (token === undefined) return 'read-only';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  if (m === null) return 'refused';
  return timingSafeEqual(digest(m[1]), digest(token)) ? 'ok' : 'refused';
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
