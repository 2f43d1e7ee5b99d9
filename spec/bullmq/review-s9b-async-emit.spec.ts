/**
 * Second review of poolTurnLag (issue 17, branch pool-turns2), on the pool runner's wait for an
 * asynchronous event schema's checks (pool-runner.ts runActivation): a handler that emits on
 * such an event and then throws. In a job run in process the activation fails at once and the
 * emit, still checking, is delivered when its check passes (late work of the ended
 * activation); on the activation pool the failure skips `whenChecked`, so the effects are sent
 * before the check ends and the emit is lost.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

/** Accepts anything, 20 ms later. */
const slowSchema = { '~standard': { version: 1, vendor: 'review-s9b', validate: (value: unknown) => new Promise((resolve) => setTimeout(() => resolve({ value }), 20)) } } as never;

/** src (owner) → p (pool, optional: emits on `out`, whose schema is asynchronous, then throws) → sink (owner: stores `got`); end (owner, 300 ms) keeps the job running meanwhile. */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s9b-async-emit-throw', executionStrategy: 'concurrent', maxWorkers: 4 });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', {}));
  const p = new Routine();
  p.defineEvent('out', [], { schema: slowSchema });
  p.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => {
    ctx.emit('out', { n: 1 });
    throw new Error('p fails after its emit');
  });
  p.setAsOptional();
  p.setPlacement('pool');
  const sink = new Routine();
  sink.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => ctx.setSharedData('got', true));
  const wait = new Routine();
  wait.defineSlot('in', () => new Promise<void>((resolve) => setTimeout(resolve, 300)));
  flow.addRoutine(src, 'src');
  flow.addRoutine(p, 'p');
  flow.addRoutine(sink, 'sink');
  flow.addRoutine(wait, 'wait');
  flow.connect('src', 'out', 'p', 'in');
  flow.connect('src', 'out', 'wait', 'in');
  flow.connect('p', 'out', 'sink', 'in');
  return flow;
}

describe('review s9b: a pool routine that emits on an asynchronously checked event, then throws', function () {
  this.timeout(30_000);
  const redis = useRedis();

  it('control: in process, the emit reaches the sink (delivered once checked, after the activation failed)', async () => {
    const state = await build().start('src', {}).wait({ timeout: 5_000 });
    expect(state.status).to.equal('completed');
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
