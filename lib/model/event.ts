import { Subject, observable as observableKey, type Observable, type Subscribable } from 'rxjs';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { Routine } from './routine.js';
import type { Connection } from './connection.js';
import { currentContext } from './current-context.js';

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
export class Event<T extends Payload = Payload> {
  private readonly subject = new Subject<T>();
  /** @internal Connections leaving this event, in connection order (kept by the flow). */
  _targets: Connection[] = [];

  constructor(
    readonly name: string,
    readonly routine: Routine,
    readonly outputParams: readonly string[] = [],
  ) {}

  /**
   * Emits `data` for the job of the current activation (non-blocking). Outside an
   * activation it only pushes the payload to {@link Event.asObservable}.
   *
   * @example
   * ```ts
   * this.getEvent('out')!.emit({ value: 1 });
   * ```
   */
  emit(data?: T): void {
    const payload = (data ?? EMPTY_PAYLOAD) as T;
    const ctx = currentContext();
    if (ctx !== undefined) ctx.emitEvent(this as Event, payload);
    else this._publish(payload);
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

  /** @internal Counts the emit and pushes to observers; costs one check when nobody listens. */
  _publish(data: T): void {
    this.routine._stats.emits++;
    if (this.subject.observed) this.subject.next(data);
  }
}

// The type of the interop below, so `from(event)` type-checks as an Observable of the payloads.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface Event<T extends Payload = Payload> {
  [Symbol.observable](): Subscribable<T>;
}

// `Symbol.observable` interop, so RxJS's `from(event)` (and other libraries) accept an event:
// it is `event.asObservable()`. (RxJS types its key as `string | symbol`, which a class cannot
// use as a member name, hence the assignment; it lives here so that it comes with the class.)
(Event.prototype as unknown as Record<string | symbol, unknown>)[observableKey] = function (this: Event): Observable<Payload> {
  return this.asObservable();
};
