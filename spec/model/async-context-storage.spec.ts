import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import { timer } from 'rxjs';
import { ConfigurationError, Flow, Routine, setAsyncContextStorage, type AsyncContextStorage, type Payload } from '../../lib/index.js';
import { installNodeAsyncContext } from '../../lib/node/index.js';
import { NodeAsyncContextStorage } from '../../lib/node/async-context.js';

// Where the running activation is carried across `await`s (issue 16): a port in the core,
// filled by routilux/node with an AsyncLocalStorage. Without one (a browser), `this.emit`
// knows its job in the synchronous part of a handler, in returned observables and in work on
// ctx.scheduler; after an await only `ctx.emit` does. Every test leaves Node's storage in place.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A flow where `relay.in` emits three ways and `sink.in` collects what reached it. */
function flowOf(): { flow: Flow; seen: () => string[]; outside: string[] } {
  const flow = new Flow();
  const outside: string[] = [];
  class Relay extends Routine {
    constructor() {
      super();
      this.defineEvent('out', ['how']);
      this.defineSlot('trigger', async (_data, ctx) => {
        this.emit('out', { how: 'this.emit, synchronous' });
        await sleep(1);
        this.emit('out', { how: 'this.emit after an await' });
        ctx.emit('out', { how: 'ctx.emit after an await' });
        await new Promise<void>((resolve) => timer(1, ctx.scheduler).subscribe(() => {
          this.emit('out', { how: 'this.emit on ctx.scheduler' });
          resolve();
        }));
      });
    }
  }
  class Sink extends Routine {
    constructor() {
      super();
      this.defineSlot('in', () => {}, { mergeStrategy: 'append' });
    }
  }
  const relay = new Relay();
  relay.getEvent('out')!.asObservable().subscribe((p: Payload) => outside.push(p.how as string));
  flow.addRoutine(relay, 'relay');
  flow.addRoutine(new Sink(), 'sink');
  flow.connect('relay', 'out', 'sink', 'in');
  let last: string[] = [];
  flow.observe('relay', 'out').subscribe((p) => last.push(p.how as string));
  return { flow, seen: () => last, outside };
}

describe('setAsyncContextStorage (the async context port)', () => {
  afterEach(() => installNodeAsyncContext());

  it('with Node’s AsyncLocalStorage (installed by routilux/node), this.emit after an await knows its job', async () => {
    const { flow } = flowOf();
    const state = await flow.execute('relay');
    expect([...(state.slotData['sink.in'].how as string[])].sort()).to.deep.equal(['ctx.emit after an await', 'this.emit after an await', 'this.emit on ctx.scheduler', 'this.emit, synchronous']);
  });

  it('without one (a browser), this.emit after an await reaches only event.asObservable(); everything else routes', async () => {
    setAsyncContextStorage(undefined);
    const { flow, outside } = flowOf();
    const state = await flow.execute('relay');
    expect([...(state.slotData['sink.in'].how as string[])].sort()).to.deep.equal(['ctx.emit after an await', 'this.emit on ctx.scheduler', 'this.emit, synchronous']);
    expect(outside).to.include('this.emit after an await');
  });

  it('takes any AsyncLocalStorage-shaped store, with or without enterWith', async () => {
    const als = new AsyncLocalStorage<unknown>();
    const runOnly: AsyncContextStorage = { getStore: () => als.getStore(), run: (value, fn) => als.run(value, fn) };
    for (const storage of [als, runOnly]) {
      setAsyncContextStorage(storage);
      const state = await flowOf().flow.execute('relay');
      expect(state.slotData['sink.in'].how as string[]).to.have.length(4);
    }
  });

  it('Node’s store offers an enterer (one write per activation), and a store whose enterer gives none falls back to enterWith', async () => {
    const node = new NodeAsyncContextStorage();
    const enter = node.run(undefined, () => node.enterer());
    expect(enter, 'this Node keeps the value on the async resource').to.be.a('function');
    let asked = 0;
    const noEnterer = new (class extends AsyncLocalStorage<unknown> {
      enterer(): undefined {
        asked++;
        return undefined;
      }
    })();
    for (const storage of [node, noEnterer]) {
      setAsyncContextStorage(storage);
      const state = await flowOf().flow.execute('relay');
      expect([...(state.slotData['sink.in'].how as string[])].sort()).to.deep.equal(['ctx.emit after an await', 'this.emit after an await', 'this.emit on ctx.scheduler', 'this.emit, synchronous']);
    }
    expect(asked, 'the loop asks once per dispatch turn').to.be.greaterThan(0);
  });

  it('between activations of one dispatch loop no activation is current, synchronously or for timers started there', async () => {
    // A status observer runs inside the loop, after the first activation and before the second:
    // what it schedules must not belong to either.
    const flow = new Flow();
    class Twice extends Routine {
      constructor() {
        super();
        this.defineEvent('out');
        this.defineSlot('trigger', () => this.emit('out', {}));
        this.defineSlot('in', () => {});
      }
    }
    const r = new Twice();
    flow.addRoutine(r, 'r');
    flow.connect('r', 'out', 'r', 'in');
    const seen: Array<unknown> = [];
    let later: Promise<void> | undefined;
    const job = flow.start('r', {});
    job.state$.subscribe((state) => {
      seen.push(r.getExecutionContext());
      if (state.status === 'completed' && later === undefined) later = new Promise<void>((resolve) => setTimeout(() => { seen.push(r.getExecutionContext()); resolve(); }, 1));
    });
    await job.wait();
    await later;
    expect(seen.length).to.be.greaterThan(1);
    expect(seen.every((c) => c === undefined)).to.equal(true);
  });

  it('refuses what is not a store, with a ConfigurationError naming what it got', () => {
    for (const bad of [null, 42, {}, { getStore() {} }, { getStore() {}, run: 1 }, { getStore() {}, run() {}, enterWith: 'x' }, { getStore() {}, run() {}, enterer: 1 }]) {
      expect(() => setAsyncContextStorage(bad as unknown as AsyncContextStorage)).to.throw(ConfigurationError, /setAsyncContextStorage: expected an AsyncLocalStorage-like object/);
    }
  });
});
