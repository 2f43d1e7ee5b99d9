import { Observable } from 'rxjs';
import { JobFailedError } from '../errors/errors.js';
import type { JobState } from '../state/job-state.js';
import type { Job } from './job.js';

/**
 * @internal `flow.run$`: a cold Observable of a job's snapshots. Subscribing starts the job
 * (`start` is called then, once per subscriber); it emits the current snapshot and every change,
 * completes when the job completes, and errors with a JobFailedError (carrying the state, off
 * its enumerable fields) when it fails or is cancelled; unsubscribing before the end cancels it.
 *
 * @example
 * ```ts
 * const states$ = runObservable(() => flow.start('src', { n: 3 }));
 * ```
 */
export function runObservable(start: () => Job): Observable<JobState> {
  return new Observable<JobState>((subscriber) => {
    const job = start(); // a throw here (an unknown entry) is the subscriber's error
    let ended = false;
    const sub = job.state$.subscribe({
      next: (state) => subscriber.next(state),
      complete: () => {
        ended = true;
        const state = job.state;
        if (state.status === 'completed') return subscriber.complete();
        const error = new JobFailedError(`job '${state.jobId}' ${state.status === 'cancelled' ? 'was cancelled' : `failed: ${state.error?.name ?? 'Error'}: ${state.error?.message ?? ''}`}`.slice(0, 300));
        Object.defineProperty(error, 'state', { value: state, enumerable: false });
        subscriber.error(error);
      },
    });
    return () => {
      sub.unsubscribe();
      if (!ended) job.cancel('unsubscribed').catch(() => undefined); // settled meanwhile: nothing to cancel
    };
  });
}
