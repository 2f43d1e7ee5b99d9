/**
 * Shared by the distributed reviews s22b and s22d: a flow whose handlers wait for a gate the spec
 * opens, so that a test can change the server (out of memory, a replica) while a job is in flight.
 *
 *   step.trigger (owner): marks `started`, waits, keeps `v`
 *   pool.trigger (pool):  waits (unless told `wait: false`), emits `out` ──> keep.in (owner): keeps `v`
 */
import { Flow, Routine } from '../../lib/index.js';

/** What the handlers wait for: `promise` resolves once the spec calls `open`. */
export interface Held {
  readonly promise: Promise<void>;
}

/** The flow (see above); `held()` is read at each wait, so a spec may replace its gate between tests. */
export function heldFlow(flowId: string, held: () => Held): Flow {
  /** An owner routine that waits for the gate. */
  class Step extends Routine {
    constructor() {
      super();
      this.defineSlot<{ v: number }>('trigger', async (d, ctx) => {
        ctx.setSharedData('started', true);
        await held().promise;
        ctx.setSharedData('v', d.v);
      });
    }
  }
  /** A pool routine (Tier 2) that waits for the gate unless told not to, then emits to an owner routine. */
  class PoolStep extends Routine {
    constructor() {
      super();
      this.defineEvent('out', ['v']);
      this.defineSlot<{ v: number; wait?: boolean }>('trigger', async (d, ctx) => {
        if (d.wait !== false) await held().promise;
        ctx.emit('out', { v: d.v });
      });
      this.setPlacement('pool');
    }
  }
  /** An owner routine that keeps what the pool step emitted. */
  class Keep extends Routine {
    constructor() {
      super();
      this.defineSlot<{ v: number }>('in', (d, ctx) => ctx.setSharedData('v', d.v));
    }
  }
  const flow = new Flow({ flowId });
  flow.addRoutine(new Step(), 'step');
  flow.addRoutine(new PoolStep(), 'pool');
  flow.addRoutine(new Keep(), 'keep');
  flow.connect('pool', 'out', 'keep', 'in');
  return flow;
}
