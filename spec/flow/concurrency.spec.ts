import { expect } from 'chai';
import { firstValueFrom, timer } from 'rxjs';
import { ConfigurationError, Flow, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { Source, expectThrows, makeRoutine, sleep } from '../helpers/routines.js';
import { handScheduler } from '../helpers/virtual-clock.js';

/** A worker routine whose async activations each take `ms`; tracks how many run at once. */
function gauge(ms: number) {
  const g = { running: 0, peak: 0, starts: [] as string[], ends: 0 };
  const routine = makeRoutine(
    {
      in: async (d: Payload, ctx: ExecutionContext) => {
        g.running++;
        g.peak = Math.max(g.peak, g.running);
        g.starts.push(`${ctx.jobId}:${d.i as number}`);
        await sleep(ms);
        g.running--;
        g.ends++;
      },
    },
    [],
  );
  return { g, routine };
}

function items(n: number): Payload[] {
  return Array.from({ length: n }, (_, i) => ({ i }));
}

describe('concurrency', () => {
  describe('execution strategy', () => {
    // Issue 16 (it wins over the first phase's "sequential forces one worker whatever
    // maxWorkers says"): asking for N workers never silently runs one.
    it('maxWorkers > 1 without a strategy means concurrent; with an explicit sequential it is a ConfigurationError', () => {
      const implied = new Flow({ maxWorkers: 8 });
      expect(implied.executionStrategy).to.equal('concurrent');
      expect(implied.maxWorkers).to.equal(8);
      expect(new Flow({ maxWorkers: 1 }).executionStrategy).to.equal('sequential');
      expect(() => new Flow({ executionStrategy: 'sequential', maxWorkers: 8 })).to.throw(ConfigurationError, 'sequential');
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 8 });
      expect(() => flow.setExecutionStrategy('sequential', 4)).to.throw(ConfigurationError);
      expect(flow.executionStrategy).to.equal('concurrent'); // refused: nothing changed
      expect(flow.maxWorkers).to.equal(8);
      flow.setExecutionStrategy('sequential');
      expect(flow.executionStrategy).to.equal('sequential');
      expect(flow.maxWorkers).to.equal(1);
    });

    it('setExecutionStrategy switches to concurrent with N workers, default 5', () => {
      const flow = new Flow();
      flow.setExecutionStrategy('concurrent', 3);
      expect(flow.executionStrategy).to.equal('concurrent');
      expect(flow.maxWorkers).to.equal(3);
      flow.setExecutionStrategy('concurrent');
      expect(flow.maxWorkers).to.equal(5);
    });

    it('an unknown strategy is a ConfigurationError and changes nothing', () => {
      expectThrows(() => new Flow({ executionStrategy: 'parallel' as never }), ConfigurationError, 'parallel');
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 3 });
      expectThrows(() => flow.setExecutionStrategy('parallel' as never, 2), ConfigurationError, 'parallel');
      expect(flow.executionStrategy).to.equal('concurrent');
      expect(flow.maxWorkers).to.equal(3);
    });

    it('N < 1 is a ConfigurationError and changes nothing', () => {
      expectThrows(() => new Flow({ executionStrategy: 'concurrent', maxWorkers: 0 }), ConfigurationError, 'maxWorkers');
      expectThrows(() => new Flow({ executionStrategy: 'concurrent', maxWorkers: -3 }), ConfigurationError, 'maxWorkers');
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 3 });
      expectThrows(() => flow.setExecutionStrategy('concurrent', 0), ConfigurationError, 'maxWorkers');
      expect(flow.maxWorkers).to.equal(3);
    });
  });

  describe('worker limit', () => {
    it('runs at most N activations at once across all jobs of the flow, started in FIFO order', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 3 });
      const { g, routine } = gauge(5);
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(routine, 'w');
      flow.connect('src', 'out', 'w', 'in');
      const j1 = flow.start('src', { items: items(6) }, { jobId: 'j1' });
      const j2 = flow.start('src', { items: items(6) }, { jobId: 'j2' });
      const [s1, s2] = await Promise.all([j1.wait(), j2.wait()]);
      expect(s1.status).to.equal('completed');
      expect(s2.status).to.equal('completed');
      expect(g.peak).to.equal(3);
      expect(g.ends).to.equal(12);
      expect(g.starts).to.deep.equal([...items(6).map((p) => `j1:${p.i}`), ...items(6).map((p) => `j2:${p.i}`)]);
    });

    it('a limit changed with setExecutionStrategy applies to the next runs', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 6 });
      flow.setExecutionStrategy('concurrent', 2);
      const { g, routine } = gauge(3);
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(routine, 'w');
      flow.connect('src', 'out', 'w', 'in');
      await flow.execute('src', { items: items(8) });
      expect(g.peak).to.equal(2);
      expect(g.ends).to.equal(8);
    });

    it('async handlers overlap up to N: 100 x 10 ms take about 100 ms with N = 10 and about 1 s with N = 1', async function () {
      // Virtual time: the handlers are async (they await a 10 ms timer of the flow's scheduler),
      // so the durations are exact instead of wall-clock figures a loaded CI machine stretches.
      async function run(n: number): Promise<{ ms: number; peak: number }> {
        const ts = handScheduler();
        ts.maxFrames = Number.POSITIVE_INFINITY; // a TestScheduler stops at frame 750 by default
        const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: n, scheduler: ts });
        const g = { running: 0, peak: 0, ends: 0 };
        flow.addRoutine(new Source(), 'src');
        flow.addRoutine(
          makeRoutine(
            {
              in: async () => {
                g.running++;
                g.peak = Math.max(g.peak, g.running);
                await firstValueFrom(timer(10, ts));
                g.running--;
                g.ends++;
              },
            },
            [],
          ),
          'w',
        );
        flow.connect('src', 'out', 'w', 'in');
        const t0 = ts.now();
        let state: JobState | undefined;
        void flow.execute('src', { items: items(100) }).then((s) => (state = s));
        // Each activation ends on a promise (microtasks after the timer's frame), so flush,
        // let the promises run, and again, until the job settled.
        for (let turn = 0; state === undefined && turn < 10_000; turn++) {
          ts.flush();
          await new Promise((resolve) => setImmediate(resolve));
        }
        expect(state?.status).to.equal('completed');
        expect(g.ends).to.equal(100);
        return { ms: ts.now() - t0, peak: g.peak };
      }
      const ten = await run(10);
      const one = await run(1);
      expect(ten.peak).to.equal(10);
      expect(one.peak).to.equal(1);
      // 10 waves of 10 overlapping 10 ms activations; 100 one after the other.
      expect(ten.ms, `N=10 took ${ten.ms} ms`).to.equal(100);
      expect(one.ms, `N=1 took ${one.ms} ms`).to.equal(1000);
      expect(one.ms / ten.ms).to.be.greaterThan(4);
    });
  });

  describe('merges under concurrency', () => {
    it('an append slot fed by 8 concurrent sources sees exactly 1, 2, 3, ... 8 items, never a live shared array', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 16 });
      flow.addRoutine(makeRoutine({ trigger: (_d, ctx) => void ctx.emit('out', {}) }), 'fan');
      for (let i = 0; i < 8; i++) {
        const delay = [7, 2, 5, 1, 6, 3, 4, 0][i];
        flow.addRoutine(
          makeRoutine({
            in: async (_d, ctx) => {
              await sleep(delay);
              ctx.emit('out', { v: i });
            },
          }),
          `s${i}`,
        );
        flow.connect('fan', 'out', `s${i}`, 'in');
      }
      const received: Array<readonly unknown[]> = [];
      const snapshots: unknown[][] = [];
      flow.addRoutine(
        makeRoutine(
          {
            in: {
              mergeStrategy: 'append',
              handler: async (d: Payload) => {
                const v = d.v as readonly unknown[];
                received.push(v);
                snapshots.push([...v]);
                await sleep(3); // overlapping activations of the same slot
              },
            },
          },
          [],
        ),
        'agg',
      );
      for (let i = 0; i < 8; i++) flow.connect(`s${i}`, 'out', 'agg', 'in');
      const state = await flow.execute('fan');
      expect(state.status).to.equal('completed');
      expect(received.map((v) => v.length)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8]);
      // what each activation received is unchanged after later merges
      expect(received.map((v) => [...v])).to.deep.equal(snapshots);
      const final = state.slotData['agg.in'].v as unknown[];
      expect([...final].sort()).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      // each activation saw a prefix of the final order (merges in activation order)
      received.forEach((v, k) => expect([...v]).to.deep.equal(final.slice(0, k + 1)));
    });

    it('a custom merge is never interleaved: every merge sees the previous one result', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 10 });
      flow.addRoutine(new Source(), 'src');
      const prevCounts: number[] = [];
      flow.addRoutine(
        makeRoutine(
          {
            in: {
              mergeStrategy: (prev: Payload, inc: Payload) => {
                prevCounts.push((prev.count as number | undefined) ?? 0);
                return { count: ((prev.count as number | undefined) ?? 0) + 1, last: inc.i };
              },
              handler: async () => sleep(2),
            },
          },
          [],
        ),
        'agg',
      );
      flow.connect('src', 'out', 'agg', 'in');
      const state = await flow.execute('src', { items: items(20) });
      expect(prevCounts).to.deep.equal(Array.from({ length: 20 }, (_, k) => k));
      expect(state.slotData['agg.in']).to.deep.equal({ count: 20, last: 19 });
    });
  });

  describe('many jobs on one flow', () => {
    it('run isolated: slot data, shared data, routine states and history are per job', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 5 });
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine(
          {
            in: {
              mergeStrategy: (prev: Payload, inc: Payload) => ({ sum: ((prev.sum as number | undefined) ?? 0) + (inc.n as number) }),
              handler: async (d: Payload, ctx: ExecutionContext) => {
                await sleep(1 + ((d.sum as number) % 3));
                // one key per activation: activations of one job overlap, so "last write" is racy
                ctx.setSharedData(`sum-${d.sum as number}`, ctx.jobId);
                ctx.updateRoutineState({ [`saw-${d.sum as number}`]: true });
              },
            },
          },
          [],
        ),
        'acc',
      );
      flow.connect('src', 'out', 'acc', 'in');
      const jobs = Array.from({ length: 25 }, (_, k) => {
        const ns = Array.from({ length: k % 4 + 1 }, (_, m) => ({ n: k * 10 + m }));
        return { k, ns, job: flow.start('src', { items: ns }, { jobId: `iso-${k}` }) };
      });
      const states = await Promise.all(jobs.map((j) => j.job.wait()));
      jobs.forEach(({ k, ns }, idx) => {
        const s = states[idx];
        const expected = ns.reduce((a, p) => a + p.n, 0);
        expect(s.jobId).to.equal(`iso-${k}`);
        expect(s.status).to.equal('completed');
        expect(s.slotData['acc.in']).to.deep.equal({ sum: expected });
        const prefixSums = ns.map((_, m) => ns.slice(0, m + 1).reduce((a, p) => a + p.n, 0));
        expect(s.sharedData).to.deep.equal(Object.fromEntries(prefixSums.map((x) => [`sum-${x}`, `iso-${k}`])));
        expect(s.getRoutineState('acc')).to.deep.equal({
          status: 'completed',
          activations: ns.length,
          errors: 0,
          ...Object.fromEntries(prefixSums.map((x) => [`saw-${x}`, true])),
        });
        expect(s.getExecutionHistory('src').filter((r) => r.eventName === 'out').map((r) => r.data)).to.deep.equal(ns);
      });
    });
  });
});
