import { expect } from 'chai';
import { timer, tap } from 'rxjs';
import { Flow, Routine, type Payload } from '../../lib/index.js';
import { Relay, Seen, Sink, Source, makeRoutine, sleep } from '../helpers/routines.js';

/** S→A, S→D, A→B→C, D→E, every node logging into `log`. */
function diamond(log: Seen[]): Flow {
  const flow = new Flow();
  flow.addRoutine(new Source(log), 'S');
  for (const id of ['A', 'B', 'D']) flow.addRoutine(new Relay(log), id);
  for (const id of ['C', 'E']) flow.addRoutine(new Sink(log), id);
  flow.connect('S', 'out', 'A', 'in');
  flow.connect('S', 'out', 'D', 'in');
  flow.connect('A', 'out', 'B', 'in');
  flow.connect('B', 'out', 'C', 'in');
  flow.connect('D', 'out', 'E', 'in');
  return flow;
}

describe('ordering', () => {
  describe('sequential mode is strictly FIFO', () => {
    it('runs S→A, S→D, A→B→C, D→E as S, A, D, B, E, C', async () => {
      const log: Seen[] = [];
      const state = await diamond(log).execute('S', { v: 1 });
      expect(state.status).to.equal('completed');
      expect(log.map((s) => s.routine)).to.deep.equal(['S', 'A', 'D', 'B', 'E', 'C']);
    });

    it('keeps FIFO across two jobs started together', async () => {
      const log: Seen[] = [];
      const flow = diamond(log);
      const j1 = flow.start('S', {}, { jobId: 'j1' });
      const j2 = flow.start('S', {}, { jobId: 'j2' });
      await Promise.all([j1.wait(), j2.wait()]);
      expect(log.map((s) => `${s.routine}${s.jobId.slice(1)}`)).to.deep.equal([
        'S1', 'S2', 'A1', 'D1', 'A2', 'D2', 'B1', 'E1', 'B2', 'E2', 'C1', 'C2',
      ]);
    });

    it('delivers the emits of one handler in emit order', async () => {
      const log: Seen[] = [];
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const items = [5, 3, 9, 1, 7].map((n) => ({ n }));
      await flow.execute('src', { items });
      expect(log.map((s) => s.data.n)).to.deep.equal([5, 3, 9, 1, 7]);
    });

    it('fans out in connection order', async () => {
      const log: Seen[] = [];
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      for (const id of ['x', 'y', 'z']) flow.addRoutine(new Sink(log), id);
      flow.connect('src', 'out', 'z', 'in');
      flow.connect('src', 'out', 'x', 'in');
      flow.connect('src', 'out', 'y', 'in');
      await flow.execute('src', { items: [{ i: 1 }, { i: 2 }] });
      expect(log.map((s) => `${s.routine}${s.data.i}`)).to.deep.equal(['z1', 'x1', 'y1', 'z2', 'x2', 'y2']);
    });

    it('emits of two different events of one handler are delivered in emit order', async () => {
      const log: Seen[] = [];
      const flow = new Flow();
      flow.addRoutine(
        makeRoutine(
          {
            trigger: (_d, ctx) => {
              ctx.emit('left', { k: 1 });
              ctx.emit('right', { k: 2 });
              ctx.emit('left', { k: 3 });
            },
          },
          ['left', 'right'],
        ),
        'src',
      );
      flow.addRoutine(new Sink(log), 'L');
      flow.addRoutine(new Sink(log), 'R');
      flow.connect('src', 'right', 'R', 'in');
      flow.connect('src', 'left', 'L', 'in');
      await flow.execute('src');
      expect(log.map((s) => `${s.routine}${s.data.k}`)).to.deep.equal(['L1', 'R2', 'L3']);
    });
  });

  describe('emit is attributed to the right job without a job argument', () => {
    /** A routine whose handler awaits, then emits with this.emit (no ctx, no job). */
    class Delayed extends Routine {
      constructor() {
        super();
        this.defineEvent('out');
        this.defineSlot('trigger', async (data: Payload) => {
          await sleep(data.delay as number);
          this.emit('out', { tag: data.tag });
          await sleep(1);
          this.emit('out', { tag: `${data.tag as string}-again` });
        });
      }
    }

    it('inside async handlers after an await, with two jobs of one flow running at once', async () => {
      const log: Seen[] = [];
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
      flow.addRoutine(new Delayed(), 'src');
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const slow = flow.start('src', { delay: 25, tag: 'slow' }, { jobId: 'slow' });
      const fast = flow.start('src', { delay: 2, tag: 'fast' }, { jobId: 'fast' });
      const [s1, s2] = await Promise.all([slow.wait(), fast.wait()]);
      expect(s1.status).to.equal('completed');
      expect(s2.status).to.equal('completed');
      const byJob = (id: string): unknown[] => log.filter((s) => s.jobId === id).map((s) => s.data.tag);
      expect(byJob('slow')).to.deep.equal(['slow', 'slow-again']);
      expect(byJob('fast')).to.deep.equal(['fast', 'fast-again']);
      expect(s1.getExecutionHistory('src').filter((r) => r.eventName === 'out').map((r) => r.data.tag)).to.deep.equal(['slow', 'slow-again']);
      expect(s2.getExecutionHistory('src').filter((r) => r.eventName === 'out').map((r) => r.data.tag)).to.deep.equal(['fast', 'fast-again']);
    });

    it('inside the observable a handler returns (this.emit in a timer callback), two jobs at once', async () => {
      const log: Seen[] = [];
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
      const src = new Routine();
      src.defineEvent('out');
      src.defineSlot('trigger', (data: Payload) => timer(data.delay as number).pipe(tap(() => src.emit('out', { tag: data.tag }))));
      flow.addRoutine(src, 'src');
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const a = flow.start('src', { delay: 15, tag: 'a' }, { jobId: 'obs-a' });
      const b = flow.start('src', { delay: 3, tag: 'b' }, { jobId: 'obs-b' });
      await Promise.all([a.wait(), b.wait()]);
      expect(log.map((s) => [s.jobId, s.data.tag]).sort()).to.deep.equal([
        ['obs-a', 'a'],
        ['obs-b', 'b'],
      ]);
    });

    it('a routine shared by two concurrent jobs keeps their emits apart in sequential mode too', async () => {
      const log: Seen[] = [];
      const flow = new Flow();
      flow.addRoutine(new Delayed(), 'src');
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const j1 = flow.start('src', { delay: 3, tag: 'one' }, { jobId: 'seq-1' });
      const j2 = flow.start('src', { delay: 1, tag: 'two' }, { jobId: 'seq-2' });
      await Promise.all([j1.wait(), j2.wait()]);
      expect(log.map((s) => `${s.jobId}:${s.data.tag as string}`)).to.deep.equal([
        'seq-1:one', 'seq-1:one-again', 'seq-2:two', 'seq-2:two-again',
      ]);
    });
  });
});
