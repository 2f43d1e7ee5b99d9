import { SerializationError, describeValue } from '../errors/errors.js';
import { fromJSONTree, toJSONTree } from '../core/value-codec.js';
import { keySegment } from '../core/unencodable-value.js';
import { setOwn } from '../core/own-property.js';
import { JOURNAL_KINDS, applyJournalEntry, type FieldChange, type FieldKind, type JournalEntry } from './job-journal.js';
import type { JobStateField, JobStateFields } from './job-state-fields.js';
import { JobState } from './job-state.js';
import { fromRows, toRows } from './journal-rows.js';
import { sharedPayloadTaskJSON } from './shared-payload-task-json.js';

/**
 * The JSON form of a {@link JournalEntry}: `{ format: 'routilux.journal', version: 2, jobId,
 * fields }`, every value encoded as job JSON encodes it (each list item and each record value
 * on its own through the value codec), so a Date in a journaled payload comes back a Date.
 * Version 2 writes a list's appended items as rows (`{ drop, rows: { shapes, values } }`, see
 * `JournalRows`); version 1 entries (`{ drop, append }`) still load.
 *
 * @example
 * ```ts
 * const json: JournalEntryJSON = journalEntryToJSON(entry); // { format: 'routilux.journal', version: 2, jobId: 'j1', fields: { ... } }
 * ```
 */
export interface JournalEntryJSON {
  format: 'routilux.journal';
  version: 1 | 2;
  jobId: string;
  fields: Record<string, unknown>;
}

type Codec = (value: unknown, path: string) => unknown;

/**
 * The fields whose task views are tried without superjson: those that ran (a queued task's
 * `merged` is not made yet, and a queue can hold thousands: trying each one cost more than it saved).
 */
const TASK_FIELDS: ReadonlySet<string> = new Set<JobStateField>(['runningTasks', 'failedTask']);

/**
 * Encodes `entry` for a store (one line of a job journal): JSON-safe data that {@link journalEntryFromJSON} revives
 * exactly; plain JSON values are not copied.
 *
 * @throws {SerializationError} naming the path of a value that cannot be saved (a function, a
 * symbol, an unregistered class instance), as `JobState.toJSON` does.
 * @example
 * ```ts
 * await store.appendJournal?.(entry.jobId, journalEntryToJSON(entry));
 * ```
 */
export function journalEntryToJSON(entry: JournalEntry): JournalEntryJSON {
  const what = `job '${String(entry.jobId)}'`;
  const encode: Codec = (value, path) => toJSONTree(value, { what, path });
  // A task view whose merged payload is its payload (each turn's running task) skips superjson.
  const encodeTask: Codec = (value, path) => sharedPayloadTaskJSON(value) ?? encode(value, path);
  const fields: Record<string, unknown> = {};
  for (const name of Object.keys(entry.fields)) fields[name] = packRows(mapChange(JOURNAL_KINDS[name as JobStateField], entry.fields[name], name, TASK_FIELDS.has(name) ? encodeTask : encode));
  return { format: 'routilux.journal', version: 2, jobId: entry.jobId, fields };
}

/**
 * Reads one entry written by {@link journalEntryToJSON} (object or text), checking its
 * shape; the result is the reader's own copy.
 *
 * @throws {SerializationError} naming what is wrong (malformed JSON, another format, a bad change).
 * @example
 * ```ts
 * const entry = journalEntryFromJSON(line);
 * ```
 */
export function journalEntryFromJSON(json: unknown): JournalEntry {
  let root: unknown = json;
  if (typeof json === 'string') {
    try {
      root = JSON.parse(json);
    } catch (error) {
      throw new SerializationError(`job journal entry: not JSON: ${(error as Error)?.message ?? 'unparsable'}`, { cause: error });
    }
  }
  const o = root as Partial<JournalEntryJSON> | null;
  if (typeof o !== 'object' || o === null || o.format !== 'routilux.journal') throw bad(`expected { format: 'routilux.journal', ... }, got ${describeValue(root)}`);
  if (o.version !== 1 && o.version !== 2) throw bad(`version ${describeValue(o.version)} is not one this library reads (1, 2)`);
  if (typeof o.jobId !== 'string') throw bad(`jobId must be a string, got ${describeValue(o.jobId)}`);
  if (typeof o.fields !== 'object' || o.fields === null || Array.isArray(o.fields)) throw bad(`fields must be an object, got ${describeValue(o.fields)}`);
  const decode: Codec = (value, path) => fromJSONTree(value, `job journal: ${path}`);
  const fields: Record<string, FieldChange> = {};
  for (const name of Object.keys(o.fields)) {
    if (!Object.prototype.hasOwnProperty.call(JOURNAL_KINDS, name)) throw bad(`an unknown field ${describeValue(name)}`);
    fields[name] = mapChange(JOURNAL_KINDS[name as JobStateField], checkChange(unpackRows(o.fields[name], name), name), name, decode);
  }
  return { jobId: o.jobId, fields };
}

/** Version 2: a list change's appended items as rows (see journal-rows.ts), in parts too. */
function packRows(change: FieldChange): FieldChange {
  if ('drop' in change) return change.append.length < 2 ? change : ({ drop: change.drop, rows: toRows(change.append) } as unknown as FieldChange);
  if (!('parts' in change)) return change;
  const parts: Record<string, FieldChange> = {};
  for (const part of Object.keys(change.parts)) parts[part] = packRows(change.parts[part]);
  return { parts };
}

/** Rows back into appended items, before the change is checked and decoded. */
function unpackRows(raw: unknown, path: string): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const c = raw as Record<string, unknown>;
  if ('rows' in c && 'append' in c) throw bad(`${path}: a list change has both rows and append (which are its items?)`);
  if ('rows' in c && 'drop' in c) return { drop: c.drop, append: fromRows(c.rows, path) };
  if (typeof c.parts !== 'object' || c.parts === null || Array.isArray(c.parts)) return raw;
  const parts: Record<string, unknown> = {};
  for (const part of Object.keys(c.parts)) setOwn(parts, part, unpackRows((c.parts as Record<string, unknown>)[part], `${path}.${part}`));
  return { ...c, parts };
}

/** The same change with each value passed through `codec`, the way job JSON encodes a field. */
function mapChange(kind: FieldKind, change: FieldChange, path: string, codec: Codec): FieldChange {
  if ('unset' in change) return change;
  if ('set' in change) return { set: mapWhole(kind, change.set, path, codec) };
  if ('keys' in change) {
    const keys: Record<string, unknown> = {};
    for (const key of Object.keys(change.keys)) setOwn(keys, key, codec(change.keys[key], path + keySegment(key)));
    return change.deleted === undefined ? { keys } : { keys, deleted: change.deleted };
  }
  if ('drop' in change) return { drop: change.drop, append: change.append.map((item, i) => codec(item, `${path}[+${i}]`)) };
  const parts: Record<string, FieldChange> = {};
  const kinds = typeof kind === 'object' ? kind.parts : {};
  for (const part of Object.keys(change.parts)) {
    if (!Object.prototype.hasOwnProperty.call(kinds, part)) throw bad(`an unknown part ${describeValue(part)} of ${path}`);
    parts[part] = mapChange(kinds[part], checkChange(change.parts[part], `${path}.${part}`), `${path}.${part}`, codec);
  }
  return { parts };
}

/** A whole value: a list item by item and a record key by key (as job JSON does), else as one. */
function mapWhole(kind: FieldKind, value: unknown, path: string, codec: Codec): unknown {
  if (kind === 'list' && Array.isArray(value)) return value.map((item, i) => codec(item, `${path}[${i}]`));
  if (kind === 'record' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) setOwn(out, key, codec((value as Record<string, unknown>)[key], path + keySegment(key)));
    return out;
  }
  if (typeof kind === 'object' && typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const part of Object.keys(value)) setOwn(out, part, mapWhole(kind.parts[part] ?? 'value', (value as Record<string, unknown>)[part], `${path}.${part}`, codec));
    return out;
  }
  return codec(value, path);
}

function checkChange(raw: unknown, path: string): FieldChange {
  const c = raw as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw bad(`${path}: a change must be an object, got ${describeValue(raw)}`);
  if ('set' in c || c.unset === true) return c as FieldChange;
  if ('keys' in c) {
    const deletedOk = c.deleted === undefined || (Array.isArray(c.deleted) && c.deleted.every((k) => typeof k === 'string'));
    if (typeof c.keys !== 'object' || c.keys === null || Array.isArray(c.keys) || !deletedOk) throw bad(`${path}: bad key changes`);
    return c as FieldChange;
  }
  if ('drop' in c) {
    if (!Number.isInteger(c.drop) || (c.drop as number) < 0 || !Array.isArray(c.append)) throw bad(`${path}: bad list change (drop ${describeValue(c.drop)})`);
    return c as FieldChange;
  }
  if (typeof c.parts === 'object' && c.parts !== null && !Array.isArray(c.parts)) return c as FieldChange;
  throw bad(`${path}: not a change: ${describeValue(raw)}`);
}

function bad(what: string): SerializationError {
  return new SerializationError(`job journal entry: ${what}`);
}

/**
 * @internal A stored snapshot with its journal applied, entry by entry in order: what a store's
 * `load` returns. One `JobState` is built at the end, so a long journal costs no snapshot per entry.
 *
 * @throws {SerializationError} naming the entry (1-based) that is corrupt or belongs to another job.
 * @example
 * ```ts
 * const state = replayJournal(JobState.fromJSON(text), lines);
 * ```
 */
export function replayJournal(state: JobState, entries: readonly unknown[]): JobState {
  if (entries.length === 0) return state;
  let fields: JobStateFields = state;
  entries.forEach((json, i) => {
    try {
      const entry = journalEntryFromJSON(json);
      if (entry.jobId !== state.jobId) throw bad(`it is of job '${entry.jobId}', not of job '${state.jobId}'`);
      fields = applyJournalEntry(fields, entry);
    } catch (error) {
      const reason = (error as Error)?.message ?? 'unreadable';
      throw new SerializationError(`job '${state.jobId}': journal entry ${i + 1}: ${reason}`, { cause: error });
    }
  });
  return new JobState(fields);
}
