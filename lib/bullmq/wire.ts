import { createHash } from 'node:crypto';
import { fromJSONTree, toJSONTree } from '../core/value-codec.js';
import type { Payload } from '../core/payload.js';
import type { JobStatus } from '../core/records.js';
import { SerializationError, describeValue } from '../errors/errors.js';
import { encodeId } from './redis-keys.js';

/** Wire format version of BullMQ job data, control commands and channel messages. */
export const WIRE_VERSION = 1;

/**
 * @internal The data of one BullMQ job of a flow's queue: "own routilux job `jobId` now".
 * `start` and `open` carry what starts it the first time (a later delivery finds its snapshot
 * and resumes it instead); `control` only brings an owner to apply queued control commands.
 */
export interface WireJob {
  v: typeof WIRE_VERSION;
  jobId: string;
  kind: 'start' | 'open' | 'control';
  /** The client's flow fingerprint: a worker whose flow differs refuses the job. */
  fp: string;
  entry?: { routineId: string; slot: string; params: unknown };
  timeout?: number;
}

/** @internal One control command, as the owner reads it from the job's control stream. */
export type ControlCommand =
  | { op: 'pause'; reason: string; checkpoint: Payload }
  | { op: 'resume' }
  | { op: 'cancel'; reason?: string }
  | { op: 'send'; routineId: string; slotName: string; data: Payload }
  // A value of a client's input (`id`) that is not a plain object, by its kind (see remoteInput).
  | { op: 'input-bad'; id: string; kind: string }
  | { op: 'hold'; id: string; routineId: string; slotName: string }
  | { op: 'unhold'; id: string }
  | { op: 'input-error'; id: string; routineId: string; slotName: string; error: { name: string; message: string } }
  | { op: 'close' }
  | { op: 'observe'; routineId: string; eventName: string }
  | { op: 'outputs' };

/** @internal A command and its stream entry id. */
export interface ControlEntry {
  id: string;
  command: ControlCommand;
}

/**
 * @internal Encodes a value for the wire exactly as job JSON encodes it (Dates, Maps, BigInts,
 * registered payload classes come back as they were).
 *
 * @throws {SerializationError} naming the path of what cannot be encoded.
 * @example
 * ```ts
 * JSON.stringify(encodeValue({ at: new Date(0) }, "send('a', 'in')"));
 * ```
 */
export function encodeValue(value: unknown, what: string): unknown {
  return toJSONTree(value, { what, path: 'data' });
}

/** @internal The value {@link encodeValue} encoded. @example `decodeValue(json, 'control send') as Payload` */
export function decodeValue(json: unknown, where: string): unknown {
  return fromJSONTree(json, where);
}

/**
 * @internal The command's fields for XADD (`v`, `op`, `data`), its values encoded.
 *
 * @example
 * ```ts
 * client.xadd(keys.control, '*', ...controlFields({ op: 'resume' }));
 * ```
 */
export function controlFields(command: ControlCommand): string[] {
  const { op, ...rest } = command as ControlCommand & Record<string, unknown>;
  const data: Record<string, unknown> = { ...rest };
  if ('data' in rest) data.data = encodeValue(rest.data, `control ${op}`);
  if ('checkpoint' in rest) data.checkpoint = encodeValue(rest.checkpoint, `control ${op}`);
  return ['v', String(WIRE_VERSION), 'op', op, 'data', JSON.stringify(data)];
}

/**
 * @internal Reads XRANGE entries (`[id, [field, value, ...]]`) back into commands.
 *
 * @throws {SerializationError} for an entry this version cannot read.
 * @example
 * ```ts
 * const entries = readControl(await client.xrange(keys.control, '(' + cursor, '+'));
 * ```
 */
export function readControl(raw: ReadonlyArray<[string, string[]]>): ControlEntry[] {
  return raw.map(([id, fields]) => {
    const map = new Map<string, string>();
    for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i], fields[i + 1]);
    if (map.get('v') !== String(WIRE_VERSION)) throw new SerializationError(`control entry ${id}: wire version ${describeValue(map.get('v'))} is not ${WIRE_VERSION}`);
    const op = map.get('op');
    const data = JSON.parse(map.get('data') ?? '{}') as Record<string, unknown>;
    if ('data' in data) data.data = decodeValue(data.data, `control entry ${id}: data`);
    if ('checkpoint' in data) data.checkpoint = decodeValue(data.checkpoint, `control entry ${id}: checkpoint`);
    return { id, command: { ...data, op } as ControlCommand };
  });
}

/**
 * @internal The BullMQ queue of a flow's jobs (BullMQ refuses `:` in queue names).
 *
 * @example
 * ```ts
 * queueName('orders'); // 'q.orders'
 * ```
 */
export function queueName(flowId: string): string {
  return `q.${encodeId(flowId)}`;
}

/** @internal The BullMQ queue of a flow's pool activations (Tier 2). @example `poolQueueName('orders') // 'p.orders'` */
export function poolQueueName(flowId: string): string {
  return `p.${encodeId(flowId)}`;
}

/**
 * @internal The BullMQ id of the `req`th delivery request of a job: never an integer, never `:`.
 *
 * @example
 * ```ts
 * bullJobId('42', 1); // '42.1'
 * ```
 */
export function bullJobId(jobId: string, req: number): string {
  return `${encodeId(jobId)}.${req}`;
}

/**
 * @internal Parses a channel message: `s<seq> <status> <cursor>\n<job JSON>` (a status change), `a<json>\n<job JSON>`
 * (a command applied), `e<json>` (an emission), `o<json>` (an output record).
 *
 * @example
 * ```ts
 * parseMessage('s3 running 1700000000000-0\n{...}'); // { type: 's', seq: 3, status: 'running', cursor: '1700000000000-0', text: '{...}' }
 * ```
 */
export function parseMessage(
  message: string,
): { type: 's'; seq: number; status: JobStatus; cursor: string | undefined; text: string } | { type: 'a'; ack: AckMessage; text: string } | { type: 'e' | 'o'; body: Record<string, unknown> } | undefined {
  const type = message[0];
  const nl = message.indexOf('\n');
  if (type === 's' && nl > 0) {
    // `s<seq> <status> <cursor>`: the cursor (the last control entry the saved state reflects) may be empty, or absent from an older worker.
    const space = message.indexOf(' ');
    const second = message.indexOf(' ', space + 1);
    const end = second < 0 || second > nl ? nl : second;
    const cursor = end === nl ? undefined : message.slice(end + 1, nl);
    return { type, seq: Number(message.slice(1, space)), status: message.slice(space + 1, end) as JobStatus, cursor, text: message.slice(nl + 1) };
  }
  if (type === 'a' && nl > 0) return { type, ack: JSON.parse(message.slice(1, nl)) as AckMessage, text: message.slice(nl + 1) };
  if (type === 'e' || type === 'o') return { type, body: JSON.parse(message.slice(1)) as Record<string, unknown> };
  return undefined;
}

/** @internal What an owner names an attempt's own timeout on a pool's abort channel (a job's timeout is `TimeoutError`). @example `publish(channel, \`${key}\n${ATTEMPT_TIMEOUT}\`)` */
export const ATTEMPT_TIMEOUT = 'AttemptTimeout';

/**
 * @internal The data of one BullMQ job of a flow's pool queue: run one activation of a `'pool'`
 * routine (Tier 2). `key` is `<activationId>#<attempt>`: its result is applied once.
 */
export interface PoolWire {
  v: typeof WIRE_VERSION;
  jobId: string;
  key: string;
  seq: number;
  attempt: number;
  routineId: string;
  slotName: string;
  payload: unknown;
}

/** @internal One buffered effect of a pool activation, applied by the owner in order. */
export type Effect =
  | { k: 'emit'; e: string; d: unknown }
  | { k: 'shared'; key: string; v: unknown }
  | { k: 'state'; p: unknown }
  | { k: 'reset' }
  | { k: 'defer'; e: string; d: unknown }
  | { k: 'output'; t: string; d: unknown }
  | { k: 'pause'; r: string; c: unknown };

/** @internal A pool activation's result: its effects, and the handler's error if it threw. */
export interface PoolResult {
  effects: Effect[];
  error?: { name: string; message: string };
}

/**
 * @internal The key of a pool activation's result: its activation id and attempt, and a digest
 * of what it runs (routine, slot, merged payload as sent). A new owner that replays a job numbers
 * its activations again; should the replay take another course (an owner-side handler run again
 * that emits something else, a timer restored overdue firing first), an activation can come
 * back under another's number, and must then not be given that one's result from the inbox:
 * with the digest it finds none and runs (at least once, as any turn not yet checkpointed does).
 * The job's incarnation (up by one each time a failed job is resumed: see takenInbox) is part of
 * the digest, so a resumed failed job's activations, which run again under their ids, never take
 * a result of the run that failed.
 *
 * @example
 * ```ts
 * poolResultKey('order-17/3', 1, 'enrich', 'in', { v: 1 }); // 'order-17/3#1~Yf3k…'
 * poolResultKey('order-17/3', 1, 'enrich', 'in', { v: 1 }, 1); // after the failed job was resumed: 'order-17/3#1.1~…', another digest
 * ```
 */
export function poolResultKey(activationId: string, attempt: number, routineId: string, slotName: string, encodedPayload: unknown, incarnation = 0): string {
  const ran = `${routineId}\u0000${slotName}\u0000${JSON.stringify(encodedPayload)}`;
  const digest = createHash('sha256').update(incarnation === 0 ? ran : `${ran}\u0000${incarnation}`).digest('base64url');
  return `${activationId}#${attempt}${incarnation === 0 ? '' : `.${incarnation}`}~${digest.slice(0, 16)}`;
}

/**
 * @internal The activation number, attempt and incarnation a pool result's key names
 * (`<jobId>/<seq>#<attempt>[.<incarnation>]~<digest>`: see poolResultKey), or undefined for
 * text of another form.
 *
 * @example
 * ```ts
 * poolResultKeyParts('order-17/3#1.2~Yf3k'); // { seq: 3, attempt: 1, incarnation: 2 }
 * ```
 */
export function poolResultKeyParts(key: string): { seq: number; attempt: number; incarnation: number } | undefined {
  const tilde = key.lastIndexOf('~');
  const hash = key.lastIndexOf('#', tilde);
  const slash = key.lastIndexOf('/', hash);
  if (tilde < 0 || hash < 0 || slash < 0) return undefined;
  const [attempt, incarnation = 0] = key.slice(hash + 1, tilde).split('.').map(Number);
  const seq = Number(key.slice(slash + 1, hash));
  return Number.isSafeInteger(seq) && Number.isSafeInteger(attempt) && Number.isSafeInteger(incarnation) ? { seq, attempt, incarnation } : undefined;
}

/** @internal The BullMQ id of a pool activation (BullMQ refuses `:` and integer ids). @example `poolJobId('a/3#1') // 'a%2f3%231.p'` */
export function poolJobId(key: string): string {
  return `${encodeId(key)}.p`;
}

/** @internal The owner's answer to a pause or cancel command: applied or refused (why). */
export interface AckMessage {
  id: string;
  ok: boolean;
  error?: { name: string; message: string };
}
