import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, Routine, ErrorHandler } from '../../lib/index.js';
import { layoutFlow } from '../../lib/inspect/graph-layout.js';
import { renderGraphSvg } from '../../lib/inspect/graph-svg.js';

function node(): Routine {
  const r = new Routine();
  r.defineSlot('in', () => undefined);
  r.defineEvent('out');
  return r;
}

/** A flow of `n` routines r0..r(n-1) with the given edges (i → j). */
function graph(n: number, edges: ReadonlyArray<[number, number]>): Flow {
  const flow = new Flow({ flowId: 'g' });
  for (let i = 0; i < n; i++) flow.addRoutine(node(), `r${i}`);
  for (const [a, b] of edges) flow.connect(`r${a}`, 'out', `r${b}`, 'in');
  return flow;
}

const overlap = (a: { x: number; y: number; width: number; height: number }, b: typeof a) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

describe('layoutFlow / renderGraphSvg (the inspector graph)', () => {
  it('lays a fan-out/fan-in out by layer, with ports, policies and mappings', () => {
    const flow = new Flow({ flowId: 'fan' });
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', () => undefined);
    const join = new Routine();
    join.defineSlot('parts', () => undefined, { mergeStrategy: 'append' });
    join.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 3 }));
    flow.addRoutine(src, 'src');
    flow.addRoutine(node(), 'a');
    flow.addRoutine(node(), 'b');
    flow.addRoutine(join, 'join');
    flow.connect('src', 'out', 'a', 'in');
    flow.connect('src', 'out', 'b', 'in', { x: 'y' });
    flow.connect('a', 'out', 'join', 'parts');
    flow.connect('b', 'out', 'join', 'parts');
    const layout = layoutFlow(flow);
    expect(layout.nodes.map((n) => [n.id, n.layer])).to.deep.equal([['src', 0], ['a', 1], ['b', 1], ['join', 2]]);
    const joinNode = layout.nodes.find((n) => n.id === 'join')!;
    expect(joinNode).to.deep.include({ policy: 'retry ×3', slots: [{ name: 'parts', mergeStrategy: 'append' }], events: [] });
    expect(layout.edges.map((e) => e.label)).to.deep.equal(['out → in', 'out → in {x→y}', 'out → parts', 'out → parts']);
    const svg = renderGraphSvg(layout);
    expect(svg.match(/<g class="routine"/g)).to.have.length(4);
    expect(svg).to.include('<text class="edge-mapping"');
    expect(svg).to.include('parts (append)');
  });

  it('shows joins and activation policies on their slots (issue 20: the graph draws joins and policies)', () => {
    const flow = new Flow({ flowId: 'waits' });
    const r = new Routine();
    r.defineJoin('pair', ['left', 'right'], () => undefined, { mode: 'latest' });
    r.defineSlot('rows', () => undefined, { batch: { size: 100, maxWait: 50 } });
    r.defineSlot('ticks', () => undefined, { window: 1000 });
    flow.addRoutine(r, 'r');
    const slots = layoutFlow(flow).nodes[0].slots;
    expect(slots).to.deep.equal([
      { name: 'left', mergeStrategy: 'override', activation: 'join pair (latest)' },
      { name: 'right', mergeStrategy: 'override', activation: 'join pair (latest)' },
      { name: 'rows', mergeStrategy: 'override', activation: 'batch 100 / 50 ms' },
      { name: 'ticks', mergeStrategy: 'override', activation: 'window 1000 ms' },
    ]);
    const svg = renderGraphSvg(layoutFlow(flow));
    expect(svg).to.include('left [join pair (latest)]');
    expect(svg).to.include('rows [batch 100 / 50 ms]');
  });

  it('escapes what it draws', () => {
    const flow = new Flow({ flowId: '<f>' });
    flow.addRoutine(node(), '"><script>alert(1)</script>');
    const svg = renderGraphSvg(layoutFlow(flow));
    expect(svg).to.not.include('<script>');
    expect(svg).to.include('&quot;&gt;&lt;script&gt;');
  });

  it('property: for any graph, nodes never overlap, stay inside the picture, and forward edges go to a later layer', () => {
    const arb = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 16 })));
    fc.assert(
      fc.property(arb, ([n, edges]) => {
        const layout = layoutFlow(graph(n, edges));
        expect(layout.nodes).to.have.length(n);
        for (const a of layout.nodes) {
          expect(a.x).to.be.at.least(0);
          expect(a.y).to.be.at.least(0);
          expect(a.x + a.width).to.be.at.most(layout.width);
          expect(a.y + a.height).to.be.at.most(layout.height);
          for (const b of layout.nodes) if (a !== b) expect(overlap(a, b), `${a.id} / ${b.id}`).to.equal(false);
        }
        const layer = new Map(layout.nodes.map((x) => [x.id, x.layer]));
        for (const e of layout.edges) expect(e.back).to.equal(layer.get(e.targetId)! <= layer.get(e.sourceId)!);
        // Without a cycle no edge goes back.
        const acyclic = edges.every(([a, b]) => a < b);
        if (acyclic) expect(layout.edges.filter((e) => e.back)).to.deep.equal([]);
      }),
      { numRuns: 200 },
    );
  });
});
