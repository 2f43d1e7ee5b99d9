import { expect } from 'chai';
import { Flow, Routine } from '../../lib/index.js';

class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger');
  }
}
class Sink extends Routine {
  constructor() {
    super();
    this.defineSlot('in');
    this.defineSlot('extra');
  }
}

function small(): Flow {
  const flow = new Flow({ flowId: 'pics' });
  flow.addRoutine(new Source(), 'source');
  flow.addRoutine(new Sink(), 'sink');
  flow.addRoutine(new Sink(), 'the end');
  flow.connect('source', 'out', 'sink', 'in', { value: 'x' });
  flow.connect('source', 'out', 'the end', 'extra');
  return flow;
}

describe('flow diagrams', () => {
  it('toMermaid: one node per routine with slots and events, labelled edges with mappings', () => {
    expect(small().toMermaid()).to.equal(
      [
        'flowchart LR',
        '  source["source<br/>Source<br/>in: trigger<br/>out: out"]',
        '  sink["sink<br/>Sink<br/>in: in, extra"]',
        '  n2["the end<br/>Sink<br/>in: in, extra"]',
        '  source -->|"out → in {value→x}"| sink',
        '  source -->|"out → extra"| n2',
      ].join('\n'),
    );
  });

  it('toDot: the same graph in Graphviz DOT, with quoting', () => {
    expect(small().toDot()).to.equal(
      [
        'digraph "pics" {',
        '  rankdir=LR;',
        '  node [shape=box];',
        '  "source" [label="source\\nSource\\nin: trigger\\nout: out"];',
        '  "sink" [label="sink\\nSink\\nin: in, extra"];',
        '  "the end" [label="the end\\nSink\\nin: in, extra"];',
        '  "source" -> "sink" [label="out → in {value→x}"];',
        '  "source" -> "the end" [label="out → extra"];',
        '}',
      ].join('\n'),
    );
  });

  it('escapes quotes and angle brackets in Mermaid labels', () => {
    const flow = new Flow();
    flow.addRoutine(new Source(), 'a"<b>');
    expect(flow.toMermaid()).to.include('n0["a#quot;#lt;b#gt;<br/>Source');
  });
});
