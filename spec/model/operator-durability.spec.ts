import { expect } from 'chai';
import { bufferCount, scan } from 'rxjs';
import { Batcher, ConfigurationError, Flow, JobState, Routine, type Payload } from '../../lib/index.js';
import { makeRoutine, until } from '../helpers/routines.js';

// Issue 15, point 1: operator routines keep their per-job state in the job, so a pause (or a
// crash) and a restore in another process give the outputs of an uninterrupted run.
function build(middle: () => Routine) {
  const flow = new Flow({ flowId: 'ops' });
  const got: unknown[] = [];
  flow.addRoutine(middle(), 'op');
  // Batcher emits { items } of the values it took; fromOperator wraps non-objects as { value }.
  const plain = (x: unknown): unknown => (Array.isArray(x) ? x.map((p) => (p as Payload)?.value ?? p) : x);
  flow.addRoutine(makeRoutine({ in: (d: Payload) => void got.push(plain(d.items ?? d.value ?? d)) }, []), 'sink');
  flow.connect('op', 'output', 'sink', 'in');
  return { flow, got };
}

async function acrossTwoProcesses(middle: () => Routine, values: number[], cut: number, slot = 'input') {
  const first = build(middle);
  const job = first.flow.open({ jobId: 'j' });
  for (const v of values.slice(0, cut)) job.send('op', slot, { value: v });
  // Every payload taken before the pause (a fixed wait was too short on a loaded machine).
  await until(() => (job.state.getRoutineState('op')?.activations ?? 0) === cut, 5000, 'the payloads before the cut taken');
  await job.pause('move');
  const saved = JSON.stringify(job.state);
  await job.cancel();
  const second = build(middle);
  const again = second.flow.resume(JobState.fromJSON(saved));
  for (const v of values.slice(cut)) again.send('op', slot, { value: v });
  again.close();
  const end = await again.wait();
  return { before: first.got, after: second.got, end };
}

describe('durable operator state', () => {
  it('a Batcher({ size: 4 }) fed 0..7 across two processes emits [0..3] then [4..7]', async () => {
    const { before, after, end } = await acrossTwoProcesses(() => new Batcher({ size: 4 }), [0, 1, 2, 3, 4, 5, 6, 7], 6);
    expect(end.status).to.equal('completed');
    expect([...before, ...after]).to.deep.equal([[0, 1, 2, 3], [4, 5, 6, 7]]);
  });

  it('a partial batch held at the pause is flushed by the restored job when it runs out of work', async () => {
    const { before, after } = await acrossTwoProcesses(() => new Batcher({ size: 4 }), [0, 1, 2, 3, 4, 5], 6);
    expect(before).to.deep.equal([[0, 1, 2, 3]]);
    expect(after).to.deep.equal([[4, 5]]);
  });

  it('Routine.fromOperator with state across outputs (scan) resumes exactly, outputs already emitted not repeated', async () => {
    const sum = () => Routine.fromOperator(scan((acc: number, p: Payload) => acc + (p.value as number), 0));
    const { before, after } = await acrossTwoProcesses(sum, [1, 2, 3, 4, 5], 3);
    expect([...before, ...after]).to.deep.equal([1, 3, 6, 10, 15]);
  });

  it('for every cut point, bufferCount(3) over 0..9 gives the uninterrupted batches', async () => {
    const batch3 = () => Routine.fromOperator(bufferCount(3));
    for (let cut = 0; cut <= 10; cut++) {
      const { before, after } = await acrossTwoProcesses(batch3, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], cut);
      expect([...before, ...after], `cut ${cut}`).to.deep.equal([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
    }
  });

  it('a log past its replayLimit makes the restore fail with a ConfigurationError naming the routine', async () => {
    const small = () => Routine.fromOperator(scan((n: number) => n + 1, 0), { replayLimit: 3 });
    const first = build(small);
    const job = first.flow.open({ jobId: 'big' });
    for (let v = 0; v < 5; v++) job.send('op', 'input', { value: v });
    await until(() => job.state.getRoutineState('op')?.activations === 5, 5000, 'all five taken');
    await job.pause('move');
    const saved = JSON.stringify(job.state);
    expect(JSON.parse(saved).operators.op.overflowed).to.equal(true);
    await job.cancel();
    expect(() => build(small).flow.resume(JobState.fromJSON(saved))).to.throw(ConfigurationError, /'op'.*replayLimit 3/);
  });

  it('the log is emptied by each output of an operator that holds nothing after emitting (a long Batcher stream stays small)', async () => {
    const { flow } = build(() => new Batcher({ size: 2 }));
    const job = flow.open({ jobId: 'long' });
    for (let v = 0; v < 5001; v++) job.send('op', 'input', { value: v });
    await until(() => job.state.getRoutineState('op')?.activations === 5001, 5000, 'all payloads taken');
    await job.pause('look');
    expect(job.state.operators.op.inputs.map((i) => i.data)).to.deep.equal([{ value: 5000 }]);
    await job.cancel();
  });
});
