/**
 * Issue 17, Tier 2: a pool routine's emit on an event with a schema (found by the reviews of
 * poolTurnLag, beside it: each case failed on main too). The pool checks the emit by the event's
 * schema and ships the schema's output; the owner applies it as checked. Each case runs the same
 * flow in process (the control) and on the activation pool:
 * - an asynchronous schema: the pool ends the activation when the check does (the emit was lost);
 * - the handler throws after such an emit: the emit is delivered too (it was lost);
 * - a slow check before the throw: one pool result carries both, so the failure waits for the
 *   check (in process it comes at once, the emit after): the documented difference;
 * - a schema that transforms its payload: checked once (the owner refused the pool's output).
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

/** A Standard Schema that accepts anything, `ms` later. */
const slowSchema = (ms: number): never => ({ '~standard': { version: 1, vendor: 'spec', validate: (value: unknown) => new Promise((resolve) => setTimeout(() => resolve({ value }), ms)) } }) as never;

/** `{ n: '<digits>' }` in, `{ n: <number> }` out; anything else is refused. */
const parseN = {
  '~standard': {
    version: 1,
    vendor: 'spec',
    validate: (value: unknown) => {
      const n = (value as { n?: unknown }).n;
      return typeof n === 'string' && /^\d+$/.test(n) ? { value: { n: Number(n) } } : { issues: [{ message: `n must be a string of digits, got ${typeof n}` }] };
    },
  },
} as never;

interface Shape {
  flowId: string;
  schema: never;
  /** What p emits on its checked event. */
  payload: Payload;
  /** p throws after its emit (optional: the job runs on; else the job fails). */
  fails?: 'optional' | 'job';
  /** An owner routine that keeps the job running this long. */
  keepAliveMs?: number;
}

/** src (owner) → p (pool: emits `payload` on `out`, checked by `schema`) → sink (owner: stores `got` and the `n` it got). */
function build(s: Shape): () => Flow {
  return () => {
    const flow = new Flow({ flowId: s.flowId, executionStrategy: 'concurrent', maxWorkers: 4 });
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', {}));
    const p = new Routine();
    p.defineEvent('out', [], { schema: s.schema });
    p.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => {
      ctx.emit('out', s.payload);
      if (s.fails !== undefined) throw new Error('p fails after its emit');
    });
    if (s.fails === 'optional') p.setAsOptional();
    p.setPlacement('pool');
    const sink = new Routine();
    sink.defineSlot('in', (d: { n?: unknown }, ctx: ExecutionContext) => {
      ctx.setSharedData('got', true);
      ctx.setSharedData('n', d.n);
    });
    flow.addRoutine(src, 'src');
    flow.addRoutine(p, 'p');
    flow.addRoutine(sink, 'sink');
    flow.connect('src', 'out', 'p', 'in');
    flow.connect('p', 'out', 'sink', 'in');
    if (s.keepAliveMs !== undefined) {
      const wait = new Routine();
      wait.defineSlot('in', () => new Promise<void>((resolve) => setTimeout(resolve, s.keepAliveMs)));
      flow.addRoutine(wait, 'wait');
      flow.connect('src', 'out', 'wait', 'in');
    }
    return flow;
  };
}

/** The job's status once it rests, or 'still running' after `ms`. */
async function statusWithin(job: { wait(o: { timeout: number }): Promise<{ status: string }> }, ms: number): Promise<string> {
  try {
    return (await job.wait({ timeout: ms })).status;
  } catch {
    return 'still running';
  }
}

describe('routilux/bullmq: a pool routine’s emit on an event with a schema', function () {
  this.timeout(40_000);
  const redis = useRedis();

  /** Runs `body` with a one-worker cluster of `flow`. */
  async function onPool(flow: () => Flow, body: (runner: Parameters<Flow['start']>[2]) => Promise<void>): Promise<void> {
    const cluster = await startCluster(redis, flow, 1);
    try {
      await body({ runner: cluster.runner });
    } finally {
      await cluster.close();
    }
  }

  describe('an asynchronous schema', () => {
    const flow = build({ flowId: 'pool-schema-async', schema: slowSchema(20), payload: { n: 1 } });

    it('control: in process, the emit reaches the sink', async () => {
      expect((await flow().start('src', {}).wait({ timeout: 5_000 })).getSharedData('got')).to.equal(true);
    });

    it('on the activation pool, the emit reaches the sink too', () =>
      onPool(flow, async (options) => {
        const state = await flow().start('src', {}, options).wait({ timeout: 10_000 });
        expect(state.status).to.equal('completed');
        expect(state.getSharedData('got')).to.equal(true);
      }));
  });

  describe('an asynchronous schema, then the handler throws (optional routine)', () => {
    const flow = build({ flowId: 'pool-schema-async-throw', schema: slowSchema(20), payload: { n: 1 }, fails: 'optional', keepAliveMs: 300 });

    it('control: in process, the emit reaches the sink (delivered once checked, after the activation failed)', async () => {
      const state = await flow().start('src', {}).wait({ timeout: 5_000 });
      expect(state.status).to.equal('completed');
      expect(state.getSharedData('got')).to.equal(true);
    });

    it('on the activation pool, the emit reaches the sink too', () =>
      onPool(flow, async (options) => {
        const state = await flow().start('src', {}, options).wait({ timeout: 10_000 });
        expect(state.status).to.equal('completed');
        expect(state.getSharedData('got')).to.equal(true);
      }));
  });

  describe('a slow asynchronous check (1 s), then the handler throws (the job fails)', () => {
    const flow = build({ flowId: 'pool-schema-check-wait', schema: slowSchema(1_000), payload: { n: 1 }, fails: 'job' });

    it('control: in process, the job fails at once (the failure does not wait for the check)', async () => {
      expect(await statusWithin(flow().start('src', {}), 500)).to.equal('failed');
    });

    it('on the activation pool, the failure is reported once the emit’s check settled (one result carries both)', () =>
      onPool(flow, async (options) => {
        const job = flow().start('src', {}, options);
        expect(await statusWithin(job, 300), 'the check takes 1 s').to.equal('still running');
        expect(await statusWithin(job, 10_000)).to.equal('failed');
      }));
  });

  describe('a schema that transforms its payload', () => {
    const flow = build({ flowId: 'pool-schema-transform', schema: parseN, payload: { n: '7' } });

    it('control: in process, the sink gets the schema’s output (n parsed once)', async () => {
      const state = await flow().start('src', {}).wait({ timeout: 5_000 });
      expect(state.status).to.equal('completed');
      expect(state.getSharedData('n')).to.equal(7);
    });

    it('on the activation pool, the sink gets the same (the owner does not check the checked payload again)', () =>
      onPool(flow, async (options) => {
        const state = await flow().start('src', {}, options).wait({ timeout: 10_000 });
        expect(state.status, JSON.stringify(state.error ?? null)).to.equal('completed');
        expect(state.getSharedData('n')).to.equal(7);
      }));
  });
});
