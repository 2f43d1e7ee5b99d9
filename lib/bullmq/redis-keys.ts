import { ConfigurationError, SerializationError, describeValue } from '../errors/errors.js';

/** Characters an encoded id keeps as they are. */
const PLAIN = /^[A-Za-z0-9_.-]$/;
/** An id made of plain characters only, which encodes to itself. */
const ALL_PLAIN = /^[A-Za-z0-9_.-]+$/;
/** What the empty id encodes to: no other id does (`%-` is no escape), and `{}` would be no hash tag. */
const EMPTY = '%-';

/**
 * @internal An id (job or flow) as it appears in Redis keys and BullMQ ids: ASCII letters, digits,
 * `_`, `.` and `-` stay; every other UTF-16 code unit is escaped (`%xx` below 0x100, `%uxxxx`
 * above), so the mapping is one-to-one for any string, lone surrogates included. The result
 * never holds `:` (BullMQ refuses it in ids), `{` or `}` (Redis Cluster hash tags), and never
 * reads as an integer once a BullMQ id adds its `.n` suffix.
 *
 * @example
 * ```ts
 * encodeId('order:17'); // 'order%3a17'
 * encodeId('42');       // '42' (BullMQ ids add '.1', so never an integer)
 * ```
 */
export function encodeId(id: string): string {
  if (id.length === 0) return EMPTY;
  if (ALL_PLAIN.test(id)) return id; // the common case (generated UUIDs): nothing to escape
  let out = '';
  for (let i = 0; i < id.length; i++) {
    const ch = id[i];
    if (PLAIN.test(ch)) out += ch;
    else {
      const code = id.charCodeAt(i);
      out += code < 0x100 ? `%${code.toString(16).padStart(2, '0')}` : `%u${code.toString(16).padStart(4, '0')}`;
    }
  }
  return out;
}

/**
 * @internal The id {@link encodeId} encoded.
 *
 * @throws {SerializationError} for a string `encodeId` cannot have made.
 * @example
 * ```ts
 * decodeId('order%3a17'); // 'order:17'
 * ```
 */
export function decodeId(encoded: string): string {
  if (encoded === EMPTY) return '';
  let out = '';
  for (let i = 0; i < encoded.length; ) {
    const ch = encoded[i];
    if (ch !== '%') {
      if (!PLAIN.test(ch)) throw new SerializationError(`Redis key: ${describeValue(encoded)} is not an encoded id`);
      out += ch;
      i++;
      continue;
    }
    const wide = encoded[i + 1] === 'u';
    const hex = wide ? encoded.slice(i + 2, i + 6) : encoded.slice(i + 1, i + 3);
    if (!/^[0-9a-f]+$/.test(hex) || hex.length !== (wide ? 4 : 2)) throw new SerializationError(`Redis key: ${describeValue(encoded)} is not an encoded id`);
    out += String.fromCharCode(parseInt(hex, 16));
    i += wide ? 6 : 3;
  }
  return out;
}

/**
 * @internal The id whose encoding `encoded` is, or `undefined` when `encodeId` cannot have made
 * it (a SCAN match that is another prefix's key, say `rlx:job:{x}:job:{a}:state` for prefix
 * `rlx`, or a key written by hand): such a key is not a job of this prefix.
 *
 * @example
 * ```ts
 * ownId('order%3a17'); // 'order:17'
 * ownId('x}:job:{a');  // undefined
 * ```
 */
export function ownId(encoded: string): string | undefined {
  let id: string;
  try {
    id = decodeId(encoded);
  } catch {
    return undefined;
  }
  return encodeId(id) === encoded ? id : undefined;
}

/**
 * The Redis names of one job under `prefix` (`RedisJobStore.keysOf`). Every key shares the hash tag
 * `{<encoded id>}`, so the Lua scripts that touch several of them also run on Redis Cluster.
 *
 * @example
 * ```ts
 * jobKeys('rlx', 'order:17').state; // 'rlx:job:{order%3a17}:state'
 * ```
 */
export interface JobKeys {
  /** The snapshot: job JSON text. */
  readonly state: string;
  /** The journal since that snapshot: a list of entry JSON texts. */
  readonly journal: string;
  /** A hash: lease (owner, until, epoch, held), status, updated, publish seq, recoveries, control cursor. */
  readonly meta: string;
  /** The control stream: pause, resume, cancel, send, ... from clients to the owner. */
  readonly control: string;
  /** The Tier 2 inbox stream: results of pool activations, to the owner. */
  readonly inbox: string;
  /** Pub/sub: status changes and observed emissions, to clients. */
  readonly channel: string;
}

/**
 * @internal What every key of one job starts with; `${base}:meta` and so on are {@link jobKeys}'
 * names, for a caller that needs one or two of them (no object of six per call).
 *
 * @example
 * ```ts
 * jobKeyBase('rlx', 'order:17'); // 'rlx:job:{order%3a17}'
 * ```
 */
export function jobKeyBase(prefix: string, jobId: string): string {
  return `${prefix}:job:{${encodeId(jobId)}}`;
}

/** @internal See {@link JobKeys}. @example `jobKeys('rlx', 'a').meta // 'rlx:job:{a}:meta'` */
export function jobKeys(prefix: string, jobId: string): JobKeys {
  const base = jobKeyBase(prefix, jobId);
  return {
    state: `${base}:state`,
    journal: `${base}:journal`,
    meta: `${base}:meta`,
    control: `${base}:control`,
    inbox: `${base}:inbox`,
    channel: `${base}:out`,
  };
}

/**
 * @internal The pub/sub channel of one worker (lease owner): "job X has a new control command"
 * and pool results for the jobs it owns. The scripts find the owner in the job's meta, so a
 * worker subscribes once, not once per job.
 *
 * @example
 * ```ts
 * ownerChannel('rlx', 'host:42:ab12'); // 'rlx:owner:host:42:ab12'
 * ```
 */
export function ownerChannel(prefix: string, owner: string): string {
  return `${prefix}:owner:${owner}`;
}

/**
 * @internal The pub/sub channel of one client (a `BullMQRunner`): the status messages of the jobs
 * it started, each as `<encoded job id>\n<message>`, so a client starting thousands of jobs
 * subscribes once instead of once per job. REGISTER names it in the job's meta (`watch`).
 *
 * @example
 * ```ts
 * watcherChannel('rlx', 'a1b2c3d4'); // 'rlx:watcher:a1b2c3d4'
 * ```
 */
export function watcherChannel(prefix: string, watcher: string): string {
  return `${prefix}:watcher:${watcher}`;
}

/**
 * @internal Checks a key prefix: any non-empty string. (On Redis Cluster BullMQ wants a
 * hash-tagged one, such as `'{rlx}'`: every job key then shares that tag, one slot, which the
 * scripts are fine with; they need only that one job's keys share a slot.)
 *
 * @throws {ConfigurationError} naming the caller and the bad prefix.
 * @example
 * ```ts
 * checkPrefix('rlx', 'RedisJobStore'); // 'rlx'
 * ```
 */
export function checkPrefix(prefix: unknown, where: string): string {
  if (typeof prefix !== 'string' || prefix.length === 0) throw new ConfigurationError(`${where}: prefix must be a non-empty string, got ${describeValue(prefix)}`);
  return prefix;
}
