import { createHash } from 'node:crypto';

/** Longest encoded id kept whole; longer ones are hashed so names stay under 255 bytes with the temp suffix. */
const MAX_ENCODED = 160;
const HASHED = /^[a-z0-9_%-]*~[0-9a-f]{64}$/;
/** Names Windows reserves for devices, whatever the extension. */
const RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/;

/**
 * The file name of a job id in a FileJobStore: lower-case letters, digits, `_` and
 * `-` stay; anything else is escaped per UTF-16 code unit (`%xx`, `%uxxxx`), so the mapping is
 * one-to-one and safe on case-insensitive file systems; Windows device names are escaped; an
 * encoded id longer than 160 characters keeps a readable prefix plus its SHA-256.
 *
 * @example
 * ```ts
 * jobFileName('Order 17'); // '%4frder%2017.json'
 * ```
 */
export function jobFileName(jobId: string): string {
  let encoded = encodeId(jobId);
  if (encoded.length > MAX_ENCODED) {
    // The encoded id is ASCII and one-to-one with the id (lone surrogates included), so it is
    // what gets hashed; the readable prefix is cut before any partial escape.
    const prefix = encoded.slice(0, 96).replace(/%(u[0-9a-f]{0,3})?$|%[0-9a-f]$/, '');
    encoded = `${prefix}~${createHash('sha256').update(encoded).digest('hex')}`;
  }
  return `${encoded}.json`;
}

/**
 * @internal The name of the lease lock file of a job in a FileJobStore: its job file name with
 * `.lock` for `.json`, so it sits next to the job file and `list()` (which reads `.json` names
 * only) never mistakes it for a job.
 *
 * @example
 * ```ts
 * lockFileName('Order 17'); // '%4frder%2017.lock'
 * ```
 */
export function lockFileName(jobId: string): string {
  return `${jobFileName(jobId).slice(0, -'.json'.length)}.lock`;
}

/**
 * @internal The name of the write-ahead journal of a job in a FileJobStore: its job file name
 * with `.journal` for `.json`, next to the job file; `list()` never mistakes it for a job.
 *
 * @example
 * ```ts
 * journalFileName('Order 17'); // '%4frder%2017.journal'
 * ```
 */
export function journalFileName(jobId: string): string {
  return `${jobFileName(jobId).slice(0, -'.json'.length)}.journal`;
}

/** The empty id would make the hidden name `.json`; it gets a token no other id encodes to. */
const EMPTY_ID = '%-';

function encodeId(id: string): string {
  if (id === '') return EMPTY_ID;
  let out = '';
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2d) out += id[i];
    // Per UTF-16 code unit, not UTF-8 byte: a lone surrogate is a valid JS string and must round-trip.
    else if (c < 0x100) out += `%${c.toString(16).padStart(2, '0')}`;
    else out += `%u${c.toString(16).padStart(4, '0')}`;
  }
  if (RESERVED.test(out)) out = `%${out.charCodeAt(0).toString(16)}${out.slice(1)}`;
  return out;
}

/**
 * @internal The id of an encoded (not hashed) name without `.json`, or `undefined` when the
 * name is not one the store writes.
 *
 * @example
 * ```ts
 * jobIdOfFileName('%4frder%2017'); // 'Order 17'
 * ```
 */
export function jobIdOfFileName(name: string): string | undefined {
  if (name === EMPTY_ID) return '';
  let out = '';
  for (let i = 0; i < name.length; ) {
    const ch = name[i];
    if (ch !== '%') {
      if (!/[a-z0-9_-]/.test(ch)) return undefined;
      out += ch;
      i++;
      continue;
    }
    const hex = name[i + 1] === 'u' ? name.slice(i + 2, i + 6) : name.slice(i + 1, i + 3);
    const width = name[i + 1] === 'u' ? 4 : 2;
    if (hex.length !== width || !/^[0-9a-f]+$/.test(hex)) return undefined;
    out += String.fromCharCode(parseInt(hex, 16));
    i += width === 4 ? 6 : 3;
  }
  return out;
}

/**
 * @internal Whether a name without `.json` is a hashed one (its id is only inside the file).
 *
 * @example
 * ```ts
 * isHashedFileName('long-id~' + 'a'.repeat(64)); // true
 * ```
 */
export function isHashedFileName(base: string): boolean {
  return HASHED.test(base);
}
