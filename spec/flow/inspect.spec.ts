import { expect } from 'chai';
import { ErrorHandler, Flow, MemoryJobStore, type InspectRecord, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

// Issue 16: flow.events$ carries emissions only; flow.inspect$ the lifecycle, as a typed union,
// built only while somebody watches.
describe('flow.inspect$', () => {
  it('records the lifecycle of a job with a retry, in order, in virtual time', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: 5 }) });
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { if (ctx.attempt === 1) throw new Error('once'); ctx.emit('out', {}); } }), 'r');
      const records: string[] = [];
      const emits: string[] = [];
      flow.inspect$.subscribe((r) => records.push(show(r)));
      flow.events$.subscribe((e) => emits.push(`${e.kind}:${e.eventName}`));
      flow.start('r', { n: 1 }, { jobId: 'j' });
      flush();
      expect(records).to.deep.equal([
        'start r@0',
        'job running@0',
        'activation-start r.trigger#1 j/1@0',
        'activation-end r.trigger#1 failed 0ms@0', // the attempt ended; then the policy acted on it
        'error r@0',
        'retry r@0',
        'activation-start r.trigger#2 j/1@5',
        'activation-end r.trigger#2 completed 0ms@5',
        'job completed@5',
      ]);
      expect(emits).to.deep.equal(['emit:out']);
    });
  });

  it('reports checkpoints, landed and failed', async () => {
    const store = new MemoryJobStore();
    const flow = new Flow({ store, checkpoint: 'always' });
    flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
    const checkpoints: boolean[] = [];
    const sub = flow.inspect$.subscribe((r) => {
      if (r.type === 'checkpoint') checkpoints.push(r.ok);
    });
    await flow.execute('r', {});
    await flow.checkpointsFlushed();
    expect(checkpoints.length).to.be.greaterThan(0);
    expect(checkpoints.every((ok) => ok)).to.equal(true);
    sub.unsubscribe();
  });

  it('builds nothing while nobody watches (and stops when the last watcher leaves)', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => {} }), 'r');
    const engine = (flow as unknown as { engine: { inspecting: boolean } }).engine;
    expect(engine.inspecting).to.equal(false);
    const a = flow.inspect$.subscribe();
    const b = flow.inspect$.subscribe();
    expect(engine.inspecting).to.equal(true);
    a.unsubscribe();
    expect(engine.inspecting).to.equal(true);
    b.unsubscribe();
    expect(engine.inspecting).to.equal(false);
    expect((await flow.execute('r', {})).status).to.equal('completed');
  });
});

// Issue 20: what a trace needs to link an activation to the one that emitted its payload, and
// to say why a job failed, without reading snapshots.
describe('flow.inspect$ causes and job errors (issue 20)', () => {
  it('an activation-start names the activation whose emit queued it (a retry keeps it)', async () => {
    const flow = new Flow({ errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 1, retryDelay: 1 }) });
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { ctx.emit('out', { n: 1 }); ctx.emit('out', { n: 2 }); } }), 'src');
    flow.addRoutine(makeRoutine({ in: (_d: Payload, ctx) => { if (ctx.attempt === 1 && ctx.activationId.endsWith('/2')) throw new Error('once'); ctx.emit('out', {}); } }), 'mid');
    flow.addRoutine(makeRoutine({ in: () => {} }), 'sink');
    flow.connect('src', 'out', 'mid', 'in');
    flow.connect('mid', 'out', 'sink', 'in');
    const starts: string[] = [];
    const sub = flow.inspect$.subscribe((r) => {
      if (r.type === 'activation-start') starts.push(`${r.routineId}#${r.attempt} ${r.activationId} <- ${r.cause ?? '-'}`);
    });
    expect((await flow.execute('src', {}, { jobId: 'j' })).status).to.equal('completed');
    sub.unsubscribe();
    expect(starts).to.deep.equal([
      'src#1 j/1 <- -', // an entry has no cause
      'mid#1 j/2 <- j/1',
      'mid#1 j/3 <- j/1',
      'sink#1 j/4 <- j/3',
      'mid#2 j/2 <- j/1', // the retry keeps its cause
      'sink#1 j/5 <- j/2',
    ]);
  });

  it('an emit parked while the job is paused keeps its cause for the resume', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { void ctx.pause('review'); ctx.emit('out', {}); } }), 'src');
    flow.addRoutine(makeRoutine({ in: () => {} }), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const starts: string[] = [];
    const sub = flow.inspect$.subscribe((r) => r.type === 'activation-start' && starts.push(`${r.routineId} <- ${r.cause ?? '-'}`));
    const job = flow.start('src', {}, { jobId: 'p' });
    expect((await job.wait()).status).to.equal('paused');
    expect((await job.resume().wait()).status).to.equal('completed');
    sub.unsubscribe();
    expect(starts).to.deep.equal(['src <- -', 'sink <- p/1']);
  });

  it('keeps no cause while nobody watches (the queue carries none)', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => ctx.emit('out', {}) }), 'src');
    flow.addRoutine(makeRoutine({ in: (_d: Payload, ctx) => void ctx.pause('look') }), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const job = flow.start('src', {}, { jobId: 'quiet' });
    expect((await job.wait()).status).to.equal('paused');
    const runtime = (flow as unknown as { engine: { jobs: { lookup(id: string): { causes?: Map<number, number> } } } }).engine.jobs.lookup('quiet');
    expect(runtime.causes).to.equal(undefined);
    await job.cancel();
  });

  it('a failed job\'s record carries its error', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => { throw new TypeError('bad input'); } }), 'r');
    const jobs: InspectRecord[] = [];
    const sub = flow.inspect$.subscribe((r) => r.type === 'job' && jobs.push(r));
    await flow.execute('r', {}, { jobId: 'f' });
    sub.unsubscribe();
    const failed = jobs.find((r) => r.type === 'job' && r.status === 'failed');
    expect(failed).to.deep.include({ jobId: 'f', error: { name: 'TypeError', message: 'bad input', routineId: 'r' } });
    expect(jobs.filter((r) => r.type === 'job' && r.status !== 'failed').every((r) => !('error' in r))).to.equal(true);
  });
});

function show(r: InspectRecord): string {
  switch (r.type) {
    case 'job':
      return `job ${r.status}@${r.timestamp}`;
    case 'activation-start':
      return `activation-start ${r.routineId}.${r.slotName}#${r.attempt} ${r.activationId}@${r.timestamp}`;
    case 'activation-end':
      return `activation-end ${r.routineId}.${r.slotName}#${r.attempt} ${r.outcome} ${r.durationMs}ms@${r.timestamp}`;
    case 'checkpoint':
      return `checkpoint ${r.ok}`;
    default:
      return `${r.type} ${r.routineId}@${r.timestamp}`;
  }
}
