/**
 * The error classes Routilux throws. Every error the library throws is a
 * {@link RoutiluxError} subclass whose `name` is its class name, so callers can
 * branch on `instanceof` or on `error.name` (which survives serialization).
 */

/**
 * Base class of every error thrown by Routilux.
 *
 * @example
 * ```ts
 * try { flow.start('missing'); } catch (e) { if (e instanceof RoutiluxError) console.log(e.name, e.message); }
 * ```
 */
export class RoutiluxError extends Error {
  // Each library class names itself on its prototype with a string literal: a minifier
  // renames classes, and `state.error.name` must still say 'TimeoutError'. A user's subclass
  // (no name of its own on its prototype) is named after its class, as before.
  static {
    this.prototype.name = 'RoutiluxError';
  }

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    if (!Object.prototype.hasOwnProperty.call(new.target.prototype, 'name')) this.name = new.target.name;
  }
}

/**
 * Bad ids (unknown entry, duplicate routine id), names, options or wiring.
 *
 * @example
 * ```ts
 * flow.connect('a', 'nope', 'b', 'in'); // ConfigurationError: routine 'a' has no event 'nope' ...
 * ```
 */
export class ConfigurationError extends RoutiluxError {
  static {
    this.prototype.name = 'ConfigurationError';
  }
}

/**
 * Bad JSON, format, version, unknown routine type or merge strategy.
 *
 * @example
 * ```ts
 * Flow.fromJSON('{'); // SerializationError: flow JSON: malformed JSON ...
 * ```
 */
export class SerializationError extends RoutiluxError {
  static {
    this.prototype.name = 'SerializationError';
  }
}

/**
 * Pause, resume or cancel is not allowed in the job's current status.
 *
 * @example
 * ```ts
 * await job.wait(); await job.pause(); // rejects: JobStateError: cannot pause job 'j1': it is completed
 * ```
 */
export class JobStateError extends RoutiluxError {
  static {
    this.prototype.name = 'JobStateError';
  }
}

/**
 * A wait, job or activation ran out of time. A job failed by its execution timeout
 * has `state.error.name === 'TimeoutError'`.
 *
 * @example
 * ```ts
 * await job.wait({ timeout: 10 }); // rejects with TimeoutError if the job is still running after 10 ms
 * ```
 */
export class TimeoutError extends RoutiluxError {
  static {
    this.prototype.name = 'TimeoutError';
  }
}

/**
 * The reason of `ctx.signal` when a job is cancelled.
 *
 * @example
 * ```ts
 * ctx.signal.addEventListener('abort', () => console.log(ctx.signal.reason instanceof CancelledError));
 * ```
 */
export class CancelledError extends RoutiluxError {
  static {
    this.prototype.name = 'CancelledError';
  }
}

/**
 * The reason of `ctx.signal` when a job fails while the activation was in flight
 * (another activation failed under STOP, or the execution timeout fired).
 *
 * @example
 * ```ts
 * ctx.signal.addEventListener('abort', () => console.log(ctx.signal.reason.name)); // 'JobFailedError'
 * ```
 */
export class JobFailedError extends RoutiluxError {
  static {
    this.prototype.name = 'JobFailedError';
  }
}

/**
 * A job store could not read or write: names the job id and the file (or key) involved; the
 * underlying error (an `EMFILE`, `EACCES`, a Redis error, …) is its `cause`.
 *
 * @example
 * ```ts
 * flow.checkpointErrors$.subscribe(({ error }) => {
 *   if (error instanceof StoreError) console.warn(error.jobId, error.file, error.cause);
 * });
 * ```
 */
export class StoreError extends RoutiluxError {
  static {
    this.prototype.name = 'StoreError';
  }
  /** The job whose state could not be read or written, when there is one. */
  readonly jobId: string | undefined;
  /** The file (or key) involved, when there is one. */
  readonly file: string | undefined;

  constructor(message: string, options: { jobId?: string; file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.jobId = options.jobId;
    this.file = options.file;
  }
}

/**
 * One problem a schema found: its message and, when it is about a field, the path to it
 * (`['items', 0, 'price']`).
 *
 * @example
 * ```ts
 * const issue: ValidationIssue = { message: 'Expected number, received string', path: ['amount'] };
 * ```
 */
export interface ValidationIssue {
  readonly message: string;
  readonly path?: readonly PropertyKey[];
}

/**
 * A payload failed its schema (a slot's `schema`, checked before the handler runs, or an
 * event's, checked on emit). `issues` are the schema's own, each with the path of the field it
 * is about; the message names the routine, the port and every field. The error policy handles
 * it like any activation failure, except that RETRY does not retry it: the same payload would
 * fail the same way.
 *
 * @example
 * ```ts
 * const state = await flow.execute('orders', { amount: 'ten' });
 * state.error; // { name: 'ValidationError', message: "routine 'orders' slot 'trigger': invalid payload: amount: Expected number, received string", ... }
 * ```
 */
export class ValidationError extends RoutiluxError {
  static {
    this.prototype.name = 'ValidationError';
  }
  /** What the schema reported, paths included. */
  readonly issues: readonly ValidationIssue[];

  constructor(message: string, issues: readonly ValidationIssue[], options?: { cause?: unknown }) {
    super(message, options);
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }
}

/**
 * A job kept killing the worker processes that owned it: after `maxRecoveries` takeovers of a
 * job whose owner never let it go (a crash, an OOM, a stalled event loop), the worker that
 * would own it next fails it with this error instead, its snapshot kept (resume it once fixed).
 *
 * @example
 * ```ts
 * const state = await job.wait();
 * if (state.error?.name === 'WorkerLostError') alertOps(state.jobId);
 * ```
 */
export class WorkerLostError extends RoutiluxError {
  static {
    this.prototype.name = 'WorkerLostError';
  }
}

/** Longest message kept from a thrown value: a state must stay small whatever a handler throws. */
const MAX_MESSAGE = 10_000;

/**
 * Converts anything thrown into the `{ name, message }` pair kept in job states. It never
 * throws, whatever it is given: a null-prototype object, a `toString` or getter that throws,
 * a symbol, a revoked proxy all get a safe description.
 *
 * @internal
 * @example
 * ```ts
 * describeError(Object.create(null)); // { name: 'Error', message: '[object Object]' }
 * ```
 */
export function describeError(error: unknown): { name: string; message: string } {
  // Frozen: the same object goes into the job's error, its tracker and its frozen snapshots.
  try {
    if (error instanceof Error) return Object.freeze({ name: safeString(error.name, '') || 'Error', message: safeString(error.message, '') });
    if (typeof error === 'object' && error !== null && 'message' in error) {
      const e = error as { name?: unknown; message: unknown };
      const name = e.name;
      return Object.freeze({ name: typeof name === 'string' && name.length > 0 ? cap(name) : 'Error', message: safeString(e.message, '') });
    }
  } catch {
    // a getter or proxy trap threw: fall through to the plain description
  }
  return Object.freeze({ name: 'Error', message: safeString(error, 'a thrown value that cannot be described') });
}

/** `String(value)`, or `Object.prototype.toString` of it when that throws, or `fallback`. */
function safeString(value: unknown, fallback: string): string {
  try {
    return cap(String(value));
  } catch {
    try {
      return cap(Object.prototype.toString.call(value));
    } catch {
      return fallback;
    }
  }
}

function cap(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * A short description of a value for an error message: never throws (whatever the value's
 * `toString` does), never dumps a large object.
 *
 * @internal
 * @example
 * ```ts
 * describeValue(1e308); // 'number 1e+308'
 * describeValue({ toString: {} }); // 'an object'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'symbol' || typeof value === 'function') return `a ${typeof value}`;
  try {
    return Array.isArray(value) ? 'an array' : 'an object';
  } catch {
    return 'an object'; // a revoked proxy
  }
}

/**
 * A value as JSON for an error message (`"name"`, `42`, `null`), or {@link describeValue} of
 * it when JSON cannot show it (a cycle, a BigInt, a throwing `toJSON`): never throws.
 *
 * @internal
 * @example
 * ```ts
 * quoteValue(''); // '""'
 * ```
 */
export function quoteValue(value: unknown): string {
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 60 ? `${json.slice(0, 60)}…` : json;
  } catch {
    // fall through
  }
  return describeValue(value);
}
