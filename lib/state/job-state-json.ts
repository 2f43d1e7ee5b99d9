import { JsonReader } from '../core/json-reader.js';
import { JOB_STATE_FIELDS, JOB_STATE_FIELD_NAMES, type JobStateFields } from './job-state-fields.js';
import { jobStateMigrations } from './job-state-migrations.js';

/**
 * The job JSON format version this library writes (older versions load through migrations).
 *
 * @example
 * ```ts
 * state.toJSON().version === JOB_JSON_VERSION; // true
 * ```
 */
export const JOB_JSON_VERSION = 1;

/** One level of `readonly` taken off: JSON is plain data the caller may change. */
type Writable<T> = T extends readonly (infer U)[] ? U[] : T extends object ? { -readonly [K in keyof T]: T[K] } : T;

/**
 * The JSON form of a JobState: `{ format: 'routilux.job', version: 1, ...every field }`.
 *
 * @example
 * ```ts
 * const json: JobStateJSON = state.toJSON(); json.format; // 'routilux.job'
 * ```
 */
export type JobStateJSON = { format: 'routilux.job'; version: typeof JOB_JSON_VERSION } & { -readonly [K in keyof JobStateFields]: Writable<JobStateFields[K]> };

/**
 * @internal Writes every declared field (absent optional ones are left out).
 *
 * @example
 * ```ts
 * JSON.stringify(jobStateToJSON(state));
 * ```
 */
export function jobStateToJSON(state: JobStateFields): JobStateJSON {
  const json: Record<string, unknown> = { format: 'routilux.job', version: JOB_JSON_VERSION };
  for (const name of JOB_STATE_FIELD_NAMES) {
    const value = state[name];
    if (value !== undefined) json[name] = value;
  }
  return json as JobStateJSON;
}

/**
 * @internal Reads job JSON (text or object) of this or an older version into plain fields,
 * checking every declared field; the result is the reader's own copy.
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
  const fields: Record<string, unknown> = {};
  for (const name of JOB_STATE_FIELD_NAMES) {
    const spec: { optional: boolean; read: (r: JsonReader, p: string, v: unknown) => void; absent?: () => unknown } = JOB_STATE_FIELDS[name];
    let value = root[name];
    if (value === undefined && spec.absent !== undefined) value = spec.absent();
    else if (value !== undefined || !spec.optional) spec.read(r, name, value);
    if (value !== undefined) fields[name] = value;
  }
  // `root` is ours (parsed here, or copied by r.root), so freezing the snapshot freezes nothing of the caller's.
  return fields as JobStateFields;
}
