/**
 * Issue 17, Tier 2: a new owner replays what the job's last owner did after its last checkpoint
 * (each pool activation takes its result from the inbox), and holds the commands it reads until
 * that replay is over, so that none of them takes a number a replayed activation had
 * (ReplayFence). The crash runs are in review-s9c.cases.ts; these pin the fence's own rules.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { ReplayFence } from '../../lib/bullmq/replay-fence.js';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import type { ControlEntry } from '../../lib/bullmq/wire.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import type { JobState } from '../../lib/state/job-state.js';

interface FakeRun {
  routine: { _placement: 'owner' | 'pool'; _flushSlot: undefined };
  activations: number;
  inFlight: number;
  nextRun: FakeRun | undefined;
}

/** What the fence reads of a job: its status, its running and queued counts, its routines' runs; and what it holds open (`holds`, `settles`: settleIfIdle calls). */
function fakeJob(over: { status?: string; running?: number; queued?: number } = {}): { rt: JobRuntime; owner: FakeRun; set(o: { status?: string; running?: number; queued?: number }): void; settles: number[] } {
  const owner: FakeRun = { routine: { _placement: 'owner', _flushSlot: undefined }, activations: 3, inFlight: 0, nextRun: undefined };
  const pool: FakeRun = { routine: { _placement: 'pool', _flushSlot: undefined }, activations: 5, inFlight: 1, nextRun: owner };
  const settles: number[] = [];
  const rt = {
    status: 'running',
    work: { running: 1, queued: 0, holds: 0 },
    firstRun: pool,
    // (as JobRuntime's: one hold less, then settleIfIdle, which records the holds left, later)
    releaseHold: () => {
      if (rt.work.holds > 0) rt.work.holds--;
      queueMicrotask(() => settles.push(rt.work.holds));
    },
  };
  const set = (o: { status?: string; running?: number; queued?: number }): void => {
    if (o.status !== undefined) rt.status = o.status;
    if (o.running !== undefined) rt.work.running = o.running;
    if (o.queued !== undefined) rt.work.queued = o.queued;
  };
  set(over);
  return { rt: rt as unknown as JobRuntime, owner, set, settles };
}

const task = (seq: number, attempt = 1): object => ({ routineId: 'p', slotName: 'in', data: {}, attempt, enqueuedAt: 0, seq });

/** A checkpoint numbered up to `activationSeq`, listing the given tasks. */
function checkpoint(activationSeq: number, tasks: { running?: object[]; pending?: object[]; failed?: object } = {}): JobState {
  return { status: 'running', activationSeq, runningTasks: tasks.running ?? [], pendingTasks: tasks.pending ?? [], failedTask: tasks.failed } as unknown as JobState;
}

const entry = (id: string): ControlEntry => ({ id, command: { op: 'close' } }) as ControlEntry;
const key = (seq: number, attempt = 1, job = 'j:1'): string => `${job}/${seq}#${attempt}~abcdefgh12345678`;
const tick = (): Promise<void> => new Promise((resolve) => queueMicrotask(resolve));

describe('routilux/bullmq: ReplayFence', () => {
  it('is not put up when there is nothing to replay: no state, not running, or no inbox result of work after the checkpoint', () => {
    const apply = (): void => undefined;
    expect(ReplayFence.open(undefined, [key(9)], fakeJob().rt, apply)).to.equal(undefined);
    expect(ReplayFence.open(checkpoint(4), [key(9)], fakeJob({ status: 'paused' }).rt, apply)).to.equal(undefined);
    // Results of activations the checkpoint holds as done (numbered, not listed), and keys not of this form.
    expect(ReplayFence.open(checkpoint(4), [key(1), key(4), 'junk', 'a#1~x', key(3, 2)], fakeJob().rt, apply)).to.equal(undefined);
    // A retry listed at attempt 2: the first attempt's result is not replayed.
    expect(ReplayFence.open(checkpoint(4, { pending: [task(3, 2)] }), [key(3, 1)], fakeJob().rt, apply)).to.equal(undefined);
    // Another incarnation's (a run that failed): never taken, so not waited for.
    expect(ReplayFence.open(checkpoint(4), [key(5).replace('#1~', '#1.1~')], fakeJob().rt, apply, { incarnation: 2 })).to.equal(undefined);
    expect(ReplayFence.open(checkpoint(4), [key(5).replace('#1~', '#1.2~')], fakeJob().rt, apply, { incarnation: 2 })?.up).to.equal(true);
    // A failed job (resumed by a client): no replay, whatever it lists (its inbox is stale: see takenInbox).
    const failed = { ...checkpoint(4, { running: [task(2)], failed: task(3) }), status: 'failed' } as unknown as JobState;
    expect(ReplayFence.open(failed, [key(2), key(3), key(5)], fakeJob().rt, apply)).to.equal(undefined);
  });

  it('replays the results of activations numbered after the checkpoint, and of those it lists as queued or running at that attempt (job ids with / # ~ included)', () => {
    const apply = (): void => undefined;
    const rt = fakeJob().rt;
    expect(ReplayFence.open(checkpoint(4), [key(5)], rt, apply)?.up).to.equal(true);
    expect(ReplayFence.open(checkpoint(4, { running: [task(2)] }), [key(2)], rt, apply)?.up).to.equal(true);
    expect(ReplayFence.open(checkpoint(4, { pending: [task(3, 2)] }), [key(3, 2)], rt, apply)?.up).to.equal(true);
    expect(ReplayFence.open(checkpoint(4), [key(5, 1, 'a/b#c~d')], rt, apply)?.up).to.equal(true);
  });

  it('holds commands while the replay still has results to take, and applies them in order just after the turn that took the last', async () => {
    const applied: string[][] = [];
    const job = fakeJob();
    const fence = ReplayFence.open(checkpoint(4), [key(5), key(6)], job.rt, (held) => applied.push(held.map((e) => e.id)))!;
    fence.hold([entry('1-0'), entry('2-0')]);
    fence.taken(key(5));
    fence.turnEnded(job.rt);
    await tick();
    expect(fence.up).to.equal(true);
    fence.hold([entry('3-0')]);
    fence.taken(key(6));
    fence.turnEnded(job.rt);
    fence.hold([entry('4-0')]); // read in the same moment: still held, after the others
    expect([fence.up, applied], 'never inside the turn').to.deep.equal([true, []]);
    await tick();
    expect(fence.up).to.equal(false);
    expect(applied).to.deep.equal([['1-0', '2-0', '3-0', '4-0']]);
    fence.turnEnded(job.rt);
    await tick();
    expect(applied, 'once').to.have.length(1);
  });

  it('holds the job open while it holds commands (the replay cannot settle it before they are applied), then lets it settle', async () => {
    const applied: string[][] = [];
    const job = fakeJob();
    const fence = ReplayFence.open(checkpoint(4), [key(5)], job.rt, (held) => applied.push(held.map((e) => e.id)))!;
    fence.hold([]);
    expect(job.rt.work.holds, 'nothing held: nothing holds the job').to.equal(0);
    fence.hold([entry('1-0')]);
    fence.hold([entry('2-0')]);
    expect(job.rt.work.holds, 'one hold, however many commands').to.equal(1);
    fence.taken(key(5));
    job.set({ running: 0 }); // the replay's last activation ended: idle, but held open
    fence.turnEnded(job.rt);
    expect(job.rt.work.holds, 'still held until the commands are applied').to.equal(1);
    await tick();
    expect(applied).to.deep.equal([['1-0', '2-0']]);
    expect(job.rt.work.holds).to.equal(0);
    await tick();
    expect(job.settles, 'then asked to settle if idle, with no hold left').to.deep.equal([0]);
  });

  it('goes down at the end of the first turn that sent a pool activation, started one on the owner, left nothing queued or running, or left the job not running', async () => {
    const ends: Array<[string, (j: ReturnType<typeof fakeJob>, f: ReplayFence) => void]> = [
      ['a send', (_j, f) => f.sent()],
      ['an owner-side start', (j) => j.owner.activations++],
      ['nothing queued or running', (j) => j.set({ running: 0, queued: 0 })],
      ['paused', (j) => j.set({ status: 'paused' })],
    ];
    for (const [what, happen] of ends) {
      const job = fakeJob();
      let applied = 0;
      const fence = ReplayFence.open(checkpoint(4), [key(5), key(6)], job.rt, () => applied++)!;
      fence.turnEnded(job.rt);
      expect(fence.up, `${what}: not before`).to.equal(true);
      job.set({ running: 0, queued: 2 }); // queued work alone keeps it up
      fence.turnEnded(job.rt);
      expect(fence.up, `${what}: queued`).to.equal(true);
      job.set({ running: 1 });
      happen(job, fence);
      fence.turnEnded(job.rt);
      await tick();
      expect([fence.up, applied], what).to.deep.equal([false, 1]);
    }
  });

  it('goes down after its bound at the latest, though no turn of the job ends (its work waits behind other jobs’, or for a timer)', async () => {
    const job = fakeJob({ running: 0, queued: 1 });
    const applied: string[] = [];
    const fence = ReplayFence.open(checkpoint(4), [key(5)], job.rt, (held) => applied.push(...held.map((e) => e.id)), { holdMs: 30 })!;
    fence.hold([entry('1-0')]); // a cancel, say
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect([fence.up, applied]).to.deep.equal([true, []]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect([fence.up, applied]).to.deep.equal([false, ['1-0']]);
    fence.turnEnded(job.rt); // a turn after it changes nothing
    await tick();
    expect(applied).to.deep.equal(['1-0']);
  });

  it('hears what the pool results of its job take and send', async () => {
    const job = fakeJob();
    const results = new PoolResults();
    const fence = ReplayFence.open(checkpoint(4), [key(5)], job.rt, () => undefined)!;
    results.fence = fence;
    results.deliver(key(5), '{"effects":[]}');
    expect(results.take(key(6)), 'a miss is no take').to.equal(undefined);
    fence.turnEnded(job.rt);
    expect(fence.up).to.equal(true);
    expect(results.take(key(5))).to.equal('{"effects":[]}');
    fence.turnEnded(job.rt);
    await tick();
    expect(fence.up).to.equal(false);
    const again = ReplayFence.open(checkpoint(4), [key(5)], job.rt, () => undefined)!;
    results.fence = again;
    void results.wait(key(7)).catch(() => undefined); // a send
    again.turnEnded(job.rt);
    await tick();
    expect(again.up).to.equal(false);
    results.dispose();
  });

  it('applies every command it held exactly once, in the order read, and none while up (any interleaving)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constant<'read'>('read'), fc.constant<'take'>('take'), fc.constant<'turn'>('turn')), { maxLength: 40 }),
        async (steps) => {
          const job = fakeJob();
          const applied: string[] = [];
          const fence = ReplayFence.open(checkpoint(0), [key(1), key(2), key(3)], job.rt, (held) => applied.push(...held.map((e) => e.id)))!;
          const read: string[] = [];
          let next = 1;
          for (const step of steps) {
            if (step === 'read') {
              const e = entry(`${read.length}-0`);
              read.push(e.id);
              if (fence.up) fence.hold([e]);
              else applied.push(e.id); // (the owner applies at once once it is down)
            } else if (step === 'take') fence.taken(key(next++));
            else fence.turnEnded(job.rt);
            if (fence.up) expect(applied).to.deep.equal([]);
            await tick();
          }
          fence.sent();
          fence.turnEnded(job.rt);
          await tick();
          expect(applied).to.deep.equal(read);
        },
      ),
    );
  });
});
