import { ReplaySubject, filter, map, distinctUntilChanged, type Observable } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import type { Payload } from '../core/payload.js';
import type { Emission, JobStatus } from '../core/records.js';
import { JobFailedStreamError } from '../flow/job.js';

/**
 * Options of {@link marbleJob}: start the job at an entry routine, or (without `entry`) open
 * it and feed it only from `inputs`.
 *
 * @example
 * ```ts
 * const options: MarbleJobOptions = { inputs: { 'parse.in': cold('a-b|', { a: { x: 1 }, b: { x: 2 } }) } };
 * ```
 */
export interface MarbleJobOptions {
  /** Entry routine id; the job is started with `flow.start(entry, params, { slot })`. */
  entry?: string;
  params?: Payload;
  slot?: string;
  jobId?: string;
  /** `'routineId.slotName'` → an observable (a `cold`/`hot` marble) fed through `job.input`. */
  inputs?: Record<string, Observable<Payload>>;
}

/**
 * A job wired for marble assertions: every stream is recorded from the job's creation, so an
 * `expectObservable` that subscribes later in frame 0 still sees frame-0 values at frame 0.
 *
 * @example
 * ```ts
 * expectObservable(m.output('sink', 'out')).toBe('a-b-(c|)', { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } });
 * expectObservable(m.status$).toBe('(r)----(c|)', { r: 'running', c: 'completed' });
 * ```
 */
export interface MarbleJob {
  readonly job: Job;
  /** Payloads of `routineId.eventName` in this job; completes when the job settles, errors if it fails. */
  output(routineId: string, eventName: string): Observable<Payload>;
  /** Every emission of this job (`{ routineId, eventName, data, ... }`). */
  readonly emissions$: Observable<Emission>;
  /** Each distinct status from the job's creation; completes at completed, failed or cancelled. */
  readonly status$: Observable<JobStatus>;
}

/**
 * Starts (or opens) a job on `flow` and records its outputs for marble tests. Use inside
 * `testScheduler.run(...)`, with the flow's `scheduler` set to the TestScheduler (or left as
 * the default `asyncScheduler`, which `run` drives in virtual time).
 *
 * @example
 * ```ts
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const flow = buildFlow({ scheduler: testScheduler });
 *   const m = marbleJob(flow, { inputs: { 'double.in': cold('a-b|', { a: { v: 1 }, b: { v: 2 } }) } });
 *   expectObservable(m.output('double', 'out')).toBe('a-b|', { a: { v: 2 }, b: { v: 4 } });
 * });
 * ```
 */
export function marbleJob(flow: Flow, options: MarbleJobOptions = {}): MarbleJob {
  const emissions = new ReplaySubject<Emission>();
  const statuses = new ReplaySubject<JobStatus>();
  // Recording starts before the job does, so its start record is kept; until the job's id is
  // known, records are held and then filtered (no handler runs inside start/open).
  let jobId: string | undefined;
  const early: Emission[] = [];
  const record = (e: Emission): void => {
    if (jobId === undefined) early.push(e);
    else if (e.jobId === jobId) emissions.next(e);
  };
  const events = flow.events$.subscribe(record);
  // The scheduler's history records (start, error, retry, skip, stop, join-incomplete) come from inspect$, as
  // the emissions they interleave with: both push synchronously, so the order is kept.
  events.add(
    flow.inspect$.subscribe((r) => {
      if (r.type === 'start' || r.type === 'error' || r.type === 'retry' || r.type === 'skip' || r.type === 'stop' || r.type === 'join-incomplete') {
        record({ kind: r.type, jobId: r.jobId, routineId: r.routineId, eventName: r.type, data: r.data, timestamp: r.timestamp });
      }
    }),
  );
  let job: Job;
  try {
    job =
      options.entry !== undefined
        ? flow.start(options.entry, options.params ?? {}, { ...(options.slot ? { slot: options.slot } : {}), ...(options.jobId ? { jobId: options.jobId } : {}) })
        : flow.open(options.jobId ? { jobId: options.jobId } : {});
  } catch (error) {
    events.unsubscribe();
    throw error;
  }
  jobId = job.jobId;
  for (const e of early) if (e.jobId === jobId) emissions.next(e);
  job.state$
    .pipe(
      map((s) => s.status),
      distinctUntilChanged(),
    )
    .subscribe({
      next: (status) => statuses.next(status),
      complete: () => {
        statuses.complete();
        events.unsubscribe();
        const state = job.state;
        if (state.status === 'failed') emissions.error(new JobFailedStreamError(state));
        else emissions.complete();
      },
    });
  for (const [target, source] of Object.entries(options.inputs ?? {})) {
    const dot = target.lastIndexOf('.');
    source.subscribe(job.input(target.slice(0, dot), target.slice(dot + 1)));
  }
  if (options.entry === undefined) job.close();
  return {
    job,
    emissions$: emissions.asObservable(),
    status$: statuses.asObservable(),
    output: (routineId, eventName) => {
      flow.observe(routineId, eventName); // throws ConfigurationError for an unknown routine or event
      return emissions.pipe(
        filter((e) => e.kind === 'emit' && e.routineId === routineId && e.eventName === eventName),
        map((e) => e.data),
      );
    },
  };
}
