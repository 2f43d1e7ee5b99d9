/**
 * Review s9 (found beside issue 17, not made by it: pool-runner.ts is so on main too): a pool
 * routine's emit on an event whose schema is asynchronous. In a job run in process the emit is
 * delivered once its check passes, and the activation waits for it; on the activation pool,
 * runActivation returns the handler's effects as soon as the handler settles, without waiting
 * for the context's pending checks, so the emit reaches RemoteHost after its effects were sent
 * and is lost.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

/** Accepts anything, 20 ms later. */
const slowSchema = { '~standard': { version: 1, vendor: 'review-s9', validate: (value: unknown) => new Promise((resolve) => setTimeout(() => resolve({ value }), 20)) } } as never;

/** src (owner) → p (pool: emits on `out`, whose schema is asynchronous) → sink (owner: stores `got`). */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s9-async-emit' });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', {}));
  const p = new Routine();
  p.defineEvent('out', [], { schema: slowSchema });
  p.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { n: 1 }));
  p.setPlacement('pool');
  const sink = new Routine();
  sink.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => ctx.setSharedData('got', true));
  flow.addRoutine(src, 'src');
  flow.addRoutine(p, 'p');
  flow.addRoutine(sink, 'sink');
  flow.connect('src', 'out', 'p', 'in');
  flow.connect('p', 'out', 'sink', 'in');
  return flow;
}

describe('review s9: a pool routine’s emit checked by an asynchronous event schema', function () {
  this.timeout(30_000);
  const redis = useRedis();

  it('control: in process, the emit reaches the sink', async () => {
    const state = await build().start('src', {}).wait({ timeout: 5_000 });
    expect(state.getSharedData('got')).to.equal(true);
  });

  it('on the activation pool, the emit reaches the sink too', async () => {
    const cluster = await startCluster(redis, build, 1);
    try {
      const state = await build().start('src', {}, { runner: cluster.runner }).wait({ timeout: 10_000 });
      expect(state.status).to.equal('completed');
      expect(state.getSharedData('got')).to.equal(true);
    } finally {
      await cluster.close();
    }
  });
});
