import { expect } from 'chai';
import fc from 'fast-check';
import { ConfigurationError, Flow, Routine, RoutineRegistry, registerErrorType } from '../../lib/index.js';
import { flowProblems } from '../../lib/cli/flow-problems.js';
import { flowToJSON } from '../../lib/serialization/flow-json.js';

// Issue 20: `routilux validate` lists every problem with its path; nothing passes that Flow.fromJSON rejects.
class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', () => undefined);
  }
  override setConfig(values: Record<string, unknown>): void {
    if ('size' in values && typeof values.size !== 'number') throw new ConfigurationError(`Source: size must be a number, got ${typeof values.size}`);
    super.setConfig(values);
  }
}
class Sink extends Routine {
  constructor() {
    super();
    this.defineSlot('in', () => undefined);
  }
}
const registry = new RoutineRegistry();
registry.register('Source', Source);
registry.register('Sink', Sink);

function flowJSON(): Record<string, any> {
  const flow = new Flow({ flowId: 'p' });
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(new Sink(), 'sink');
  flow.connect('src', 'out', 'sink', 'in', { a: 'b' });
  return JSON.parse(JSON.stringify(flowToJSON(flow, registry)));
}
const problems = (json: unknown) => flowProblems(typeof json === 'string' ? json : JSON.stringify(json), registry).map((p) => `${p.path}: ${p.message}`);

describe('flowProblems (routilux validate)', () => {
  it('a valid flow has none', () => {
    expect(problems(flowJSON())).to.deep.equal([]);
  });

  it('malformed JSON and a non-object root are one problem each', () => {
    expect(problems('{"format":')).to.have.length(1);
    expect(problems('{"format":')[0]).to.match(/^\(root\): malformed JSON/);
    expect(problems('[]')).to.deep.equal(['(root): expected an object, got an array']);
  });

  it('header, settings and the flow error policy', () => {
    const json = { ...flowJSON(), format: 'x', version: 9, executionStrategy: 'parallel', historyLimit: 'lots', errorHandler: { strategy: 'retry', maxRetries: 'three', retryableErrors: ['NoSuchError'] } };
    expect(problems(json)).to.deep.equal([
      "format: expected 'routilux.flow', got \"x\"",
      'version: unsupported version 9; this library reads version 1',
      "executionStrategy: expected one of 'sequential', 'concurrent', got \"parallel\"",
      'historyLimit: expected a number, got "lots"',
      'errorHandler.maxRetries: expected a number, got "three"',
      "errorHandler.retryableErrors[0]: unknown error type 'NoSuchError'; register it with registerErrorType",
    ]);
  });

  it('settings that do not go together, as the Flow constructor says', () => {
    const [problem] = problems({ ...flowJSON(), executionStrategy: 'sequential', maxWorkers: 3 });
    expect(problem).to.match(/^\(root\): .*sequential/);
  });

  it('config the class rejects, a routine error policy', () => {
    registerErrorType('FlowProblemsSpecError', class FlowProblemsSpecError extends Error {});
    const json = flowJSON();
    json.routines[0].config = { size: 'big' };
    json.routines[1].errorHandler = { strategy: 'sometimes', retryableErrors: ['FlowProblemsSpecError'] };
    expect(problems(json)).to.deep.equal([
      'routines[0].config: Source: size must be a number, got string',
      "routines[1].errorHandler.strategy: expected one of 'stop', 'continue', 'retry', 'skip', got \"sometimes\"",
    ]);
  });

  it('connections naming what is not there, and routines whose class is unknown are reported once', () => {
    const json = flowJSON();
    json.routines[1].type = 'Nope';
    json.connections.push({ sourceId: 'src', eventName: 'out', targetId: 'src', slotName: 'nothing', paramMapping: {} });
    json.connections.push({ eventName: 'out', targetId: 7, slotName: 'in' });
    expect(problems(json)).to.deep.equal([
      "routines[1].type: unknown routine type 'Nope'; registered types: Source, Sink",
      "connections[1].slotName: routine 'src' has no slot 'nothing'; its slots: trigger",
      'connections[2].sourceId: expected a string, got undefined',
      'connections[2].targetId: expected a string, got number 7',
    ]);
  });

  it('property: whatever a flow JSON is changed into, no problems means Flow.fromJSON accepts it', () => {
    const paths: Array<(j: Record<string, any>, v: unknown) => void> = [
      (j, v) => (j.flowId = v),
      (j, v) => (j.maxWorkers = v),
      (j, v) => (j.routines[0].id = v),
      (j, v) => (j.routines[1].type = v),
      (j, v) => (j.routines[0].config = v),
      (j, v) => (j.routines[1].slots = v),
      (j, v) => (j.connections[0].eventName = v),
      (j, v) => (j.connections[0].targetId = v),
      (j, v) => (j.connections[0].paramMapping = v),
      (j, v) => (j.errorHandler = v),
    ];
    const values = fc.oneof(fc.constantFrom('src', 'sink', 'out', 'in', 'Source', 'Sink', 'trigger', 0, 1, 5, -1), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(paths.length - 1), values), { minLength: 1, maxLength: 3 }), (edits) => {
        const json = flowJSON();
        for (const [i, v] of edits) paths[i](json, v);
        const text = JSON.stringify(json);
        const found = flowProblems(text, registry);
        let accepted = true;
        try {
          Flow.fromJSON(text, { registry });
        } catch {
          accepted = false;
        }
        if (found.length === 0) expect(accepted, text).to.equal(true);
        else expect(accepted, `${text}\n${found.map((p) => `${p.path}: ${p.message}`).join('\n')}`).to.equal(false);
        for (const p of found) expect(p.path).to.be.a('string').and.not.equal('');
      }),
      { numRuns: 300 },
    );
  });
});
