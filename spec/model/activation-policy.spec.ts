import { expect } from 'chai';
import { Flow, Routine, registerActivationPolicy, type Payload } from '../../lib/index.js';
import { handScheduler, runTo, settle } from '../helpers/virtual-clock.js';

// The Python original's activation policies (routilux activation_policies: all_slots_ready,
// batch_size, time_interval, custom), each as this library spells it, in a flow.

interface Call {
  at: number;
  data: Payload;
}

/** An open job on a fresh flow in virtual time: `send(slot, data, at)`, then `finish(closeAt)` gives the handler's calls. */
function harness(define: (r: Routine, calls: Call[]) => void) {
  const ts = handScheduler();
  const flow = new Flow({ scheduler: ts });
  const calls: Call[] = [];
  const r = new Routine();
  define(r, calls);
  flow.addRoutine(r, 'r');
  const job = flow.open();
  return {
    send: (slot: string, data: Payload, at: number) => ts.schedule(() => job.send('r', slot, data), at),
    finish: async (closeAt: number) => {
      runTo(ts, closeAt);
      job.close();
      await settle(ts, job.wait());
      expect(job.state.status).to.equal('completed');
      return { calls, state: job.state };
    },
    now: () => ts.now(),
  };
}

describe("the Python original's activation policies", () => {
  it('all slots ready: the routine runs only once every slot has data, taking one payload of each', async () => {
    let clock = (): number => 0;
    const h = harness((r, calls) => r.defineJoin('ready', ['a', 'b', 'c'], (data) => void calls.push({ at: clock(), data })));
    clock = h.now;
    h.send('a', { n: 1 }, 0);
    h.send('b', { n: 1 }, 10);
    h.send('a', { n: 2 }, 20);
    h.send('c', { n: 1 }, 30);
    h.send('b', { n: 2 }, 40);
    h.send('c', { n: 2 }, 50);
    const { calls } = await h.finish(100);
    expect(calls).to.deep.equal([
      { at: 30, data: { a: { n: 1 }, b: { n: 1 }, c: { n: 1 } } },
      { at: 50, data: { a: { n: 2 }, b: { n: 2 }, c: { n: 2 } } },
    ]);
  });

  it('batch size: the routine runs per `size` payloads, and once more for the rest when the job runs out of work', async () => {
    const h = harness((r, calls) => r.defineSlot('in', (data) => void calls.push({ at: 0, data }), { batch: { size: 3 } }));
    for (let i = 1; i <= 7; i++) h.send('in', { i }, i);
    const { calls } = await h.finish(20);
    expect(calls.map((c) => (c.data.items as Payload[]).map((p) => p.i))).to.deep.equal([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('time interval: at most one activation per interval, with what arrived in it', async () => {
    let clock = (): number => 0;
    const h = harness((r, calls) => r.defineSlot('in', (data) => void calls.push({ at: clock(), data }), { window: 100 }));
    clock = h.now;
    for (const at of [0, 10, 50, 120, 130, 300]) h.send('in', { at }, at);
    const { calls } = await h.finish(500);
    expect(calls.map((c) => [c.at, (c.data.items as Payload[]).map((p) => p.at)])).to.deep.equal([
      [100, [0, 10, 50]],
      [200, [120, 130]],
      [400, [300]],
    ]);
  });

  it('custom: a registered function of (state, incoming) decides; its state is plain data in the job', async () => {
    // Collect everything until an urgent payload arrives, then hand over the lot.
    registerActivationPolicy('spec.untilUrgent', (state, incoming) => {
      const held = [...((state.held as Payload[] | undefined) ?? []), incoming];
      return incoming.urgent === true ? { state: {}, fire: { held } } : { state: { held } };
    });
    const h = harness((r, calls) => r.defineSlot('in', (data) => void calls.push({ at: 0, data }), { activation: 'spec.untilUrgent' }));
    h.send('in', { id: 1 }, 1);
    h.send('in', { id: 2, urgent: true }, 2);
    h.send('in', { id: 3 }, 3);
    const { calls, state } = await h.finish(10);
    expect(calls.map((c) => c.data)).to.deep.equal([{ held: [{ id: 1 }, { id: 2, urgent: true }] }]);
    // What a custom policy holds when the job ends stays in the job's state.
    expect(state.policies['r.in']).to.deep.equal({ kind: 'custom', policy: 'spec.untilUrgent', state: { held: [{ id: 3 }] } });
  });
});
