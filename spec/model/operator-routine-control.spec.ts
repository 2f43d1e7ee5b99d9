import { expect } from 'chai';
import { bufferCount, debounceTime, delay, timer } from 'rxjs';
import { Flow, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/** src emits `n` items {i} to `batch` (an operator routine), then one {} to `gate`; batch -> sink. */
function build(scheduler: any, operator: any, gateFails: { on: boolean }, n = 4) {
  const flow = new Flow({ scheduler });
  const sink: unknown[] = [];
  flow.addRoutine(
    makeRoutine(
      {
        trigger: (_d: Payload, ctx: ExecutionContext) => {
          for (let i = 1; i <= n; i++) ctx.emit('items', { i });
          ctx.emit('go', {});
        },
      },
      ['items', 'go'],
    ),
    'src',
  );
  flow.addRoutine(Routine.fromOperator(operator), 'batch');
  flow.addRoutine(
    makeRoutine({
      in: () => {
        if (gateFails.on) throw new Error('gate closed');
      },
    }, []),
    'gate',
  );
  flow.addRoutine(makeRoutine({ in: (d: Payload) => void sink.push(d) }, []), 'sink');
  flow.connect('src', 'items', 'batch', 'input');
  flow.connect('src', 'go', 'gate', 'in');
  flow.connect('batch', 'output', 'sink', 'in');
  return { flow, sink };
}

describe('operator routines (Routine.fromOperator) with failure / pause / cancel', () => {
  /**
   * Contract (DESIGN §3 Errors): "STOP: the job fails at once; ... queued tasks stay in `pendingTasks` so the job
   * can be inspected and resumed". Completion: "the operator's remaining output (a `bufferCount` remainder ...)
   * is processed as usual, and the job settles only when every operator output has completed."
   * Brief: "nothing queued is ever lost across pause/resume/failure".
   * A bufferCount remainder held when another routine fails under STOP must still flush after job.resume().
   */
  it('FAILS: a bufferCount remainder survives a STOP failure elsewhere + job.resume()', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const gate = { on: true };
      const { flow, sink } = build(scheduler, bufferCount(3), gate);
      const job = flow.start('src');
      flush();
      expect(job.state.status).to.equal('failed');
      // the first full batch was emitted and is queued for the sink; item 4 sits in the operator's buffer
      expect(job.state.pendingTasks.map((t) => t.routineId)).to.deep.equal(['sink']);
      gate.on = false;
      job.resume();
      flush();
      expect(job.state.status).to.equal('completed');
      // uninterrupted run: [1,2,3] then the remainder [4]
      expect(sink).to.deep.equal([{ value: [{ i: 1 }, { i: 2 }, { i: 3 }] }, { value: [{ i: 4 }] }]);
    });
  });

  it('FAILS: a value still inside a delay() operator survives a STOP failure elsewhere + job.resume()', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const gate = { on: true };
      const { flow, sink } = build(scheduler, delay(50), gate, 2);
      const job = flow.start('src');
      flush();
      expect(job.state.status).to.equal('failed');
      gate.on = false;
      job.resume();
      flush();
      expect(job.state.status).to.equal('completed');
      expect(sink).to.deep.equal([{ i: 1 }, { i: 2 }]);
    });
  });

  it('PASSES (pin): pause while a value is inside delay(); it is parked and delivered after resume; job completes after', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const gate = { on: false };
      const { flow, sink } = build(scheduler, delay(50), gate, 2);
      const job = flow.start('src');
      const seen: Array<[number, string, number]> = [];
      scheduler.schedule(() => void job.pause('hold'), 10);
      scheduler.schedule(() => seen.push([scheduler.now(), job.state.status, job.state.pendingTasks.length]), 60);
      scheduler.schedule(() => void job.resume(), 100);
      flush();
      expect(seen).to.deep.equal([[60, 'paused', 2]]);
      expect(sink).to.deep.equal([{ i: 1 }, { i: 2 }]);
      expect(job.state.status).to.equal('completed');
    });
  });

  it('PASSES (pin): debounceTime in a paused job flushes its last value only after resume, then completes', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const gate = { on: false };
      const { flow, sink } = build(scheduler, debounceTime(30), gate, 3);
      const job = flow.start('src');
      // pause before anything ran: src's entry task is parked
      void job.pause('hold');
      let midStatus = '';
      scheduler.schedule(() => (midStatus = job.state.status), 200);
      scheduler.schedule(() => void job.resume(), 300);
      flush();
      expect(midStatus).to.equal('paused');
      expect(sink).to.deep.equal([{ i: 3 }]);
      expect(job.state.status).to.equal('completed');
    });
  });

  it('PASSES (pin): cancelling a job with a value inside delay() never delivers it and settles at once', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const gate = { on: false };
      const { flow, sink } = build(scheduler, delay(50), gate, 2);
      const job = flow.start('src');
      let at = -1;
      scheduler.schedule(() => {
        void job.cancel('stop');
        at = scheduler.now();
      }, 10);
      flush();
      expect(at).to.equal(10);
      expect(job.state.status).to.equal('cancelled');
      expect(sink).to.deep.equal([]);
    });
  });

  /**
   * Completion (DESIGN §3): "the job settles only when every operator output has completed" and
   * "a job must never settle while ... held open by an operator routine whose output has not completed".
   * Two chained bufferCount(2) routines fed 3 items: the first one's remainder must reach the second one
   * before the second one's remainder is flushed (plain RxJS composition gives [[1,2],[3]]).
   */
  it('FAILS (semantics, lower confidence): chained operator routines: the upstream remainder reaches the downstream operator before it flushes', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const sink: unknown[] = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { for (let i = 1; i <= 3; i++) ctx.emit('out', { i }); } }), 'src');
      flow.addRoutine(Routine.fromOperator(bufferCount(2)), 'b1');
      flow.addRoutine(Routine.fromOperator(bufferCount(2)), 'b2');
      flow.addRoutine(makeRoutine({ in: (d: Payload) => void sink.push(d) }, []), 'sink');
      flow.connect('src', 'out', 'b1', 'input');
      flow.connect('b1', 'output', 'b2', 'input');
      flow.connect('b2', 'output', 'sink', 'in');
      const job = flow.start('src');
      flush();
      expect(job.state.status).to.equal('completed');
      expect(sink).to.deep.equal([{ value: [{ value: [{ i: 1 }, { i: 2 }] }, { value: [{ i: 3 }] }] }]);
    });
  });

  it('PASSES (pin): an operator routine with a retry waiting elsewhere does not flush before the retry ran', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const sink: Array<[number, unknown]> = [];
      let attempts = 0;
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { ctx.emit('items', { i: 1 }); ctx.emit('go', {}); } }, ['items', 'go']), 'src');
      flow.addRoutine(Routine.fromOperator(bufferCount(3)), 'batch');
      const flaky = makeRoutine({ in: (_d: Payload, ctx: ExecutionContext) => { attempts++; if (ctx.attempt === 1) throw new Error('flaky'); ctx.emit('out', { i: 2 }); } });
      flaky.setAsCritical({ maxRetries: 2, retryDelay: 100 });
      flow.addRoutine(flaky, 'flaky');
      flow.addRoutine(makeRoutine({ in: (d: Payload) => void sink.push([scheduler.now(), d]) }, []), 'sink');
      flow.connect('src', 'items', 'batch', 'input');
      flow.connect('src', 'go', 'flaky', 'in');
      flow.connect('flaky', 'out', 'batch', 'input');
      flow.connect('batch', 'output', 'sink', 'in');
      const job = flow.start('src');
      flush();
      expect(attempts).to.equal(2);
      expect(sink).to.deep.equal([[100, { value: [{ i: 1 }, { i: 2 }] }]]);
      expect(job.state.status).to.equal('completed');
    });
  });
});
