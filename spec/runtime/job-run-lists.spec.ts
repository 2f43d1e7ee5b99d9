import { expect } from 'chai';
import fc from 'fast-check';
import { Flow } from '../../lib/index.js';
import { makeRoutine } from '../helpers/routines.js';

/**
 * A job's routine runs and slot cells are lists threaded through the entries, indexed only
 * once a lookup walks past 8 of them (issue 21: two Maps per job were a sixth of what a small
 * job kept). Whatever the number of routines and the order they run in, a snapshot must list
 * routine states and slot data in the order of each one's first activation, with every
 * routine's own count and every slot's own latest data, as the Maps did.
 */
describe("a job's routine runs and slot cells (lists, indexed past 8 entries)", () => {
  it('list states and slot data in first-activation order, each with its own counts and data, for any order over up to 20 routines (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.array(fc.nat(), { minLength: 1, maxLength: 60 }), async (routines, picks) => {
        const flow = new Flow();
        for (let r = 0; r < routines; r++) flow.addRoutine(makeRoutine({ in: () => undefined, other: () => undefined }), `r${r}`);
        const job = flow.open();
        const order: string[] = [];
        const slotOrder: string[] = [];
        const counts = new Map<string, number>();
        const last = new Map<string, number>();
        picks.forEach((pick, i) => {
          const id = `r${pick % routines}`;
          const slot = pick % 3 === 0 ? 'other' : 'in'; // two slots per routine: cells outnumber runs
          job.send(id, slot, { v: i });
          if (!counts.has(id)) order.push(id);
          counts.set(id, (counts.get(id) ?? 0) + 1);
          const key = `${id}.${slot}`;
          if (!last.has(key)) slotOrder.push(key);
          last.set(key, i);
        });
        job.close();
        const state = await job.wait();
        expect(state.status).to.equal('completed');
        expect(Object.keys(state.routineStates)).to.deep.equal(order);
        for (const id of order) expect(state.routineStates[id].activations).to.equal(counts.get(id));
        expect(Object.keys(state.slotData)).to.deep.equal(slotOrder);
        for (const key of slotOrder) expect(state.slotData[key]).to.deep.equal({ v: last.get(key) });
        expect(Object.keys(state.tracker.totals)).to.deep.equal(order);
        for (const id of order) expect(job.tracker.getRoutinePerformance(id)?.totalExecutions).to.equal(counts.get(id));
      }),
      { numRuns: 100 },
    );
  });

  it('a routine and a slot met again after the index is made (12 routines, the first one twice) keep their own run and cell', async () => {
    const flow = new Flow();
    // 'append' keeps every payload a slot's cell merged: a second cell for the same slot would lose the first.
    for (let r = 0; r < 12; r++) flow.addRoutine(makeRoutine({ in: { handler: () => undefined, mergeStrategy: 'append' } }), `r${r}`);
    const job = flow.open();
    for (let r = 0; r < 12; r++) job.send(`r${r}`, 'in', { v: r });
    job.send('r0', 'in', { v: 99 });
    job.close();
    const state = await job.wait();
    expect(Object.keys(state.routineStates)).to.deep.equal(Array.from({ length: 12 }, (_, r) => `r${r}`));
    expect(state.routineStates.r0.activations).to.equal(2);
    expect(state.tracker.totals.r0.total).to.equal(2);
    expect(Object.keys(state.slotData)).to.have.length(12);
    expect(state.slotData['r0.in']).to.deep.equal({ v: [0, 99] });
  });
});
