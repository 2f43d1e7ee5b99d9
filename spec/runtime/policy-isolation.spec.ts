import { expect } from 'chai';
import { Flow, Routine, type Payload } from '../../lib/index.js';

// Issue 19: a policy's state is the job's, never the routine's: many jobs at once through the
// same join and batch routines never see each other's payloads.
describe('activation policies: per-job isolation', () => {
  it('40 concurrent jobs through one zip join and one batch: each pairs and batches only its own payloads, in order', async () => {
    const flow = new Flow({ flowId: 'iso', executionStrategy: 'concurrent', maxWorkers: 8 });
    const src = new Routine();
    src.defineEvent('left');
    src.defineEvent('right');
    src.defineSlot('trigger', async (data, ctx) => {
      const { job, n } = data as { job: number; n: number };
      // Odd jobs send all rights first, even ones alternate; an await in between lets other jobs run.
      for (let i = 0; i < n; i++) {
        if (job % 2 === 0) ctx.emit('left', { job, i });
        ctx.emit('right', { job, i });
        if (i % 3 === 0) await Promise.resolve();
      }
      if (job % 2 === 1) for (let i = 0; i < n; i++) ctx.emit('left', { job, i });
    });
    const pairs = new Routine();
    pairs.defineEvent('pair');
    pairs.defineJoin('pair', ['l', 'r'], async ({ l, r }, ctx) => {
      await Promise.resolve();
      ctx.emit('pair', { l, r });
    });
    const batches = new Map<string, Payload[][]>();
    const sink = new Routine();
    sink.defineSlot('in', (data, ctx) => {
      const list = batches.get(ctx.jobId) ?? [];
      list.push(data.items as Payload[]);
      batches.set(ctx.jobId, list);
    }, { batch: { size: 3 } });
    flow.addRoutine(src, 'src');
    flow.addRoutine(pairs, 'pairs');
    flow.addRoutine(sink, 'sink');
    flow.connect('src', 'left', 'pairs', 'l');
    flow.connect('src', 'right', 'pairs', 'r');
    flow.connect('pairs', 'pair', 'sink', 'in');

    const jobs = Array.from({ length: 40 }, (_, job) => flow.start('src', { job, n: 5 + (job % 4) }, { jobId: `job-${job}` }));
    const states = await Promise.all(jobs.map((j) => j.wait()));
    for (const [job, state] of states.entries()) {
      const n = 5 + (job % 4);
      expect(state.status).to.equal('completed');
      expect(state.executionHistory.filter((h) => h.eventName === 'join-incomplete')).to.deep.equal([]);
      expect(state.policies).to.deep.equal({});
      const got = batches.get(`job-${job}`)!;
      expect(got.map((b) => b.length)).to.deep.equal([...Array(Math.floor(n / 3)).fill(3), ...(n % 3 > 0 ? [n % 3] : [])]);
      expect(got.flat()).to.deep.equal(Array.from({ length: n }, (_, i) => ({ l: { job, i }, r: { job, i } })));
    }
  });
});
