import { EMPTY_LIST, EMPTY_RECORD, isEmptyRecord } from './frozen-empties.js';
import { JsonReader } from '../core/json-reader.js';
import { fromJSONTree, toJSONTree } from '../core/value-codec.js';
import { keySegment } from '../core/unencodable-value.js';
import { isLookalike, WRAPPER_KEY } from '../core/wrapper-key.js';
import { setOwn } from '../core/own-property.js';
import { JOB_STATE_FIELDS, JOB_STATE_FIELD_NAMES, type JobStateFields } from './job-state-fields.js';
import { jobStateMigrations } from './job-state-migrations.js';

/**
 * The job JSON format version this library writes (older versions load through migrations).
 * Version 2: a value plain JSON cannot carry (a Date, Map, Set, BigInt, undefined, NaN,
 * ±Infinity, -0, RegExp, typed array, registered payload class, an object held twice, a cycle)
 * is written as `{ "$superjson": { "json": …, "meta": … } }` (superjson's result) and revived
 * exactly; all other data is plain JSON, as in version 1.
 *
 * @example
 * ```ts
 * state.toJSON().version === JOB_JSON_VERSION; // true
 * ```
 */
export const JOB_JSON_VERSION = 2;

/** One level of `readonly` taken off: JSON is plain data the caller may change. */
type Writable<T> = T extends readonly (infer U)[] ? U[] : T extends object ? { -readonly [K in keyof T]: T[K] } : T;

/**
 * The JSON form of a JobState: `{ format: 'routilux.job', version: 2, ...every field }`. Plain
 * JSON data is written as it is (the usual case); the smallest subtree holding more is
 * superjson's result under one key, `{ "$superjson": { "json": …, "meta": … } }` (`meta.values`
 * names the paths of Dates, Maps, ...; `meta.referentialEqualities` the paths of one same
 * object), so the field types below describe revived values, not such wrappers.
 *
 * @example
 * ```ts
 * const json: JobStateJSON = state.toJSON(); json.format; // 'routilux.job'
 * ```
 */
export type JobStateJSON = { format: 'routilux.job'; version: typeof JOB_JSON_VERSION } & { -readonly [K in keyof JobStateFields]: Writable<JobStateFields[K]> };

/**
 * @internal Writes every declared field (absent optional ones are left out), each the same
 * generic way, so a new field needs nothing here: each entry of a field (an item of a list, a
 * value of a record: a task, a history record, a slot's data, a shared value, a routine's
 * state) is encoded on its own with `toJSONTree` — plain JSON data as it is, not copied
 * (payloads are never changed), anything more through superjson. An object held twice within
 * an entry comes back as one object; one shared by two entries (the payload a fan-out hands to
 * two tasks, a payload in the history and in slot data) comes back as two equal objects, as
 * with plain JSON — so the JSON of an ordinary job reads exactly as before.
 *
 * @throws {SerializationError} naming the exact path of a value that cannot be saved (a
 * function, a symbol, an instance of an unregistered class, ...): never a silent drop.
 * @example
 * ```ts
 * JSON.stringify(jobStateToJSON(state));
 * ```
 */
export function jobStateToJSON(state: JobStateFields): JobStateJSON {
  const names = JOB_STATE_FIELD_NAMES;
  // Each field read once (a getter could answer differently twice), then encoded, then the record of those present.
  const values: unknown[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) values[i] = state[names[i]];
  // One context for the whole state, pointed at each entry in turn; its path is made only for an
  // error (most entries encode fine), and read only while that entry is encoded.
  const context = new FieldContext(`job '${String(state.jobId)}'`);
  for (let i = 0; i < names.length; i++) if (values[i] !== undefined) values[i] = fieldToJSON(values[i], names[i], context);
  return recordOf(values, true) as JobStateJSON;
}

/** Where in the state an entry being encoded is: `name[at]`, `name["at"]`, or the field itself (`at` undefined). */
class FieldContext {
  name = '';
  at: string | number | undefined = undefined;
  readonly path = (): string => (this.at === undefined ? this.name : typeof this.at === 'number' ? `${this.name}[${this.at}]` : this.name + keySegment(this.at));
  constructor(readonly what: string) {}
}

function fieldToJSON(value: unknown, name: string, context: FieldContext): unknown {
  context.name = name;
  context.at = undefined;
  if (Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      context.at = i;
      const entry = toJSONTree(value[i], context);
      if (entry !== value[i]) (out ??= value.slice())[i] = entry;
    }
    return out ?? value;
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && !isLookalike(value)) {
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const key in record) {
      if (!Object.hasOwn(record, key)) continue; // (own keys only, as Object.keys: no array made)
      context.at = key;
      const entry = toJSONTree(record[key], context);
      if (entry !== record[key]) setOwn((out ??= copyRecord(record)), key, entry);
    }
    return out ?? value;
  }
  return toJSONTree(value, context);
}

function copyRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setOwn(out, key, record[key]);
  return out;
}

/**
 * @internal Reads job JSON (text or object) of this or an older version into plain fields,
 * checking every declared field; the result is the reader's own copy (from text, an empty
 * top-level list or record is one shared frozen empty: nobody can change it).
 *
 * @throws {SerializationError} naming the path of the first problem.
 * @example
 * ```ts
 * new JobState(readJobStateJSON(text));
 * ```
 */
export function readJobStateJSON(json: unknown): JobStateFields {
  const r = new JsonReader('job JSON');
  let root = r.root(json);
  if (root.format !== 'routilux.job') r.fail('format', `'routilux.job'`, root.format);
  root = jobStateMigrations.upgrade(root, JOB_JSON_VERSION);
  // JSON text that never spells the wrapper key `$superjson` (not even through a \u escape)
  // holds no wrapper: its fields are used as parsed, without a walk. (Both searches start with a
  // character rare in JSON, so they skip through the text at memchr speed.)
  const plain = typeof json === 'string' && !json.includes(WRAPPER_KEY) && !json.includes('\\u');
  const names = JOB_STATE_FIELD_NAMES;
  const values: unknown[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const spec: { optional: boolean; read: (r: JsonReader, p: string, v: unknown) => void; absent?: () => unknown } = JOB_STATE_FIELDS[name];
    // Revived before it is checked: the checks see Dates, Maps and class instances as they are.
    let value = plain ? root[name] : fromJSONTree(root[name], `job JSON: ${name}`);
    // An empty list or record of the text (most lists of a settled job) becomes one shared frozen
    // empty container: nothing to freeze per read, and nothing anybody could change either way.
    if (plain && typeof value === 'object' && value !== null) value = sharedIfEmpty(value);
    if (value === undefined && spec.absent !== undefined) value = spec.absent();
    else if (value !== undefined || !spec.optional) spec.read(r, name, value);
    values[i] = value;
  }
  // `root` is ours (parsed here, or copied by r.root), so freezing the snapshot freezes nothing of the caller's.
  return recordOf(values, false) as JobStateFields;
}

/** The record of the fields whose value is defined (`values[i]`: JOB_STATE_FIELD_NAMES[i]), from its shape's template. */
function recordOf(values: readonly unknown[], header: boolean): Record<string, unknown> {
  const names = JOB_STATE_FIELD_NAMES;
  let present = 0;
  for (let i = 0; i < names.length; i++) if (values[i] !== undefined) present += 2 ** i;
  const record = fieldRecord(present, header);
  for (let i = 0; i < names.length; i++) if (values[i] !== undefined) record[names[i]] = values[i];
  return record;
}

/** A field's parsed container, or the shared frozen empty one when it is empty (parsed: plain prototypes only). */
function sharedIfEmpty(value: object): unknown {
  if (Array.isArray(value)) return value.length === 0 ? EMPTY_LIST : value;
  return isEmptyRecord(value) ? EMPTY_RECORD : value;
}

/**
 * The shapes of field records, by the set of fields present (bit i: JOB_STATE_FIELD_NAMES[i])
 * and whether the JSON header leads: a handful in practice (optional fields come and go).
 */
const shapes = new Map<number, Record<string, unknown>>();
/** Sets of fields are numbers while every bit fits a double's 53 (else records are made key by key). */
const MASKABLE = JOB_STATE_FIELD_NAMES.length <= 52;

/**
 * A new plain object with exactly the present fields as keys, in declaration order (after the
 * header when asked), values to be filled in. Made by copying a template, so it has fast
 * properties from the start: added one computed key at a time, a record of 20-odd fields turns
 * into a hash table (a few KB per state, slower to fill and to stringify).
 */
function fieldRecord(present: number, header: boolean): Record<string, unknown> {
  if (!MASKABLE) return header ? { format: 'routilux.job', version: JOB_JSON_VERSION } : {};
  const key = header ? -1 - present : present;
  let shape = shapes.get(key);
  if (shape === undefined) {
    const keys = JOB_STATE_FIELD_NAMES.filter((_, i) => Math.floor(present / 2 ** i) % 2 === 1);
    // JSON.parse builds an object with fast properties whatever their number.
    const body = keys.map((k) => `${JSON.stringify(k)}:0`);
    if (header) body.unshift(`"format":"routilux.job"`, `"version":${JOB_JSON_VERSION}`);
    shape = JSON.parse(`{${body.join(',')}}`) as Record<string, unknown>;
    shapes.set(key, shape);
  }
  return { ...shape };
}
