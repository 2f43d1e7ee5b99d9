/**
 * Review of 8f5ede7 (a pool activation whose result is applied but that has not ended yet no
 * longer counts as outstanding: PoolResults.applied / noteApplied).
 *
 * `noteApplied` runs for every applied pool result, whatever the worker's `poolTurnLag`; the
 * Set it fills is pruned only when `applied` is read, and only PoolTurnLag reads it, which
 * exists only with `poolTurnLag > 0` (owner-checkpoints.ts: `this.lag = ctx.poolTurnLag > 0 ...`).
 * With the default (0) every pool activation's context stays in the job's PoolResults until the
 * ownership ends: a long-running job keeps one ended ActivationContext (its extras, its late
 * host) per pool activation it ever ran.
 */
import { expect } from 'chai';
import type { Queue } from 'bullmq';
import type { BulkAdder } from '../../lib/bullmq/bulk-adder.js';
import { PoolResults, poolExecutor } from '../../lib/bullmq/pool-results.js';
import type { RedisClient } from '../../lib/bullmq/lua-script.js';
import { decodeValue, encodeValue, type PoolWire } from '../../lib/bullmq/wire.js';
import { setPoolExecutor } from '../../lib/model/placement.js';
import { Flow } from '../../lib/flow/flow.js';
import { Routine } from '../../lib/model/routine.js';
import type { Payload } from '../../lib/core/payload.js';

const STEPS = 300;

/** A pool routine that emits to itself until `n` reaches STEPS (its handler never runs here: the fake pool answers). */
class Loop extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['n']);
    this.defineSlot('in', () => {
      throw new Error('runs on the pool');
    });
    this.setPlacement('pool');
  }
}

describe('review s9d: PoolResults.applied (8f5ede7)', () => {
  it('does not keep the context of every ended pool activation when nothing reads `applied` (poolTurnLag 0, the default)', async () => {
    const flow = new Flow({ flowId: 'review-s9d-leak' });
    flow.addRoutine(new Loop(), 'loop');
    flow.connect('loop', 'out', 'loop', 'in');
    const results = new PoolResults();
    // The pool: each activation sent answers at once with an emit of n + 1 (none at the last step).
    const adder = {
      add: (_queue: Queue, _name: string, data: PoolWire) => {
        const { n } = decodeValue(data.payload, 'payload') as { n: number };
        const effects = n + 1 < STEPS ? [{ k: 'emit', e: 'out', d: { n: n + 1 } }] : [];
        queueMicrotask(() => results.deliver(data.key, JSON.stringify({ effects: encodeValue(effects, 'effects') })));
        return Promise.resolve();
      },
    } as unknown as BulkAdder;
    setPoolExecutor(flow, poolExecutor({ resultsOf: () => results, queue: {} as Queue, adder, client: {} as RedisClient, abortChannel: 'abort' }));
    const state = await flow.start('loop', { n: 0 } as Payload, { slot: 'in' }).wait();
    expect(state.status).to.equal('completed');
    const kept = (results as unknown as { finishing: Set<unknown> }).finishing.size;
    expect(results.applied, 'all of them ended (reading `applied` prunes them)').to.equal(0);
    // Every one of the STEPS activations has ended; none is "applied but not ended".
    // Each add prunes those that ended, so at most the last one is held (300 before the fix).
    expect(kept, 'ended activations still held by PoolResults (pruned only when PoolTurnLag reads `applied`)').to.be.at.most(1);
  });
});
