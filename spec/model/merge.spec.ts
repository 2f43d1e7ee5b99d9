import { expect } from 'chai';
import { timer } from 'rxjs';
import { Flow, Routine, registerMergeStrategy, type ExecutionContext, type MergeStrategy, type Payload } from '../../lib/index.js';
import { Source, makeRoutine, newTestScheduler } from '../helpers/routines.js';

function receiver(mergeStrategy: MergeStrategy) {
  const r = new Routine();
  const seen: Payload[] = [];
  r.defineSlot('in', (data) => void seen.push(data), { mergeStrategy });
  return { slot: r.getSlot('in')!, seen };
}

describe('merge strategies', () => {
  describe('override', () => {
    it('the slot data becomes the incoming payload', () => {
      const { slot, seen } = receiver('override');
      slot.receive({ a: 1, b: 2 });
      slot.receive({ c: 3 });
      expect(seen).to.deep.equal([{ a: 1, b: 2 }, { c: 3 }]);
    });

    it('is the default, and in a flow the job slot data is the last payload', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const sink = makeRoutine({ in: () => {} }, []);
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const state = await flow.execute('src', { items: [{ a: 1, b: 2 }, { c: 3 }] });
      expect(sink.getSlot('in')!.mergeStrategy).to.equal('override');
      expect(state.slotData['sink.in']).to.deep.equal({ c: 3 });
    });
  });

  describe('append', () => {
    it('accumulates message by message, every key so far, an array value as one element', () => {
      const { slot, seen } = receiver('append');
      slot.receive({ a: 1 });
      slot.receive({ a: 2, b: 'x' });
      slot.receive({ a: [7, 8] });
      slot.receive({ c: null });
      expect(seen).to.deep.equal([
        { a: [1] },
        { a: [1, 2], b: ['x'] },
        { a: [1, 2, [7, 8]], b: ['x'] },
        { a: [1, 2, [7, 8]], b: ['x'], c: [null] },
      ]);
    });

    it('hands out fresh frozen arrays: what a handler kept never changes later', () => {
      const { slot, seen } = receiver('append');
      slot.receive({ a: 1 });
      const first = seen[0].a as unknown[];
      slot.receive({ a: 2 });
      const second = seen[1].a as unknown[];
      expect(first).to.deep.equal([1]);
      expect(second).to.deep.equal([1, 2]);
      expect(first).to.not.equal(second);
      expect(Object.isFrozen(first)).to.equal(true);
      expect(Object.isFrozen(second)).to.equal(true);
      expect(() => (second as number[]).push(3)).to.throw(TypeError);
    });

    it('in a flow, the handler sees every payload of the job appended in order', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const lengths: unknown[] = [];
      const agg = makeRoutine({ in: { handler: (d: Payload) => void lengths.push([...(d.v as unknown[])]), mergeStrategy: 'append' } }, []);
      flow.addRoutine(agg, 'agg');
      flow.connect('src', 'out', 'agg', 'in');
      const state = await flow.execute('src', { items: [{ v: 'a' }, { v: 'b' }, { v: 'c' }] });
      expect(lengths).to.deep.equal([['a'], ['a', 'b'], ['a', 'b', 'c']]);
      expect(state.slotData['agg.in']).to.deep.equal({ v: ['a', 'b', 'c'] });
    });

    it('ctx.resetSlot() clears the job slot data (aggregator pattern)', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const batches: unknown[] = [];
      const agg = makeRoutine(
        {
          in: {
            mergeStrategy: 'append',
            handler: (d: Payload, ctx: ExecutionContext) => {
              const vs = d.v as unknown[];
              if (vs.length === 3) {
                batches.push([...vs]);
                ctx.resetSlot();
              }
            },
          },
        },
        [],
      );
      flow.addRoutine(agg, 'agg');
      flow.connect('src', 'out', 'agg', 'in');
      const items = [1, 2, 3, 4, 5, 6, 7].map((v) => ({ v }));
      const state = await flow.execute('src', { items });
      expect(batches).to.deep.equal([
        [1, 2, 3],
        [4, 5, 6],
      ]);
      expect(state.slotData['agg.in']).to.deep.equal({ v: [7] });
    });
  });

  describe('custom', () => {
    it('fn(previous, incoming) is called with {} first, then with its own last result; the handler gets the result', () => {
      const calls: Array<[Payload, Payload]> = [];
      const sum = (previous: Payload, incoming: Payload): Payload => {
        calls.push([{ ...previous }, { ...incoming }]);
        return { total: ((previous.total as number) ?? 0) + (incoming.v as number), last: incoming.v };
      };
      const { slot, seen } = receiver(sum);
      slot.receive({ v: 1 });
      slot.receive({ v: 2 });
      slot.receive({ v: 10 });
      expect(calls).to.deep.equal([
        [{}, { v: 1 }],
        [{ total: 1, last: 1 }, { v: 2 }],
        [{ total: 3, last: 2 }, { v: 10 }],
      ]);
      expect(seen).to.deep.equal([
        { total: 1, last: 1 },
        { total: 3, last: 2 },
        { total: 13, last: 10 },
      ]);
    });

    it('previous is {} on the first activation of the slot in every job', async () => {
      const calls: Array<[string, Payload, Payload]> = [];
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const count = (previous: Payload, incoming: Payload): Payload => ({ n: ((previous.n as number) ?? 0) + 1, tag: incoming.tag });
      const agg = new Routine();
      agg.defineSlot('in', undefined, {
        mergeStrategy: (p, i) => {
          calls.push([String(i.tag), { ...p }, { ...i }]);
          return count(p, i);
        },
      });
      flow.addRoutine(agg, 'agg');
      flow.connect('src', 'out', 'agg', 'in');
      const s1 = await flow.execute('src', { items: [{ tag: 'j1' }, { tag: 'j1' }] });
      const s2 = await flow.execute('src', { items: [{ tag: 'j2' }] });
      expect(calls).to.deep.equal([
        ['j1', {}, { tag: 'j1' }],
        ['j1', { n: 1, tag: 'j1' }, { tag: 'j1' }],
        ['j2', {}, { tag: 'j2' }],
      ]);
      expect(s1.slotData['agg.in']).to.deep.equal({ n: 2, tag: 'j1' });
      expect(s2.slotData['agg.in']).to.deep.equal({ n: 1, tag: 'j2' });
    });

    it('after ctx.resetSlot() the next merge gets previous = {} again', async () => {
      const calls: Payload[] = [];
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine(
          {
            in: {
              mergeStrategy: (prev: Payload, inc: Payload) => {
                calls.push({ ...prev });
                return { count: ((prev.count as number | undefined) ?? 0) + 1, v: inc.v };
              },
              handler: (d: Payload, ctx: ExecutionContext) => {
                if (d.count === 2) ctx.resetSlot();
              },
            },
          },
          [],
        ),
        'agg',
      );
      flow.connect('src', 'out', 'agg', 'in');
      const state = await flow.execute('src', { items: [{ v: 1 }, { v: 2 }, { v: 3 }] });
      expect(calls).to.deep.equal([{}, { count: 1, v: 1 }, {}]);
      expect(state.slotData['agg.in']).to.deep.equal({ count: 1, v: 3 });
    });

    it('a registered merge function can be named by a string', async () => {
      registerMergeStrategy('spec-merge-concat', (previous, incoming) => ({
        text: `${(previous.text as string | undefined) ?? ''}${incoming.text as string}`,
      }));
      const { slot, seen } = receiver('spec-merge-concat');
      slot.receive({ text: 'ab' });
      slot.receive({ text: 'cd' });
      expect(seen).to.deep.equal([{ text: 'ab' }, { text: 'abcd' }]);
    });
  });

  describe('per-job slot data', () => {
    it('two jobs of one flow running at once never see each other slot data', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 4 });
        flow.addRoutine(new Source(), 'src');
        const seen: Record<string, unknown[][]> = {};
        const agg = makeRoutine(
          {
            in: {
              mergeStrategy: 'append',
              // each activation takes 5 frames so the two jobs interleave
              handler: (d: Payload, ctx: ExecutionContext) => {
                (seen[ctx.jobId] ??= []).push([...(d.v as unknown[])]);
                return timer(5);
              },
            },
          },
          [],
        );
        flow.addRoutine(agg, 'agg');
        flow.connect('src', 'out', 'agg', 'in');
        const j1 = flow.start('src', { items: [{ v: 1 }, { v: 2 }, { v: 3 }] }, { jobId: 'j1' });
        const j2 = flow.start('src', { items: [{ v: 10 }, { v: 20 }] }, { jobId: 'j2' });
        flush();
        expect(j1.state.status).to.equal('completed');
        expect(j2.state.status).to.equal('completed');
        expect(seen.j1).to.deep.equal([[1], [1, 2], [1, 2, 3]]);
        expect(seen.j2).to.deep.equal([[10], [10, 20]]);
        expect(j1.state.slotData['agg.in']).to.deep.equal({ v: [1, 2, 3] });
        expect(j2.state.slotData['agg.in']).to.deep.equal({ v: [10, 20] });
      });
    });
  });
});
