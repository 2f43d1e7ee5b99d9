import { Observable, mergeMap, type OperatorFunction } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import type { Payload } from '../core/payload.js';

/**
 * Options of {@link throughFlow} and {@link throughFlowEach}.
 *
 * @example
 * ```ts
 * const options: ThroughFlowOptions = { entry: 'parse', slot: 'in', output: ['sink', 'out'] };
 * ```
 */
export interface ThroughFlowOptions {
  /** The routine upstream values are sent to. */
  entry: string;
  /** Its slot (default `'trigger'`). */
  slot?: string;
  /** The `[routineId, eventName]` whose payloads the operator emits. */
  output: readonly [string, string];
}

/**
 * Runs a flow inside a pipeline: every upstream value goes into ONE job (opened on
 * subscription) at `entry.slot`; the operator emits the payloads of the `output` event of that
 * job. It completes when upstream has completed and the job has settled, errors when the job
 * fails (an upstream error goes through the entry routine's error policy first), and
 * unsubscribing cancels the job.
 *
 * @example
 * ```ts
 * lines$.pipe(
 *   map((line) => ({ line })),
 *   throughFlow(flow, { entry: 'parse', slot: 'in', output: ['sink', 'out'] }),
 *   bufferCount(10),
 * ).subscribe(console.log);
 * ```
 */
export function throughFlow(flow: Flow, options: ThroughFlowOptions): OperatorFunction<object, Payload> {
  const [outRoutine, outEvent] = options.output;
  const slot = options.slot ?? 'trigger';
  return (source) =>
    new Observable<Payload>((subscriber) => {
      const job = flow.open();
      const output = job.observe(outRoutine, outEvent).subscribe(subscriber);
      const input = source.subscribe(job.input(options.entry, slot));
      job.close();
      return () => {
        input.unsubscribe();
        output.unsubscribe();
        cancelIfLive(job);
      };
    });
}

/**
 * Options of {@link throughFlowEach}.
 *
 * @example
 * ```ts
 * const options: ThroughFlowEachOptions = { entry: 'fetch', output: ['format', 'out'], concurrency: 4 };
 * ```
 */
export interface ThroughFlowEachOptions extends ThroughFlowOptions {
  /** Jobs running at once (default: unlimited; the flow's own worker limit still applies). */
  concurrency?: number;
}

/**
 * The request/response form: one job per upstream value (`flow.start(entry, value, { slot })`),
 * emitting that job's `output` payloads, with at most `concurrency` jobs at once
 * (`mergeMap` semantics). Errors when a job fails; unsubscribing cancels running jobs.
 *
 * @example
 * ```ts
 * requests$.pipe(throughFlowEach(flow, { entry: 'handle', output: ['reply', 'out'], concurrency: 8 }));
 * ```
 */
export function throughFlowEach(flow: Flow, options: ThroughFlowEachOptions): OperatorFunction<object, Payload> {
  const [outRoutine, outEvent] = options.output;
  const slot = options.slot ?? 'trigger';
  return mergeMap(
    (value: object) =>
      new Observable<Payload>((subscriber) => {
        const job = flow.start(options.entry, value, { slot });
        const output = job.observe(outRoutine, outEvent).subscribe(subscriber);
        return () => {
          output.unsubscribe();
          cancelIfLive(job);
        };
      }),
    options.concurrency ?? Infinity,
  );
}

function cancelIfLive(job: Job): void {
  const status = job.state.status;
  if (status === 'running' || status === 'pending' || status === 'paused') {
    job.cancel('unsubscribed').catch(() => undefined);
  }
}
