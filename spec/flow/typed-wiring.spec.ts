import { expect } from 'chai';
import { from, lastValueFrom, last, toArray } from 'rxjs';
import { ConfigurationError, Flow, Routine, registerRoutine } from '../../lib/index.js';
import { expectRejects, expectThrows } from '../helpers/routines.js';

interface RawLine { line: string }
interface Parsed { key: string; value: string }

class Parser extends Routine<{ in: RawLine }, { out: Parsed; bad: { line: string } }> {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineEvent('bad');
    this.defineSlot('in', ({ line }, ctx) => {
      const [key = '', value] = line.split('=');
      if (value === undefined) ctx.emit('bad', { line });
      else this.emit('out', { key, value });
    });
  }
}
class Store extends Routine<{ in: { id: string; value: string } }, { saved: { id: string } }> {
  constructor(readonly saved: string[] = []) {
    super();
    this.defineEvent('saved');
    this.defineSlot('in', ({ id, value }) => {
      this.saved.push(`${id}=${value}`);
      this.emit('saved', { id });
    });
  }
}

registerRoutine('TypedWiringSpec.Parser', Parser);
registerRoutine('TypedWiringSpec.Store', Store);

function wired() {
  const flow = new Flow();
  const parser = new Parser();
  const store = new Store();
  flow.addRoutine(parser, 'parser');
  flow.addRoutine(store, 'store');
  const connection = flow.connect(parser.event('out'), store.slot('in'), { key: 'id' });
  return { flow, parser, store, connection };
}

describe('typed wiring by handles (issue 18)', () => {
  it('connect by handles makes the same connection as by ids (and connecting again replaces it)', () => {
    const { flow, parser, store, connection } = wired();
    expect(connection).to.include({ sourceId: 'parser', eventName: 'out', targetId: 'store', slotName: 'in' });
    expect(connection.paramMapping).to.deep.equal({ key: 'id' });
    flow.connect('parser', 'out', 'store', 'in', { key: 'id', value: 'value' });
    flow.connect(parser.event('out'), store.slot('in'), { key: 'id' });
    expect(flow.connections).to.have.length(1);
  });

  it('start, observe, execute and run$ by handles run the named slot', async () => {
    const { flow, parser, store } = wired();
    const all: string[] = [];
    flow.observe(store.event('saved')).subscribe((s) => all.push(s.id));
    const job = flow.start(parser.slot('in'), { line: 'a=1' });
    const ids = lastValueFrom(job.observe(store.event('saved')).pipe(toArray()));
    expect((await job.wait()).status).to.equal('completed');
    expect((await ids).map((s) => s.id)).to.deep.equal(['a']);
    expect((await flow.execute(parser.slot('in'), { line: 'b=2' })).status).to.equal('completed');
    expect((await lastValueFrom(flow.run$(parser.slot('in'), { line: 'c=3' }).pipe(last()))).status).to.equal('completed');
    expect(all).to.deep.equal(['a', 'b', 'c']);
    expect(store.saved).to.deep.equal(['a=1', 'b=2', 'c=3']);
  });

  it('send and input by handles feed the slot of an open job', async () => {
    const { flow, parser, store } = wired();
    const job = flow.open();
    job.send(parser.slot('in'), { line: 'x=1' });
    from([{ line: 'y=2' }, { line: 'z=3' }]).subscribe(job.input(parser.slot('in')));
    job.close();
    expect((await job.wait()).status).to.equal('completed');
    expect(store.saved).to.deep.equal(['x=1', 'y=2', 'z=3']);
  });

  it('a handle of a routine that is not in this flow is a ConfigurationError naming it, before anything changes', async () => {
    const { flow, parser } = wired();
    const stray = new Store();
    const other = new Flow();
    const elsewhere = new Store();
    other.addRoutine(elsewhere, 'store');
    expectThrows(() => flow.connect(parser.event('out'), stray.slot('in'), { key: 'id' }), ConfigurationError, 'connect', "slot 'in'", 'not in this flow');
    expectThrows(() => flow.connect(parser.event('out'), elsewhere.slot('in'), { key: 'id' }), ConfigurationError, 'not in this flow');
    expect(flow.connections).to.have.length(1);
    expectThrows(() => flow.start(stray.slot('in'), { id: 'a', value: 'b' }), ConfigurationError, 'start', 'not in this flow');
    await expectRejects(flow.execute(stray.slot('in'), { id: 'a', value: 'b' }), ConfigurationError, 'not in this flow');
    expectThrows(() => flow.observe(stray.event('saved')), ConfigurationError, "event 'saved'", 'not in this flow');
    const job = flow.open();
    expectThrows(() => job.send(stray.slot('in'), { id: 'a', value: 'b' }), ConfigurationError, 'send', 'not in this flow');
    expectThrows(() => job.input(stray.slot('in')), ConfigurationError, 'input', 'not in this flow');
    expectThrows(() => job.observe(stray.event('saved')), ConfigurationError, 'observe', 'not in this flow');
    job.close();
    expect((await job.wait()).status).to.equal('completed');
  });

  it('slot() and event() throw a ConfigurationError for a port that is not defined', () => {
    const parser = new Parser() as Routine;
    expectThrows(() => parser.slot('nope'), ConfigurationError, "has no slot 'nope'", 'defined slots: in');
    expectThrows(() => parser.event('nope'), ConfigurationError, "has no event 'nope'", 'defined events: out, bad');
  });

  it('a typed routine is a Routine: it serializes and comes back by its registered type', () => {
    const { flow } = wired();
    expect(flow.getRoutine('parser')).to.be.instanceOf(Parser);
    const json = flow.toJSON();
    expect(json.connections).to.deep.equal([{ sourceId: 'parser', eventName: 'out', targetId: 'store', slotName: 'in', paramMapping: { key: 'id' } }]);
    const copy = Flow.fromJSON(JSON.stringify(json));
    expect(copy.getRoutine('store')).to.be.instanceOf(Store);
    expect(copy.toJSON()).to.deep.equal(json);
  });

  it('ctx.emit of a value that is not an object is a ConfigurationError (the run-time check behind the compile-time one)', async () => {
    const flow = new Flow();
    const r = new Routine();
    r.defineEvent('out');
    // `as never`: ctx.emit refuses a number at compile time too; the cast reaches the run-time check (plain JS callers).
    r.defineSlot('trigger', (_d, ctx) => ctx.emit('out', 5 as never));
    flow.addRoutine(r, 'r');
    const state = await flow.execute('r', {});
    expect(state.error).to.include({ name: 'ConfigurationError' });
    expect(state.error?.message).to.include("ctx.emit('out') on routine 'r': a payload must be an object, got number");
  });
});
