import { tap, timer } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { Flow, Routine, type FlowOptions } from '../../lib/index.js';

/**
 * A flow `flowId` on `ts` whose `r.trigger` takes 30 ms (an observable on the flow scheduler)
 * and re-triggers itself `n` times, logging the job time of each activation in `log`; with
 * executionTimeout 100 (the default here) an uninterrupted job fails at job time 100, after 4
 * activations. `options` overrides the flow's options.
 */
export function timeoutChain(flowId: string, ts: TestScheduler, log: number[], options: Omit<FlowOptions, 'flowId' | 'scheduler'> = {}): Flow {
  const flow = new Flow({ flowId, scheduler: ts, executionTimeout: 100, ...options });
  const r = new Routine();
  r.defineEvent('out');
  r.defineSlot('trigger', (d, ctx) => {
    log.push(ctx.now());
    return timer(30, ctx.scheduler).pipe(tap(() => void ((d.n as number) > 0 && ctx.emit('out', { n: (d.n as number) - 1 }))));
  });
  flow.addRoutine(r, 'r');
  flow.connect('r', 'out', 'r', 'trigger');
  return flow;
}
