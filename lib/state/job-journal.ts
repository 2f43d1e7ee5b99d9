import { SerializationError, describeValue } from '../errors/errors.js';
import { setOwn } from '../core/own-property.js';
import type { TrackerState } from '../core/tracker-records.js';
import type { PendingTask } from '../core/records.js';
import { JOB_STATE_FIELD_NAMES, type JobStateField, type JobStateFields } from './job-state-fields.js';

/**
 * How one field (or one part of the tracker) changed between two snapshots:
 * - `{ set }`: the whole new value; `{ unset: true }`: an optional field went away;
 * - `{ keys, deleted? }`: a record's changed or added keys, and its deleted keys;
 * - `{ drop, append }`: a list lost `drop` items at its front and gained `append` at its end;
 * - `{ parts }`: the changes of an object's parts (the tracker's records, totals, ...).
 *
 * @example
 * ```ts
 * const change: FieldChange = { drop: 1, append: [{ routineId: 'a', eventName: 'out', data: {}, timestamp: 3 }] };
 * ```
 */
export type FieldChange =
  | { readonly set: unknown }
  | { readonly unset: true }
  | { readonly keys: Readonly<Record<string, unknown>>; readonly deleted?: readonly string[] }
  | { readonly drop: number; readonly append: readonly unknown[] }
  | { readonly parts: Readonly<Record<string, FieldChange>> };

/**
 * What changed in a job between two snapshots: one {@link FieldChange} per changed field (an
 * unchanged field is absent). Values are live (Dates are Dates); `journalEntryToJSON` encodes.
 *
 * @example
 * ```ts
 * const entry: JournalEntry = diffJobStates(before, after); // { jobId: 'j1', fields: { status: { set: 'paused' } } }
 * ```
 */
export interface JournalEntry {
  readonly jobId: string;
  readonly fields: Readonly<Record<string, FieldChange>>;
}

/** @internal How a field is diffed: replaced whole, key by key, as a list, or part by part. */
export type FieldKind = 'value' | 'record' | 'list' | { readonly parts: Readonly<Record<string, FieldKind>> };

const TRACKER_PARTS: { readonly [K in keyof TrackerState]-?: FieldKind } = { records: 'list', eventFlow: 'list', totals: 'record', deliveries: 'value' };

/**
 * @internal The diff kind of every JobState field: typed as one entry per declared field, so a
 * field added to job-state-fields.ts does not compile until it says how it is journaled.
 *
 * @example
 * ```ts
 * JOURNAL_KINDS.slotData; // 'record'
 * ```
 */
export const JOURNAL_KINDS: { readonly [K in JobStateField]-?: FieldKind } = {
  jobId: 'value', flowId: 'value', status: 'value', createdAt: 'value', updatedAt: 'value',
  routineStates: 'record', slotData: 'record',
  // Task views are cached per task, so a FIFO queue diffs as dropped front + appended tail.
  pendingTasks: 'list', runningTasks: 'list', failedTask: 'value',
  executionHistory: 'list', pausePoints: 'list', deferredEvents: 'list', sharedData: 'record',
  tracker: { parts: TRACKER_PARTS }, operators: 'record', flushDue: 'value', policies: 'record', activationSeq: 'value',
  outputLog: 'list', open: 'value',
  timeout: 'value', timeLeft: 'value',
  error: 'value',
};

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

/** Whether two items of a list are equal for the journal (see {@link diffList}). */
type SameItem = (x: unknown, y: unknown) => boolean;

/**
 * @internal Queued and running task views are made afresh for each snapshot, and a queue can
 * hold thousands: they are compared field by field (their payloads one level deep, as the
 * generic comparison does), which costs a few comparisons instead of key lists per item.
 * Exactly the generic comparison's verdict on task views (a property spec checks it).
 *
 * @example
 * ```ts
 * sameTask(previous.pendingTasks[0], next.pendingTasks[0]); // true: the same queued task
 * ```
 */
export const sameTask: SameItem = (x, y) => {
  if (x === y) return true;
  const a = x as PendingTask;
  const b = y as PendingTask;
  // The generic comparison's rules, for the same verdict: only plain objects compare by content.
  if (!isPlain(a) || !isPlain(b)) return false;
  return (
    a.seq === b.seq &&
    a.attempt === b.attempt &&
    a.routineId === b.routineId &&
    a.slotName === b.slotName &&
    Object.is(a.enqueuedAt, b.enqueuedAt) &&
    Object.is(a.dueAt, b.dueAt) &&
    Object.is(a.delayLeft, b.delayLeft) &&
    hasOwn(a, 'dueAt') === hasOwn(b, 'dueAt') &&
    hasOwn(a, 'delayLeft') === hasOwn(b, 'delayLeft') &&
    (a.source === b.source || sameItem(a.source, b.source, 1)) &&
    hasOwn(a, 'merged') === hasOwn(b, 'merged') &&
    sameItem(a.data, b.data, 1) &&
    sameItem(a.merged, b.merged, 1) &&
    Object.keys(a).length === Object.keys(b).length
  );
};

/**
 * @internal The generic comparison of list items: `Object.is`, or plain objects equal two levels deep.
 *
 * @example
 * ```ts
 * sameRecord({ a: { b: 1 } }, { a: { b: 1 } }); // true
 * ```
 */
export const sameRecord: SameItem = (x, y) => sameItem(x, y, 2);

/** The fields whose items have a cheaper exact comparison than the generic one. */
const ITEM_EQUALITY: Partial<Record<JobStateField, SameItem>> = { pendingTasks: sameTask, runningTasks: sameTask };

/**
 * The changes from `previous` to `next`, two snapshots of one job. Pure, and cheap when the
 * snapshots share structure (immer): an unchanged field is the same object in both and costs
 * one comparison; a record writes only its changed keys; a list whose surviving items are the
 * same objects writes only how many left its front and what was appended (else the whole list).
 *
 * @example
 * ```ts
 * const entry = diffJobStates(lastSaved, job.state);
 * applyJournalEntry(lastSaved, entry); // fields equal to job.state's
 * ```
 */
export function diffJobStates(previous: JobStateFields, next: JobStateFields): JournalEntry {
  const fields: Record<string, FieldChange> = {};
  for (let i = 0; i < JOB_STATE_FIELD_NAMES.length; i++) {
    const name = JOB_STATE_FIELD_NAMES[i];
    const change = diffValue(JOURNAL_KINDS[name], previous[name], next[name], ITEM_EQUALITY[name] ?? sameRecord);
    if (change !== undefined) fields[name] = change;
  }
  return { jobId: next.jobId, fields };
}

/**
 * @internal Whether `entry` changes nothing (the job did not change between the snapshots).
 *
 * @example
 * ```ts
 * if (isEmptyEntry(entry)) return; // nothing to journal
 * ```
 */
export function isEmptyEntry(entry: JournalEntry): boolean {
  for (const _ in entry.fields) return false;
  return true;
}

function diffValue(kind: FieldKind, a: unknown, b: unknown, same: SameItem = sameRecord): FieldChange | undefined {
  if (a === b) return undefined;
  if (b === undefined) return { unset: true };
  if (a === undefined || kind === 'value') return { set: b };
  if (kind === 'record') return diffRecord(a as Record<string, unknown>, b as Record<string, unknown>);
  if (kind === 'list') return diffList(a as readonly unknown[], b as readonly unknown[], same);
  const parts: Record<string, FieldChange> = {};
  for (const part of Object.keys(kind.parts)) {
    const change = diffValue(kind.parts[part], (a as Record<string, unknown>)[part], (b as Record<string, unknown>)[part]);
    if (change !== undefined) parts[part] = change;
  }
  return { parts };
}

/**
 * Key changes, when applying them gives `b`'s key order too: `a`'s remaining keys in their
 * order, then the new ones. A key deleted and added again between the two snapshots (a slot
 * reset, then filled) moved to the end of `b`, which key changes cannot say: the record is
 * then written whole, so a replayed state is JSON-equal to the live one, not only deep-equal.
 */
function diffRecord(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): FieldChange {
  const keys: Record<string, unknown> = {};
  const deleted: string[] = [];
  const order = Object.keys(b);
  let kept = 0;
  for (const key of Object.keys(a)) {
    if (!hasOwn(b, key)) deleted.push(key);
    else if (order[kept++] !== key) return { set: b };
  }
  for (let i = kept; i < order.length; i++) if (hasOwn(a, order[i])) return { set: b };
  for (const key of order) if (!hasOwn(a, key) || a[key] !== b[key]) setOwn(keys, key, b[key]);
  return deleted.length > 0 ? { keys, deleted } : { keys };
}

/**
 * `b` as `a` minus a front plus a tail, when the items `b` kept equal those of `a`: the same
 * object (history records are reused between snapshots), or a record rebuilt with the same
 * values (tracker records and queued task views are made afresh for each snapshot).
 */
function diffList(a: readonly unknown[], b: readonly unknown[], same: SameItem): FieldChange {
  if (a.length === 0) return { drop: 0, append: b.slice() };
  if (b.length === 0) return { drop: a.length, append: [] };
  let drop = a.indexOf(b[0]);
  if (drop < 0) {
    drop = 0;
    while (drop < a.length && !same(a[drop], b[0])) drop++;
    if (drop === a.length) return { drop, append: b.slice() };
  }
  const kept = a.length - drop;
  if (kept > b.length) return { set: b };
  for (let i = 0; i < kept; i++) if (!same(a[drop + i], b[i])) return { set: b };
  return { drop, append: b.slice(kept) };
}

/** Equal for the journal: `Object.is`, or plain objects with the same keys whose values are (to `depth` levels). */
function isPlain(x: object): boolean {
  return Object.getPrototypeOf(x) === Object.prototype;
}

function sameItem(x: unknown, y: unknown, depth: number): boolean {
  if (Object.is(x, y)) return true;
  if (depth === 0 || typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Object.getPrototypeOf(x) !== Object.prototype || Object.getPrototypeOf(y) !== Object.prototype) return false;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) {
    if (!hasOwn(y, key) || !sameItem((x as Record<string, unknown>)[key], (y as Record<string, unknown>)[key], depth - 1)) return false;
  }
  return true;
}

/**
 * Applies `entry` to `fields` (a snapshot's fields, never changed): the fields of the snapshot
 * the entry was diffed to. New containers are made only where the entry changes something.
 *
 * @throws {SerializationError} when the entry does not fit the fields (a corrupt journal: a
 * list dropping more items than it has, an unknown field or change).
 * @example
 * ```ts
 * const next = new JobState(applyJournalEntry(saved, entry));
 * ```
 */
export function applyJournalEntry(fields: JobStateFields, entry: JournalEntry): JobStateFields {
  const out: Record<string, unknown> = { ...fields };
  for (const name of Object.keys(entry.fields)) {
    if (!hasOwn(JOURNAL_KINDS, name)) throw bad(`an unknown field ${describeValue(name)}`);
    const value = applyChange(JOURNAL_KINDS[name as JobStateField], out[name], entry.fields[name], name);
    if (value === undefined) delete out[name];
    else out[name] = value;
  }
  return out as JobStateFields;
}

function applyChange(kind: FieldKind, current: unknown, change: FieldChange, path: string): unknown {
  if ('set' in change) return change.set;
  if ('unset' in change) return undefined;
  if ('keys' in change) {
    if (kind !== 'record' || typeof current !== 'object' || current === null) throw bad(`key changes for ${path}, which is not a record`);
    const record: Record<string, unknown> = {};
    for (const key of Object.keys(current)) setOwn(record, key, (current as Record<string, unknown>)[key]);
    for (const key of change.deleted ?? []) delete record[key];
    for (const key of Object.keys(change.keys)) setOwn(record, key, change.keys[key]);
    return record;
  }
  if ('drop' in change) {
    if (kind !== 'list' || !Array.isArray(current)) throw bad(`list changes for ${path}, which is not a list`);
    if (!(change.drop <= current.length)) throw bad(`${path} drops ${describeValue(change.drop)} items of ${current.length}`);
    return current.slice(change.drop).concat(change.append);
  }
  if (typeof kind !== 'object' || typeof current !== 'object' || current === null) throw bad(`part changes for ${path}, which has no parts`);
  const out: Record<string, unknown> = { ...current };
  for (const part of Object.keys(change.parts)) {
    if (!hasOwn(kind.parts, part)) throw bad(`an unknown part ${describeValue(part)} of ${path}`);
    out[part] = applyChange(kind.parts[part], out[part], change.parts[part], `${path}.${part}`);
  }
  return out;
}

function bad(what: string): SerializationError {
  return new SerializationError(`job journal entry: ${what}`);
}
