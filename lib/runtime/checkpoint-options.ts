import { ConfigurationError, describeValue } from '../errors/errors.js';

/**
 * How hard the checkpointer tries to land each snapshot in the store. All times are real
 * milliseconds (timers, not the flow's scheduler): store I/O happens in real time even when the
 * flow runs in virtual time, and a time limit on virtual time would never fire in a marble test.
 *
 * @example
 * ```ts
 * new Checkpointer(store, 'always', { saveTimeout: 5_000, maxAttempts: 8, retryDelay: 100 });
 * ```
 */
export interface CheckpointOptions {
  /** ms a `store.save` may take before it counts as failed and the next attempt goes ahead (default 30,000). */
  saveTimeout?: number;
  /** Attempts per write, the first included, before that write is given up (default 5). */
  maxAttempts?: number;
  /** ms before the first retry; doubles with each retry, with up to 50% jitter off (default 50). */
  retryDelay?: number;
  /** Cap on one retry delay in ms (default 5,000). */
  maxRetryDelay?: number;
  /**
   * With `checkpoint: 'always'` and a store that journals: journal entries (one per dispatch
   * turn) between two full saves of a running job (default 200). Fewer: shorter journals to
   * replay on load; more: fewer full snapshots written.
   */
  compactEvery?: number;
  /**
   * With `checkpoint: 'always'` and a store that journals, append each turn's changes instead of
   * saving the whole job (default false). It pays off when a turn changes a small part of a
   * large job; a job whose turns rewrite most of its state (long queues, a history shorter
   * than a turn) writes about as much per turn as a full save, and spends more time diffing.
   */
  journal?: boolean;
}

/**
 * @internal CheckpointOptions with defaults applied.
 *
 * @example
 * ```ts
 * const { saveTimeout, maxAttempts } = resolveCheckpointOptions(undefined) satisfies ResolvedCheckpointOptions;
 * ```
 */
export type ResolvedCheckpointOptions = Required<CheckpointOptions>;

/**
 * @internal The defaults: a save hung for 30 s counts as failed; 5 attempts with 50, 100, 200, 400 ms
 * between them ride out a short burst of `EMFILE`/`EAGAIN` or a reconnecting database (about
 * 0.75 s of waiting) without holding a flush up for long.
 *
 * @example
 * ```ts
 * CHECKPOINT_DEFAULTS.maxAttempts; // 5
 * ```
 */
export const CHECKPOINT_DEFAULTS: Readonly<ResolvedCheckpointOptions> = Object.freeze({
  saveTimeout: 30_000,
  maxAttempts: 5,
  retryDelay: 50,
  maxRetryDelay: 5_000,
  compactEvery: 200,
  journal: false,
});

/** setTimeout's largest delay; a longer one fires at once. */
const MAX_TIMER = 2_147_483_647;
const KNOWN = new Set(Object.keys(CHECKPOINT_DEFAULTS));

/**
 * @internal Checks checkpoint options and applies the defaults.
 *
 * @throws {ConfigurationError} naming the option that is unknown or out of range.
 * @example
 * ```ts
 * resolveCheckpointOptions({ maxAttempts: 3 }); // { saveTimeout: 30000, maxAttempts: 3, retryDelay: 50, maxRetryDelay: 5000, compactEvery: 200 }
 * ```
 */
export function resolveCheckpointOptions(options: CheckpointOptions | undefined): ResolvedCheckpointOptions {
  if (options === undefined) return { ...CHECKPOINT_DEFAULTS };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError(`checkpoint options must be an object like { maxAttempts: 5 }, got ${options === null ? 'null' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new ConfigurationError(`checkpoint option '${key}' is unknown (known: ${[...KNOWN].join(', ')})`);
  }
  const resolved = { ...CHECKPOINT_DEFAULTS, ...definedOnly(options) };
  check('saveTimeout', resolved.saveTimeout, 1, 'a number of ms >= 1');
  check('maxAttempts', resolved.maxAttempts, 1, 'an integer >= 1', true);
  check('retryDelay', resolved.retryDelay, 0, 'a number of ms >= 0');
  check('maxRetryDelay', resolved.maxRetryDelay, 0, 'a number of ms >= 0');
  check('compactEvery', resolved.compactEvery, 1, 'an integer >= 1', true);
  if (typeof resolved.journal !== 'boolean') throw new ConfigurationError(`checkpoint option journal must be a boolean, got ${describeValue(resolved.journal)}`);
  return resolved;
}

function definedOnly(options: CheckpointOptions): CheckpointOptions {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

function check(name: string, value: unknown, min: number, what: string, integer = false): void {
  const ok = typeof value === 'number' && Number.isFinite(value) && value >= min && value <= MAX_TIMER && (!integer || Number.isInteger(value));
  if (!ok) throw new ConfigurationError(`checkpoint option ${name} must be ${what}, got ${describeValue(value)}`);
}
