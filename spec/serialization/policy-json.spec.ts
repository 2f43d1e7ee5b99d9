import { expect } from 'chai';
import { Flow, Routine, SerializationError, registerActivationPolicy, registerRoutine, type Payload } from '../../lib/index.js';

registerActivationPolicy('spec.json.everyOther', (state, incoming) => (state.held ? { state: {}, fire: { pair: [state.held, incoming] } } : { state: { held: incoming } }));

/** A routine with a join, a batch, a window and a custom policy, and one plain slot. */
class Policies extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('left', undefined, { mergeStrategy: 'append' });
    this.defineJoin('pair', ['left', 'right'], (data, ctx) => ctx.emit('out', data));
    this.defineSlot('rows', (data, ctx) => ctx.emit('out', data), { batch: { size: 100, maxWait: 50 } });
    this.defineSlot('ticks', (data, ctx) => ctx.emit('out', data), { window: 1000 });
    this.defineSlot('odd', (data, ctx) => ctx.emit('out', data), { activation: 'spec.json.everyOther' });
    this.defineSlot('plain', (data, ctx) => ctx.emit('out', data));
  }
}
registerRoutine('Spec.Policies', Policies);

class Feed extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (data, ctx) => ctx.emit('out', data));
  }
}
registerRoutine('Spec.PolicyFeed', Feed);

function flow(): Flow {
  const f = new Flow({ flowId: 'policies' });
  f.addRoutine(new Feed(), 'feed');
  f.addRoutine(new Policies(), 'pol');
  f.connect('feed', 'out', 'pol', 'left');
  f.connect('feed', 'out', 'pol', 'right', { v: 'w' });
  f.connect('feed', 'out', 'pol', 'rows');
  return f;
}

describe('activation policies in flow JSON and diagrams', () => {
  it('flow JSON carries each slot policy with its merge strategy, and joins by name with their slots and mode', () => {
    const json = flow().toJSON();
    const pol = json.routines.find((r) => r.id === 'pol')!;
    expect(pol.slots).to.deep.equal({
      left: { mergeStrategy: 'append' },
      right: { mergeStrategy: 'override' },
      rows: { mergeStrategy: 'override', batch: { size: 100, maxWait: 50 } },
      ticks: { mergeStrategy: 'override', window: 1000 },
      odd: { mergeStrategy: 'override', activation: 'spec.json.everyOther' },
      plain: { mergeStrategy: 'override' },
    });
    expect(pol.joins).to.deep.equal({ pair: { slots: ['left', 'right'], mode: 'zip' } });
    expect(json.routines.find((r) => r.id === 'feed')).to.not.have.property('joins');
  });

  it('round-trips: Flow.fromJSON gives the same JSON back, and the JSON’s policies win over the constructor’s', () => {
    const json = JSON.parse(JSON.stringify(flow()));
    expect(Flow.fromJSON(json).toJSON()).to.deep.equal(json);
    const pol = json.routines.find((r: { id: string }) => r.id === 'pol');
    pol.slots.rows = { mergeStrategy: 'override', window: 250 };
    pol.slots.plain = { mergeStrategy: 'override', batch: { size: 2 } };
    pol.joins.pair.mode = 'latest';
    const copy = Flow.fromJSON(json);
    const routine = copy.getRoutine('pol')!;
    expect(routine.getSlot('rows')!.window).to.equal(250);
    expect(routine.getSlot('plain')!.batch).to.deep.equal({ size: 2 });
    expect(routine.getJoin('pair')!.mode).to.equal('latest');
    expect(copy.toJSON()).to.deep.equal(json);
  });

  it('JSON without policies (written before they existed) keeps the constructor’s', () => {
    const json = JSON.parse(JSON.stringify(flow()));
    const pol = json.routines.find((r: { id: string }) => r.id === 'pol');
    for (const slot of Object.values(pol.slots) as Payload[]) for (const key of ['batch', 'window', 'activation']) delete slot[key];
    delete pol.joins;
    const routine = Flow.fromJSON(json).getRoutine('pol')!;
    expect(routine.getSlot('rows')!.batch).to.deep.equal({ size: 100, maxWait: 50 });
    expect(routine.getJoin('pair')!.mode).to.equal('zip');
  });

  it('refuses bad policies in JSON with a SerializationError naming the path', () => {
    const cases: Array<[(pol: Record<string, any>) => void, RegExp]> = [
      [(pol) => (pol.slots.rows.batch = { size: 0 }), /flow JSON: routines\[1\]\.slots\.rows: routine '[^']+' slot 'rows': option 'batch.size' must be an integer >= 1/],
      [(pol) => (pol.slots.rows.window = 10), /routines\[1\]\.slots\.rows: .*options 'batch' and 'window' exclude each other/],
      [(pol) => (pol.slots.odd.activation = 'spec.json.nope'), /routines\[1\]\.slots\.odd: .*unknown activation policy 'spec.json.nope'/],
      [(pol) => (pol.slots.left.batch = { size: 2 }), /routines\[1\]\.slots\.left: .*feeds join 'pair'/],
      [(pol) => (pol.joins.other = { slots: ['a', 'b'], mode: 'zip' }), /routines\[1\]\.joins\.other: routine type 'Spec.Policies' has no join 'other'; joins: pair/],
      [(pol) => (pol.joins.pair.slots = ['right', 'left']), /routines\[1\]\.joins\.pair\.slots: join 'pair' of routine type 'Spec.Policies' joins \["left","right"\], not \["right","left"\]/],
      [(pol) => (pol.joins.pair.mode = 'all'), /routines\[1\]\.joins\.pair\.mode: .*option 'mode' must be 'zip' or 'latest'/],
      [(pol) => (pol.joins = []), /routines\[1\]\.joins: expected an object/],
    ];
    for (const [change, message] of cases) {
      const json = JSON.parse(JSON.stringify(flow()));
      change(json.routines[1]);
      expect(() => Flow.fromJSON(json), String(message)).to.throw(SerializationError, message);
    }
  });

  it('toMermaid: a join is one node with its inputs, pointing at its routine; slot policies are in brackets', () => {
    expect(flow().toMermaid()).to.equal(
      [
        'flowchart LR',
        '  feed["feed<br/>Feed<br/>in: trigger<br/>out: out"]',
        '  pol["pol<br/>Policies<br/>in: rows [batch 100 / 50 ms], ticks [window 1000 ms], odd [spec.json.everyOther], plain<br/>out: out"]',
        '  pol__pair{{"pair: zip(left, right)"}}',
        '  pol__pair --> pol',
        '  feed -->|"out → left"| pol__pair',
        '  feed -->|"out → right {v→w}"| pol__pair',
        '  feed -->|"out → rows"| pol',
      ].join('\n'),
    );
  });

  it('toDot: the same, with the join as a hexagon node', () => {
    expect(flow().toDot()).to.equal(
      [
        'digraph "policies" {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  "feed" [label="feed\\nFeed\\nin: trigger\\nout: out"];',
        '  "pol" [label="pol\\nPolicies\\nin: rows [batch 100 / 50 ms], ticks [window 1000 ms], odd [spec.json.everyOther], plain\\nout: out"];',
        '  "pol__pair" [label="pair: zip(left, right)", shape=hexagon];',
        '  "pol__pair" -> "pol";',
        '  "feed" -> "pol__pair" [label="out → left"];',
        '  "feed" -> "pol__pair" [label="out → right {v→w}"];',
        '  "feed" -> "pol" [label="out → rows"];',
        '}',
      ].join('\n'),
    );
  });

  it('a join node never takes a routine’s name', () => {
    const f = new Flow();
    f.addRoutine(new Policies(), 'a');
    const taken = new Routine();
    f.addRoutine(taken, 'a__pair');
    expect(f.toMermaid()).to.include('  j0{{"pair: zip(left, right)"}}\n  j0 --> a');
    expect(f.toDot()).to.include('"j0" [label="pair: zip(left, right)", shape=hexagon]');
  });
});
