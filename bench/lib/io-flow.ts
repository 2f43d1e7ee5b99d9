/** The flow of dist_io_scaling: one activation per job that waits 10 ms (I/O, no CPU). */
import { Flow, Routine } from '../../lib/index.js';

export const IO_MS = 10;

/** Activations run in this process (a worker process reports it with its CPU time). */
export const ran = { activations: 0 };

class SlowIO extends Routine {
  constructor() {
    super();
    this.defineSlot<{ x: number }>('trigger', async (d, ctx) => {
      ran.activations++;
      await new Promise((resolve) => setTimeout(resolve, IO_MS));
      ctx.setSharedData('x', d.x);
    });
  }
}

export function buildIoFlow(): Flow {
  const flow = new Flow({ flowId: 'dist-io' });
  flow.addRoutine(new SlowIO(), 'io');
  return flow;
}
