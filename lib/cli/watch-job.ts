import { filter, firstValueFrom } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import type { JobStatus } from '../core/records.js';
import type { CliIO } from './cli-io.js';
import { formatJobSummary } from './job-summary.js';
import { ProgressLine } from './progress-line.js';

/**
 * The exit code for a job's resting status: 0 completed, 1 failed or cancelled, 2 paused
 * (resumable with `routilux jobs resume`).
 *
 * @example
 * ```ts
 * exitCodeOf('failed'); // 1
 * ```
 */
export function exitCodeOf(status: JobStatus): number {
  return status === 'completed' ? 0 : status === 'paused' ? 2 : 1;
}

/**
 * Follows a job to its next resting status with an optional progress line, then prints its
 * summary (or, with `json`, its state as JSON) on stdout and returns the exit code. The first
 * Ctrl-C pauses the job when the flow has a store (so `jobs resume` can finish it) and cancels
 * it otherwise; a second one ends the process at once.
 *
 * @example
 * ```ts
 * return watchJob(flow, flow.start('intake', params), io, { progress: true, json: false });
 * ```
 */
export async function watchJob(flow: Flow, job: Job, io: CliIO, options: { progress: boolean; json: boolean }): Promise<number> {
  const progress = options.progress ? new ProgressLine(flow, job, io.stderr).start() : undefined;
  let stopListening = io.onInterrupt(() => {
    stopListening(); // the next signal gets the default: the process ends
    stopListening = () => undefined;
    const durable = flow.store !== undefined;
    io.stderr.write(`\nroutilux: interrupted: ${durable ? 'pausing' : 'cancelling'} job ${job.jobId} (Ctrl-C again to quit at once)\n`);
    (durable ? job.pause('interrupted') : job.cancel('interrupted')).catch(() => undefined);
  });
  let state;
  try {
    await job.wait();
    // A job paused from inside a handler rests while that handler still runs: its stored
    // state (and the summary) should be the quiet one, after the activations in flight.
    state = await firstValueFrom(job.state$.pipe(filter((s) => s.status !== 'paused' || s.runningTasks.length === 0)));
  } finally {
    progress?.stop();
    stopListening();
  }
  if (flow.store !== undefined) await flow.checkpointsFlushed({ timeout: 30_000 });
  io.stdout.write(`${options.json ? JSON.stringify(state) : formatJobSummary(state, { now: Date.now() })}\n`);
  if (state.status === 'paused' && flow.store !== undefined) {
    io.stderr.write(`routilux: job ${state.jobId} is paused; finish it with: routilux jobs resume ${state.jobId} --store <dir> --flow <flow.json>\n`);
  }
  return exitCodeOf(state.status);
}
