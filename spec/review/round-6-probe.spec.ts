import { expect } from 'chai';
import { ErrorHandler, Flow, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

describe('review 6 probe', () => {
  it('ctx.attempt on retries, with the scheduler/signal made on a retry context', async () => {
    const seen: Array<[number, boolean, boolean]> = [];
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('trigger', (_d: Payload, ctx: ExecutionContext) => {
      seen.push([ctx.attempt, ctx.signal.aborted, ctx.scheduler !== undefined]);
      if (ctx.attempt < 3) throw new Error('flaky');
    });
    r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 1, maxRetries: 5 }));
    const flow = new Flow();
    flow.addRoutine(r, 'r');
    const s = await flow.start('r', {}).wait();
    expect(s.status).to.equal('completed');
    expect(seen).to.deep.equal([[1, false, true], [2, false, true], [3, false, true]]);
  });

  it('cancel silences a running async activation of one job only', async () => {
    const got: string[] = [];
    const gates: Array<() => void> = [];
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', async (d: Payload, ctx: ExecutionContext) => {
      await new Promise<void>((res) => gates.push(res));
      ctx.emit('out', { who: (d as { who: string }).who });
    });
    const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
    flow.addRoutine(src, 's');
    flow.addRoutine(makeRoutine({ in: (d: Payload) => void got.push((d as { who: string }).who) }, []), 't');
    flow.connect('s', 'out', 't', 'in');
    const a = flow.start('s', { who: 'a' });
    const b = flow.start('s', { who: 'b' });
    while (gates.length < 2) await new Promise((r) => setTimeout(r, 5));
    await a.cancel('x');
    gates.forEach((g) => g());
    const sb = await b.wait();
    expect(sb.status).to.equal('completed');
    expect(got).to.deep.equal(['b']);
  });

  it('fail then resume: the failed activation runs again with attempt 1; the other job is untouched', async () => {
    const seen: Array<[string, number]> = [];
    let fail = true;
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('trigger', (d: Payload, ctx: ExecutionContext) => {
      seen.push([(d as { who: string }).who, ctx.attempt]);
      ctx.setSharedData('who', (d as { who: string }).who);
      if (fail && (d as { who: string }).who === 'a') throw new Error('boom');
    });
    const flow = new Flow();
    flow.addRoutine(r, 'r');
    const a = flow.start('r', { who: 'a' });
    const b = flow.start('r', { who: 'b' });
    const sa = await a.wait();
    const sb = await b.wait();
    expect(sa.status).to.equal('failed');
    expect(sa.failedTask?.attempt).to.equal(1);
    expect(sb.status).to.equal('completed');
    expect(sb.error).to.equal(undefined);
    expect(sb.sharedData).to.deep.equal({ who: 'b' });
    fail = false;
    a.resume();
    const sa2 = await a.wait();
    expect(sa2.status).to.equal('completed');
    expect(sa2.error).to.equal(undefined);
    expect(sa2.sharedData).to.deep.equal({ who: 'a' });
    expect(seen).to.deep.equal([['a', 1], ['b', 1], ['a', 1]]);
  });
});

describe('review 6 probe: restore', () => {
  it('an open job with a timeout, shared data and an output, paused, round-trips through JSON into another flow', async () => {
    let ran!: () => void;
    const first = new Promise<void>((resolve) => (ran = resolve));
    const mk = (): Flow => {
      const flow = new Flow({ flowId: 'p6' });
      const r = new Routine();
      r.defineEvent('out');
      r.defineSlot('trigger', (d: Payload, ctx: ExecutionContext) => {
        ctx.setSharedData('n', (d as { n: number }).n);
        r.sendOutput('o', { n: (d as { n: number }).n });
        ran();
      });
      flow.addRoutine(r, 'r');
      return flow;
    };
    const f1 = mk();
    const job = f1.open({ timeout: 60_000 });
    job.input('r', 'trigger').next({ n: 1 });
    await first; // the input's activation ran (a fixed sleep would race a slow machine)
    const paused = await job.pause('p', { c: 1 });
    const json = JSON.parse(JSON.stringify(paused.toJSON()));
    const f2 = mk();
    const back = f2.resume(json);
    const s = back.state;
    expect(s.timeout).to.equal(60_000);
    expect(s.sharedData).to.deep.equal({ n: 1 });
    expect(s.outputLog).to.have.length(1);
    expect(s.open).to.equal(true);
    back.close();
    const end = await back.wait();
    expect(end.status).to.equal('completed');
    expect(end.pausePoints).to.have.length(1);
  });
});
