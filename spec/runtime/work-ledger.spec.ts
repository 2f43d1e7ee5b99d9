import { expect } from 'chai';
import { WorkLedger } from '../../lib/runtime/work-ledger.js';
import type { Task } from '../../lib/runtime/task.js';

const task = (name: string) => ({ name }) as unknown as Task;

describe('WorkLedger', () => {
  it('is idle only when nothing is queued, running, waiting or held', () => {
    const w = new WorkLedger();
    expect(w.isIdle()).to.equal(true);
    for (const change of [(l: WorkLedger) => (l.queued = 1), (l: WorkLedger) => (l.running = 1), (l: WorkLedger) => (l.holds = 1), (l: WorkLedger) => l.waiting.add(task('t'))]) {
      const l = new WorkLedger();
      change(l);
      expect(l.isIdle()).to.equal(false);
    }
  });

  it('parked, interrupted and failed tasks do not keep a job from settling but are listed as tasks', () => {
    const w = new WorkLedger();
    w.park(task('p'));
    expect(w.isIdle()).to.equal(true);
    expect(w.hasTasks()).to.equal(true);
  });

  it('hands the tasks of a resume over in order: failed, interrupted, parked; and forgets them', () => {
    const w = new WorkLedger();
    w.parked = [task('p1'), task('p2')];
    w.interrupted = [task('i')];
    w.failedTask = task('f');
    expect(w.takeResumable().map((t) => (t as unknown as { name: string }).name)).to.deep.equal(['f', 'i', 'p1', 'p2']);
    expect(w.hasTasks()).to.equal(false);
  });

  it('counts its sets without making them, and sees what is added once they are made (issue 21: made on first use)', () => {
    const w = new WorkLedger();
    expect([w.waitingCount, w.inflightCount, w.drainCount]).to.deep.equal([0, 0, 0]);
    expect(w.hasTasks()).to.equal(false);
    w.inflight.add({} as never);
    expect(w.inflightCount).to.equal(1);
    expect(w.hasTasks(), 'an activation in flight is a task').to.equal(true);
    expect(w.isIdle(), 'in-flight work is counted by `running`, not by the set').to.equal(true);
    w.waiting.add(task('retry'));
    expect(w.waitingCount).to.equal(1);
    expect(w.isIdle()).to.equal(false);
    w.drains.add({} as never);
    expect(w.drainCount).to.equal(1);
    w.waiting.clear();
    expect(w.isIdle()).to.equal(true);
  });
});
