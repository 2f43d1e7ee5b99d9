/**
 * Type-level tests (run by `npm test` through `npm run typecheck`): what must compile does, and
 * each `@ts-expect-error` line must fail to compile (tsc reports an unused one).
 */
import { from, lastValueFrom, type Observable } from 'rxjs';
import { Flow, Routine, type Event, type Job, type JobState, type Payload } from '../lib/index.js';

declare const flow: Flow;
declare const job: Job;
declare const event: Event<{ n: number }>;

// from(job) is an Observable of snapshots; from(event) of the event's payloads (issue 16).
export const states: Observable<JobState> = from(job);
export const payloads: Observable<{ n: number }> = from(event);
export const anyEvent: Observable<Payload> = from(new Routine().defineEvent('out'));
export const last: Promise<JobState> = lastValueFrom(from(flow.start('r', {})));

// @ts-expect-error a Job is not an Observable of numbers
export const wrongJob: Observable<number> = from(job);
// @ts-expect-error an Event<{ n: number }> does not emit strings
export const wrongEvent: Observable<{ n: string }> = from(event);

// inspect$ records narrow on `type` (issue 16).
flow.inspect$.subscribe((r) => {
  if (r.type === 'activation-end') {
    const ms: number = r.durationMs;
    void ms;
  }
  // @ts-expect-error a job record has no durationMs
  if (r.type === 'job') void r.durationMs;
});

// run$ is an Observable of snapshots; signals are AbortSignals (issue 16).
export const run$: Observable<JobState> = flow.run$('r', {}, { signal: new AbortController().signal });
// @ts-expect-error a signal is an AbortSignal, not a boolean
flow.start('r', {}, { signal: true });
