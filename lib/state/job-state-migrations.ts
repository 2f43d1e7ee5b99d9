import { ConfigurationError, SerializationError, describeValue } from '../errors/errors.js';
import { setOwn } from '../core/own-property.js';
import { isLookalike, WRAPPER_KEY } from '../core/wrapper-key.js';

/**
 * A function that upgrades job JSON of one format version to the next: it receives the
 * parsed object of version N (the reader's own copy, safe to change) and returns version
 * N + 1's object. Migrations run in order, so a file of any older version loads.
 *
 * @example
 * ```ts
 * const renameField: JobStateMigration = ({ oldName, ...rest }) => ({ ...rest, newName: oldName, version: 2 });
 * ```
 */
export type JobStateMigration = (json: Record<string, unknown>) => Record<string, unknown>;

/**
 * Upgrades from one version to the next, by the version they read.
 *
 * @example
 * ```ts
 * const migrations = new JobStateMigrations();
 * migrations.register(1, (json) => ({ ...json, version: 2 }));
 * migrations.upgrade({ format: 'routilux.job', version: 1 }, 2); // { format: 'routilux.job', version: 2 }
 * ```
 */
export class JobStateMigrations {
  private readonly steps = new Map<number, JobStateMigration>();

  /**
   * Registers the upgrade from `fromVersion` to `fromVersion + 1` (replacing an earlier one);
   * returns a function that removes it again.
   *
   * @throws {ConfigurationError} for a version that is not a non-negative integer, or a non-function.
   */
  register(fromVersion: number, migrate: JobStateMigration): () => void {
    if (!Number.isInteger(fromVersion) || fromVersion < 0) {
      throw new ConfigurationError(`registerJobStateMigration: fromVersion must be a non-negative integer, got ${describeValue(fromVersion)}`);
    }
    if (typeof migrate !== 'function') throw new ConfigurationError(`registerJobStateMigration(${fromVersion}): expected a function, got ${typeof migrate}`);
    this.steps.set(fromVersion, migrate);
    return () => {
      if (this.steps.get(fromVersion) === migrate) this.steps.delete(fromVersion);
    };
  }

  /**
   * Brings `json` up to `target` one version at a time; JSON already at `target` is returned
   * as it is.
   *
   * @throws {SerializationError} when the version is newer than `target`, not a number, or
   * has no migration, or when a migration throws or does not advance the version.
   */
  upgrade(json: Record<string, unknown>, target: number): Record<string, unknown> {
    let current = json;
    for (;;) {
      const version = current.version;
      if (version === target) return current;
      const step = typeof version === 'number' && version < target ? this.steps.get(version) : undefined;
      if (step === undefined) {
        throw new SerializationError(`job JSON: version: unsupported version ${describeVersion(version)}; this library reads version ${target}`);
      }
      let next: Record<string, unknown>;
      try {
        next = step(current);
      } catch (error) {
        throw new SerializationError(`job JSON: version: the migration from version ${version} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
      }
      if (typeof next !== 'object' || next === null || next.version !== (version as number) + 1) {
        throw new SerializationError(`job JSON: version: the migration from version ${version} must return an object of version ${(version as number) + 1}`);
      }
      current = next;
    }
  }
}

function describeVersion(version: unknown): string {
  return typeof version === 'number' ? String(version) : version === undefined ? 'nothing' : JSON.stringify(version) ?? typeof version;
}

/**
 * The migrations `JobState.fromJSON` applies.
 *
 * @example
 * ```ts
 * jobStateMigrations.upgrade(json, JOB_JSON_VERSION);
 * ```
 */
export const jobStateMigrations = new JobStateMigrations();

/**
 * @internal Version 1 → 2. Version 1 wrote plain JSON; version 2 writes what plain JSON cannot
 * carry as `{ "$superjson": { json, meta } }`. So version 1 data is version 2 data as it is —
 * except an object that happens to look like that wrapper (its only key is `$superjson`),
 * which is wrapped so that it stays the data it was. (It changes the reader's own copy.)
 *
 * @example
 * ```ts
 * upgradeVersion1({ format: 'routilux.job', version: 1, jobId: 'j' }); // { format: 'routilux.job', version: 2, jobId: 'j' }
 * ```
 */
export function upgradeVersion1(json: Record<string, unknown>): Record<string, unknown> {
  const out = escapeLookalikes(json) as Record<string, unknown>;
  out.version = 2;
  return out;
}

function escapeLookalikes(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 10_000) throw new Error('nested too deeply');
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = escapeLookalikes(value[i], depth + 1);
    return value;
  }
  const record = value as Record<string, unknown>;
  // Wrapped as it is: what is inside a wrapper is read back as it is, lookalikes included.
  if (isLookalike(record)) return { [WRAPPER_KEY]: { json: record } };
  for (const key of Object.keys(record)) setOwn(record, key, escapeLookalikes(record[key], depth + 1));
  return record;
}
jobStateMigrations.register(1, upgradeVersion1);

/**
 * Registers how job JSON of `fromVersion` becomes `fromVersion + 1`, for `JobState.fromJSON`
 * and every store; returns a function that removes the migration again.
 *
 * @throws {ConfigurationError} for a bad version or a non-function.
 * @example
 * ```ts
 * registerJobStateMigration(1, (json) => ({ ...json, version: 2, tracker: [] }));
 * ```
 */
export function registerJobStateMigration(fromVersion: number, migrate: JobStateMigration): () => void {
  return jobStateMigrations.register(fromVersion, migrate);
}
