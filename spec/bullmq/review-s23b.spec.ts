/**
 * Review s23b: RedisJobStore used on its own, as a durable store with leases for in-process
 * flows (not the BullMQ runner): fencing, prune, journal, errors, resume in a fresh process.
 */
import { expect } from 'chai';
import { Flow, MemoryJobStore, Routine, StoreError, type ExecutionContext } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/redis-job-store.js';
import { isFencedWrite } from '../../lib/bullmq/fenced-error.js';
import { PRUNE_ONE } from '../../lib/bullmq/store-scripts.js';
import { makeState, sleep } from '../fixtures/helpers.js';
import { useRedis } from '../helpers/use-redis.js';

describe('review s23b: RedisJobStore on its own', () => {
  const redis = useRedis();
  const stores: RedisJobStore[] = [];
  let n = 0;
  const make = (prefix = `s23b-${++n}`): RedisJobStore => {
    const store = new RedisJobStore({ connection: redis.connection, prefix });
    stores.push(store);
    return store;
  };
  redis.atStop(() => Promise.all(stores.map((s) => s.close())));
  const outcome = (p: Promise<unknown>): Promise<unknown> => p.then((v) => ({ ok: v }), (e: unknown) => e);

  it('fixed 1: a holder whose job was deleted (its lease with it) and made again under its id by a new holder is fenced out: its stale save is refused, the new job kept (it overwrote it: the epoch counter started again at 1)', async () => {
    const prefix = `s23b-f1-${++n}`;
    const a = make(prefix);
    const b = make(prefix);
    expect(await a.acquire('j', 'w1', 60_000)).to.equal(true);
    await a.save(makeState('j', { status: 'running', updatedAt: 1 }));
    await b.delete('j'); // an operator removes the job; its lease goes with it (the contract)
    expect(await b.acquire('j', 'w2', 60_000)).to.equal(true); // a new job under the id
    await b.save(makeState('j', { status: 'running', updatedAt: 2 }));
    const error = await outcome(a.save(makeState('j', { status: 'running', updatedAt: 99 })));
    expect(isFencedWrite(error), 'the former holder’s save is refused').to.equal(true);
    expect((await b.load('j'))!.updatedAt).to.equal(2);
  });

  it('fixed 1b: the same after a takeover of an expired lease and a prune: the stalled holder’s journal entry is refused', async () => {
    const prefix = `s23b-f1b-${++n}`;
    const a = make(prefix);
    const b = make(prefix);
    expect(await a.acquire('j', 'w1', 100)).to.equal(true);
    await a.save(makeState('j', { status: 'completed', updatedAt: 1 }));
    await sleep(200); // w1 stalls past its lease
    expect(await b.prune()).to.equal(1);
    expect(await b.acquire('j', 'w2', 60_000)).to.equal(true);
    await b.save(makeState('j', { status: 'running', updatedAt: 2 }));
    const error = await outcome(a.appendJournal('j', { format: 'routilux.journal', version: 1, jobId: 'j', fields: { updatedAt: 99 } }));
    expect(isFencedWrite(error), 'the stalled holder’s journal entry is refused').to.equal(true);
    expect((await b.load('j'))!.updatedAt).to.equal(2);
  });

  it('fixed 2: appendJournal of an entry JSON cannot carry (a BigInt) rejects with a StoreError naming the job, as MemoryJobStore (it was a raw TypeError)', async () => {
    const store = make();
    await store.save(makeState('j'));
    const memory = new MemoryJobStore();
    await memory.save(makeState('j'));
    expect(await outcome(memory.appendJournal('j', { big: 1n }))).to.be.instanceOf(StoreError);
    const error = await outcome(store.appendJournal('j', { big: 1n }));
    expect(error).to.be.instanceOf(StoreError);
    expect((error as StoreError).message).to.include("'j'");
  });

  it('fixed 3: prune keeps a job another process saved with a status it does not select between prune’s read and its delete, as FileJobStore (it deleted it)', async () => {
    const prefix = `s23b-f3-${++n}`;
    const store = make(prefix);
    const other = make(prefix);
    await store.save(makeState('j', { status: 'failed', updatedAt: 1 }));
    // Another process resumes the job just before prune's delete script runs (after prune read and judged it).
    expect(Object.hasOwn(PRUNE_ONE, 'run')).to.equal(false);
    const run = PRUNE_ONE.run;
    PRUNE_ONE.run = async function (this: typeof PRUNE_ONE, ...args: Parameters<typeof run>) {
      await other.save(makeState('j', { status: 'running', updatedAt: 2 }));
      return run.apply(this, args);
    } as typeof run;
    try {
      expect(await store.prune({ statuses: ['failed'] })).to.equal(0);
    } finally {
      delete (PRUNE_ONE as { run?: unknown }).run; // back to LuaScript.prototype.run (which other specs wrap)
    }
    expect((await other.load('j'))?.status).to.equal('running');
  });

  it('fixed 4: prune rejects with a StoreError when a job cannot be read (a Redis error), as FileJobStore (it resolved as if all went well)', async () => {
    const prefix = `s23b-f4-${++n}`;
    const store = make(prefix);
    await store.save(makeState('j', { status: 'completed', updatedAt: 1 }));
    await redis.client().set(store.keysOf('j').journal, 'not a list'); // WRONGTYPE on load
    expect(await outcome(store.prune())).to.be.instanceOf(StoreError);
  });
  it('fixed 5: appendJournal of an entry JSON.stringify drops (undefined, a function) is refused with a StoreError and the job still loads (it was appended as an empty text: the job could never be loaded again)', async () => {
    const store = make();
    await store.save(makeState('j', { status: 'running', updatedAt: 1 }));
    const error = await outcome(store.appendJournal('j', undefined));
    expect(error, 'refused').to.be.instanceOf(StoreError);
    expect(await outcome(store.appendJournal('j', () => 1)), 'refused').to.be.instanceOf(StoreError);
    expect((await store.load('j'))?.updatedAt, 'the job still loads as saved').to.equal(1);
  });

  it('fixed 6: list() and prune() of a store see only its own jobs when another store’s prefix extends it with ":job:{…}" (they rejected with a SerializationError: that store’s keys match the SCAN pattern)', async () => {
    const a = make('s23b-f6');
    const b = make('s23b-f6:job:{tenant}');
    await a.save(makeState('j', { status: 'completed', updatedAt: 1 }));
    await b.save(makeState('k', { status: 'completed', updatedAt: 1 }));
    await redis.client().set('s23b-f6:job:{%41}:state', 'not this store’s: encodeId never writes %41');
    expect(await outcome(a.list())).to.deep.equal({ ok: ['j'] });
    expect(await outcome(b.list())).to.deep.equal({ ok: ['k'] });
    expect(await outcome(a.prune())).to.deep.equal({ ok: 1 });
    expect(await b.load('k'), 'the other store’s job is not touched').to.not.equal(undefined);
  });

  it('pin: close() leaves no connection, timer or other handle behind, and a call after it rejects with a StoreError naming the job', async () => {
    await sleep(50);
    const before = process.getActiveResourcesInfo().sort();
    const store = new RedisJobStore({ connection: redis.connection, prefix: `s23b-close-${++n}` });
    await store.save(makeState('j', { status: 'completed', updatedAt: 1 }));
    await store.acquire('j', 'w', 60_000);
    await store.appendJournal('j', { format: 'routilux.journal', version: 1, jobId: 'j', fields: {} });
    await store.list();
    await store.prune();
    await store.close();
    await sleep(50);
    expect(process.getActiveResourcesInfo().sort()).to.deep.equal(before);
    const error = await outcome(store.load('j'));
    expect(error).to.be.instanceOf(StoreError);
    expect((error as StoreError).jobId).to.equal('j');
    await store.close(); // twice: no throw
  });

  describe('a job resumed from it in a fresh Flow and store (another process)', () => {
    /** Payloads a job may hold that JSON alone would change. */
    const rich = (i: number) => ({ i, at: new Date(1_700_000_000_000 + i), m: new Map<unknown, unknown>([[i, { s: new Set([i, -0]) }]]), big: 10n ** 20n + BigInt(i), nan: NaN, inf: -Infinity, neg: -0, u: `é:{${i}}\n\u{1F600}\ud800`, undef: undefined, re: /a+b/gi, bytes: new Uint8Array([i, 255]) });
    let pausedOnce = false;
    const build = (store?: RedisJobStore, owner?: string) => {
      const flow = new Flow({ flowId: 's23b-resume', ...(store ? { store, checkpoint: 'always' as const, owner } : {}) });
      const src = new (class extends Routine {
        constructor() {
          super();
          this.defineEvent('out', ['i']);
          this.defineSlot<{ n: number }>('trigger', (d) => {
            for (let i = 0; i < d.n; i++) this.emit('out', rich(i));
          });
        }
      })();
      const sink = new (class extends Routine {
        constructor() {
          super();
          this.defineSlot<Record<string, unknown>>('in', async (d, ctx: ExecutionContext) => {
            const seen = ctx.getSharedData<unknown[]>('seen', []);
            ctx.setSharedData('seen', [...seen, d]);
            ctx.setSharedData('blob', 'x'.repeat(300_000) + String(d.i));
            if (d.i === 3 && store && !pausedOnce) {
              pausedOnce = true;
              await ctx.pause('cut');
            }
          });
        }
      })();
      flow.addRoutine(src, 'src');
      flow.addRoutine(sink, 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      return flow;
    };

    it('pin: a job paused mid-run, loaded by a fresh store and resumed by a fresh Flow, ends with exactly the shared data of an uninterrupted run (Dates, Maps, Sets, BigInt, NaN, -0, unicode, 300 KB strings)', async () => {
      const prefix = `s23b-resume-${++n}`;
      const whole = await build().execute('src', { n: 8 }, { jobId: 'id:{x}\n1' });
      const first = make(prefix);
      const flow1 = build(first, 'p1');
      const job = flow1.start('src', { n: 8 }, { jobId: 'id:{x}\n1' });
      const paused = await job.wait();
      expect(paused.status).to.equal('paused');
      await flow1.checkpointsFlushed();
      await first.close();
      const second = make(prefix);
      const loaded = await second.load('id:{x}\n1');
      expect(loaded?.status).to.equal('paused');
      const flow2 = build(second, 'p2');
      const final = await flow2.resume(loaded!).wait();
      await flow2.checkpointsFlushed();
      expect(final.status).to.equal('completed');
      expect(final.getSharedData('seen')).to.deep.equal(whole.getSharedData('seen'));
      expect(final.getSharedData('blob')).to.equal(whole.getSharedData('blob'));
      const stored = await second.load('id:{x}\n1');
      expect(JSON.stringify(stored)).to.equal(JSON.stringify(final));
      expect(await second.list()).to.deep.equal(['id:{x}\n1']);
      expect(await second.leaseOf('id:{x}\n1'), 'the resumed job’s lease is released once it settled').to.equal(undefined);
    });
  });
});
