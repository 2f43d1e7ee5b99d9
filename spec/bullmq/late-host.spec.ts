/**
 * LateHost: a job that tracks late writes (a worker's owned job, see PoolTurnLag) counts what an
 * activation's context writes after the activation ended, and an operator's outputs, in
 * `lateWrites`; a running activation's writes are not counted. A job that does not track them
 * keeps its contexts on the job itself.
 */
import { expect } from 'chai';
import { delay } from 'rxjs';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import { LateHost } from '../../lib/bullmq/late-host.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const runtimeOf = (job: unknown): JobRuntime => (job as { _runtime: JobRuntime })._runtime;

/** Resolves once `cond` holds (polled every few ms), or fails after `ms`. */
async function until(cond: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(2);
  }
}

/**
 * src: emits and writes while it runs, then (from a ctx.scheduler timer, once `late()` is called)
 * emits and writes again; sink stores what it got, holding the first payload until `open()` so
 * the job is still running when the late writes come. (Gates, not delays: under load a delay
 * let the timer fire before the first check, or the job end before the late writes.)
 */
function build(): { flow: Flow; seen: ExecutionContext[]; late: () => void; open: () => void } {
  const flow = new Flow({ flowId: 'late-host' });
  const seen: ExecutionContext[] = [];
  let late!: () => void;
  const lateGate = new Promise<void>((resolve) => (late = resolve));
  let open!: () => void;
  const sinkGate = new Promise<void>((resolve) => (open = resolve));
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => {
    seen.push(ctx);
    ctx.emit('out', { n: 1 });
    ctx.setSharedData('during', true);
    void lateGate.then(() =>
      ctx.scheduler.schedule(() => {
        ctx.emit('out', { n: 2 });
        ctx.setSharedData('after', true);
        ctx.updateRoutineState({ late: true });
      }),
    );
  });
  const sink = new Routine();
  sink.defineSlot('in', async (d: { n: number }, ctx) => {
    if (d.n === 1) await sinkGate;
    ctx.setSharedData(`got${d.n}`, true);
  });
  flow.addRoutine(src, 'src');
  flow.addRoutine(sink, 'sink');
  flow.connect('src', 'out', 'sink', 'in');
  return { flow, seen, late, open };
}

describe('LateHost: what an ended activation still writes, counted for a job that tracks it', () => {
  it('counts the three writes a timer made after its activation ended, and none of the running activations’', async () => {
    const { flow, seen, late, open } = build();
    const job = flow.start('src', {});
    const rt = runtimeOf(job);
    LateHost.track(rt);
    await until(() => (seen[0] as unknown as { ended?: boolean } | undefined)?.ended === true, 'src’s activation ended');
    expect(rt.lateWrites, 'src ran, sink runs; src’s writes were made while it ran').to.equal(0);
    expect((seen[0] as unknown as { host: unknown }).host).to.be.instanceOf(LateHost);
    late();
    await until(() => rt.lateWrites === 3, 'the timer’s three writes are counted');
    open();
    const state = await job.wait({ timeout: 5_000 });
    expect(rt.lateWrites).to.equal(3);
    expect(state.getSharedData('got2'), 'the late emit was delivered as before').to.equal(true);
    expect(state.getSharedData('after')).to.equal(true);
  });

  it('leaves a job that does not track them as it was: its ended contexts keep the job as their host', async () => {
    const { flow, seen, late, open } = build();
    const job = flow.start('src', {});
    await until(() => seen.length === 1, 'src ran');
    late();
    open();
    await job.wait({ timeout: 5_000 });
    expect((seen[0] as unknown as { host: unknown }).host).to.equal(runtimeOf(job));
    expect(runtimeOf(job).lateWrites).to.equal(0);
  });

  it('counts an operator routine’s outputs (made by its operator, in no activation)', async () => {
    const flow = new Flow({ flowId: 'late-host-op' });
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { n: 1 }));
    flow.addRoutine(src, 'src');
    flow.addRoutine(Routine.fromOperator(delay(10), { slot: 'in', event: 'out' }), 'later');
    flow.connect('src', 'out', 'later', 'in');
    const job = flow.start('src', {});
    const rt = runtimeOf(job);
    LateHost.track(rt);
    await job.wait({ timeout: 2_000 });
    expect(rt.lateWrites).to.be.greaterThan(0);
  });
});
