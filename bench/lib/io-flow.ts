/** The flow of dist_io_scaling: one activation per job that waits 10 ms (I/O, no CPU). */
import { Flow, Routine } from '../../lib/index.js';

export const IO_MS = 10;

class SlowIO extends Routine {
  constructor() {
    super();
    this.defineSlot<{ x: number }>('trigger', async (d, ctx) => {
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
