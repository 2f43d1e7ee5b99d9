import { observable as observableKey, type Observable } from 'rxjs';
import { Event } from '../model/event.js';
import { Job } from '../flow/job.js';
import type { JobState } from '../state/job-state.js';
import type { Payload } from '../core/payload.js';

/**
 * `Symbol.observable` interop, so RxJS's `from()` (and other libraries) accept our objects:
 * `from(event)` is `event.asObservable()`, `from(job)` is `job.state$`.
 * (RxJS types `observable` as `string | symbol`, which a class cannot use as a computed
 * member name, hence the assignment to the prototypes.)
 */
(Event.prototype as unknown as Record<string | symbol, unknown>)[observableKey] = function (this: Event): Observable<Payload> {
  return this.asObservable();
};
(Job.prototype as unknown as Record<string | symbol, unknown>)[observableKey] = function (this: Job): Observable<JobState> {
  return this.state$;
};
