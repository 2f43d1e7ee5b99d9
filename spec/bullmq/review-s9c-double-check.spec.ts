/**
 * Third review of poolTurnLag (issue 17, branch pool-turns2), beside the claim (pool-results.ts
 * apply, on main too): a pool routine's emit is checked by its event's schema twice. The pool
 * worker's context checks it (and delivers the schema's output value into the effects), then the
 * owner applies the effect through `ctx.emit`, which checks that output again. A schema that
 * transforms its input (a string field parsed to a number, zod's `.transform`, a default filled
 * in) accepts the raw payload in process, but on the activation pool its own output is refused
 * on the owner, failing the activation that succeeded on the pool.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

/** `{ n: '<digits>' }` in, `{ n: <number> }` out; anything else is refused. */
const parseN = {
  '~standard': {
    version: 1,
    vendor: 'review-s9c',
    validate: (value: unknown) => {
      const n = (value as { n?: unknown }).n;
      return typeof n === 'string' && /^\d+$/.test(n) ? { value: { n: Number(n) } } : { issues: [{ message: `n must be a string of digits, got ${typeof n}` }] };
    },
  },
} as never;

/** src (owner) → p (pool: emits `{ n: '7' }` on `out`, whose schema parses n) → sink (owner: stores n). */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s9c-double-check' });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', {}));
  const p = new Routine();
  p.defineEvent('out', [], { schema: parseN });
  p.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { n: '7' }));
  p.setPlacement('pool');
  const sink = new Routine();
  sink.defineSlot('in', (d: { n?: unknown }, ctx: ExecutionContext) => ctx.setSharedData('n', d.n));
  flow.addRoutine(src, 'src');
  flow.addRoutine(p, 'p');
  flow.addRoutine(sink, 'sink');
  flow.connect('src', 'out', 'p', 'in');
  flow.connect('p', 'out', 'sink', 'in');
  return flow;
}

describe('review s9c: a pool routine’s emit on an event whose schema transforms its payload', function () {
  this.timeout(30_000);
  const redis = useRedis();

  it('control: in process, the sink gets the schema’s output (n parsed once)', async () => {
    const state = await build().start('src', {}).wait({ timeout: 5_000 });
    expect(state.status).to.equal('completed');
    expect(state.getSharedData('n')).to.equal(7);
  });

  it('on the activation pool, the sink gets the same (the owner does not check the checked payload again)', async () => {
    const cluster = await startCluster(redis, build, 1);
    try {
      const state = await build().start('src', {}, { runner: cluster.runner }).wait({ timeout: 10_000 });
      expect(state.status, JSON.stringify(state.error ?? null)).to.equal('completed');
      expect(state.getSharedData('n')).to.equal(7);
    } finally {
      await cluster.close();
    }
  });
});
