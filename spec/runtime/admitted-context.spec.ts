import { expect } from 'chai';
import { z } from 'zod';
import { Flow, Routine, type Payload } from '../../lib/index.js';

/**
 * A handler behind a slot schema runs in its activation's context like any other: `this.emit`
 * from a timer it started, with no ctx at hand, is attributed to its job (the dispatch loop
 * enters the context the cheap way for checked slots too: lib/runtime/admitted-run.ts).
 */
class Delayed extends Routine {
  constructor(schema?: z.ZodType<{ n: number }>) {
    super();
    this.defineEvent('out', ['n']);
    this.defineSlot(
      'in',
      (data: { n: number }) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            this.emit('out', { n: data.n + 1 });
            resolve();
          }, 1),
        ),
      schema === undefined ? {} : { schema },
    );
  }
}

class Sink extends Routine {
  seen: Array<{ job: string | undefined; n: unknown }> = [];
  constructor() {
    super();
    this.defineSlot('in', (data: Payload, ctx) => void this.seen.push({ job: ctx.jobId, n: data.n }));
  }
}

describe('a checked slot keeps its activation context', () => {
  for (const checked of [false, true]) {
    it(`${checked ? 'with' : 'without'} a schema: an emit from a timer the handler started reaches downstream in the same job`, async () => {
      const flow = new Flow();
      flow.addRoutine(new Delayed(checked ? z.object({ n: z.number() }) : undefined), 'a');
      const sink = new Sink();
      flow.addRoutine(sink, 'b');
      flow.connect('a', 'out', 'b', 'in');
      const first = flow.start('a', { n: 1 }, { slot: 'in' });
      const second = flow.start('a', { n: 10 }, { slot: 'in' });
      const [s1, s2] = await Promise.all([first.wait(), second.wait()]);
      expect(s1.status).to.equal('completed');
      expect(s2.getRoutineState('b')?.activations).to.equal(1);
      expect(sink.seen).to.have.deep.members([
        { job: first.jobId, n: 2 },
        { job: second.jobId, n: 11 },
      ]);
    });
  }
});
