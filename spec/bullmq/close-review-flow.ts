/**
 * Shared by the reviews of the bounded worker close (review-s14b, review-s14c): bounded waits,
 * how a job ended, the close's TimeoutError messages, and a flow whose first run of a handler
 * never settles, settles late, or runs slowly.
 */
import { TimeoutError } from '../../lib/errors/errors.js';
import { Flow, Routine, type ExecutionContext, type JobState } from '../../lib/index.js';
import { sleep } from '../fixtures/helpers.js';

/** `promise`'s outcome (its value, or the error it rejected with), or 'HANG' after `ms`. */
export const outcome = <T>(promise: Promise<T>, ms = 5_000): Promise<T | Error | 'HANG'> =>
  Promise.race([promise.catch((error: unknown) => error as Error), sleep(ms).then(() => 'HANG' as const)]);
export const statusOf = (got: JobState | Error | 'HANG'): unknown => (got === 'HANG' ? 'HANG' : got instanceof Error ? `${got.name}: ${got.message}` : got.status === 'failed' ? [got.status, JSON.stringify(got.toJSON().error ?? got.toJSON().failedTask)] : [got.status, got.getSharedData('v')]);
/** Polls `cond` every 10 ms for at most `ms`; whether it held. */
export const poll = async (cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<boolean> => {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(10)) if (await cond()) return true;
  return false;
};
export const messages = (errors: unknown[]): string[] => errors.filter((e): e is TimeoutError => e instanceof TimeoutError).map((e) => e.message);

/** Runs of work.trigger (by mode), and what sink.in received. */
export const seen = { runs: 0, sunk: [] as unknown[] };

let held: Promise<void> = Promise.resolve();
let heldReturned: () => void = () => undefined;
/**
 * Holds the first run of work.trigger with `mode: 'held'` until `release()`: it then emits (ignoring
 * its signal, as 'late') and returns, and `returned` settles. For a spec that needs the handler in
 * flight until a step of its own (a close past its closeTimeout), however slow the machine is.
 */
export function holdFirstRun(): { release: () => void; returned: Promise<void> } {
  let release: () => void = () => undefined;
  held = new Promise<void>((resolve) => (release = resolve));
  const returned = new Promise<void>((resolve) => (heldReturned = resolve));
  return { release, returned };
}

/**
 * work.trigger: its first run never settles (ignoring its signal) with `mode: 'hang'`, or
 * settles after `ms` then emits (ignoring its signal too) with `mode: 'late'`, or when released
 * (holdFirstRun) with `mode: 'held'`; later runs set v
 * and emit (any run with `mode: 'slow'` after `ms`). sink.in records what it got. With `pool`, work runs on the pool.
 */
export function build(flowId: string, pool = false): () => Flow {
  return () => {
    const flow = new Flow({ flowId });
    const work = new Routine();
    work.defineEvent<{ from: number }>('out');
    work.defineSlot<{ v: number; mode?: string; ms?: number }>('trigger', async (d, ctx: ExecutionContext) => {
      const run = ++seen.runs;
      if (run === 1 && d.mode === 'hang') return new Promise<void>(() => undefined);
      if (run === 1 && d.mode === 'late') {
        await sleep(d.ms ?? 800);
        ctx.emit('out', { from: run });
        return;
      }
      if (run === 1 && d.mode === 'held') {
        await held;
        ctx.emit('out', { from: run });
        heldReturned();
        return;
      }
      if (d.mode === 'slow') await sleep(d.ms ?? 400);
      ctx.setSharedData('v', d.v);
      ctx.emit('out', { from: run });
    });
    if (pool) work.setPlacement('pool');
    const sink = new Routine();
    sink.defineSlot<{ from: number }>('in', (d) => void seen.sunk.push(d.from));
    flow.addRoutine(work, 'work');
    flow.addRoutine(sink, 'sink');
    flow.connect('work', 'out', 'sink', 'in');
    return flow;
  };
}
