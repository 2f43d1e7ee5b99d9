import { Subject, observable as observableKey, type Observable, type Subscribable } from 'rxjs';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { Routine } from './routine.js';
import type { Connection } from './connection.js';
import { currentContext } from './current-context.js';
import { ConfigurationError } from '../errors/errors.js';
import type { PayloadCheck } from './standard-schema.js';
import type { PayloadArgs } from './typed-ports.js';

/**
 * A named output of a routine. Emitting queues one activation per connected slot (in
 * connection order) for the current job; `asObservable()` streams the payloads of all jobs.
 *
 * @example
 * ```ts
 * const out = routine.defineEvent('out', ['value']);
 * out.asObservable().subscribe((p) => console.log(p.value));
 * ```
 */
export class Event<T extends object = Payload> {
  private readonly subject = new Subject<T>();
  /** @internal Connections leaving this event, in connection order (kept by the flow). */
  _targets: Connection[] = [];
  /** @internal The compiled schema of the event (see EventOptions); undefined without one. */
  _check: PayloadCheck | undefined = undefined;

  constructor(
    readonly name: string,
    readonly routine: Routine,
    readonly outputParams: readonly string[] = [],
  ) {}

  /**
   * Emits `data` for the job of the current activation (non-blocking). Outside an
   * activation it only pushes the payload to {@link Event.asObservable}. With a schema, the
   * payload is checked first.
   *
   * @throws {ValidationError} when the event has a schema and `data` fails it.
   * @example
   * ```ts
   * this.getEvent('out')!.emit({ value: 1 });
   * ```
   */
  emit(...[data]: PayloadArgs<T>): void {
    const payload = (data ?? EMPTY_PAYLOAD) as Payload;
    const ctx = currentContext();
    if (ctx !== undefined) ctx.emitEvent(this as unknown as Event, payload);
    else this._publishChecked(payload);
  }

  /**
   * The payloads emitted on this event by every job (and outside jobs). Hot: subscribe before
   * the emits you want to see.
   *
   * @example
   * ```ts
   * routine.getEvent('out')!.asObservable().pipe(take(3)).subscribe(console.log);
   * ```
   */
  asObservable(): Observable<T> {
    return this.subject.asObservable();
  }

  /**
   * @internal Refuses a payload that is not an object (a number, a string, a boolean), which
   * `this.emit`, `event.emit`, `ctx.emit` and `emitDeferredEvent` would otherwise hand to the
   * connected slots' handlers as their data.
   *
   * @throws {ConfigurationError} naming the routine and the event.
   */
  _refuseNonObject(data: unknown): void {
    // The test in line, the throw a call: this runs on every emit, and V8 inlines by bytecode size.
    if (typeof data !== 'object' || data === null) this.refuse(data);
  }

  private refuse(data: unknown): never {
    throw new ConfigurationError(`routine '${this.routine.id}' event '${this.name}': a payload must be an object, got ${data === null ? 'null' : typeof data}`);
  }

  /**
   * @internal An emit outside any activation: checked by the schema if there is one (which
   * must then be synchronous: there is no activation to wait for it), then published.
   */
  _publishChecked(data: Payload): void {
    this._refuseNonObject(data);
    const check = this._check;
    if (check === undefined) {
      this._publish(data as unknown as T);
      return;
    }
    const checked = check(data);
    if (checked instanceof Promise) {
      checked.catch(() => undefined); // not waited for: never an unhandled rejection
      throw new ConfigurationError(
        `routine '${this.routine.id}' event '${this.name}': its schema is asynchronous, so it can only be emitted inside a job activation (which waits for the check)`,
      );
    }
    this._publish(checked as T);
  }

  /** @internal Counts the emit and pushes to observers; costs one check when nobody listens. */
  _publish(data: T): void {
    this.routine._stats.emits++;
    if (this.subject.observed) this.subject.next(data);
  }
}

// The type of the interop below, so `from(event)` type-checks as an Observable of the payloads.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Event<T extends object = Payload> {
  [Symbol.observable](): Subscribable<T>;
}

// `Symbol.observable` interop, so RxJS's `from(event)` (and other libraries) accept an event:
// it is `event.asObservable()`. (RxJS types its key as `string | symbol`, which a class cannot
// use as a member name, hence the assignment; it lives here so that it comes with the class.)
(Event.prototype as unknown as Record<string | symbol, unknown>)[observableKey] = function (this: Event): Observable<Payload> {
  return this.asObservable();
};
