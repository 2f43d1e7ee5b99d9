import { expect } from 'chai';
import { ErrorHandler, Flow, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * DESIGN §3 Errors: "RETRY: the same activation is re-run" — the activation of ONE delivered payload. DESIGN §3 Merge:
 * "append: for each incoming key, the value is appended to the array kept for that key" (once per incoming payload),
 * "Merges run in activation order and are atomic". A retried attempt must see the accumulated data as the first
 * attempt saw it, not with the same payload appended a second time.
 */
describe('RETRY on an append slot', () => {
  it('FAILS: a retried activation of an append slot does not append its payload twice', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const seen: Array<[number, unknown]> = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { ctx.emit('out', { v: 1 }); ctx.emit('out', { v: 2 }); } }), 'src');
      const acc = makeRoutine({
        in: {
          mergeStrategy: 'append',
          handler: (d: Payload, ctx: ExecutionContext) => {
            seen.push([ctx.attempt, (d.v as number[]).slice()]);
            if (ctx.attempt === 1 && (d.v as number[]).length === 2) throw new Error('flaky');
          },
        },
      }, []);
      acc.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 10 }));
      flow.addRoutine(acc, 'acc');
      flow.connect('src', 'out', 'acc', 'in');
      const job = flow.start('src');
      flush();
      expect(job.state.status).to.equal('completed');
      expect(seen).to.deep.equal([
        [1, [1]],
        [1, [1, 2]],
        [2, [1, 2]],
      ]);
      expect(job.state.slotData['acc.in']).to.deep.equal({ v: [1, 2] });
    });
  });
});
