import { expect } from 'chai';
import {
  ConnectionJSON,
  ErrorHandler,
  ErrorHandlerJSON,
  Flow,
  FlowJSON,
  Routine,
  RoutineJSON,
  RoutineRegistry,
  SerializationError,
  registerErrorType,
  registerMergeStrategy,
  registerRoutine,
  routineType,
  type JobState,
  type Payload,
} from '../../lib/index.js';
import { plainToInstance } from 'class-transformer';
import { thrown } from '../fixtures/helpers.js';

// Names are prefixed: the registries are global to the mocha process.
class QuotaError extends Error {
  override name = 'QuotaError';
}
registerErrorType('FlowJsonSpec.QuotaError', QuotaError);
registerMergeStrategy('flowJsonSpec.sum', (previous, incoming) => ({
  total: ((previous.total as number | undefined) ?? 0) + (incoming.amount as number),
}));

/** Emits one `item` per entry of `items`, tagged with its config's `tag`. */
@routineType('FlowJsonSpec.Source')
class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('item', ['value', 'tag']);
    this.defineSlot<{ items: number[] }>('trigger', (data) => {
      for (const value of data.items) this.emit('item', { value, tag: this.getConfig('tag', 'none') });
    });
  }
}

/** Sums what reaches it with the registered 'flowJsonSpec.sum' merge (set on the instance, not here). */
class Summer extends Routine {
  constructor() {
    super();
    this.defineEvent('sum', ['total']);
    this.defineSlot('in', (data) => this.emit('sum', { total: data.total }));
  }
}
registerRoutine('FlowJsonSpec.Summer', Summer);

/** Keeps everything it gets (append) and reports it as output. */
class Collector extends Routine {
  constructor() {
    super();
    this.defineSlot('in', (data) => this.sendOutput('collected', data), { mergeStrategy: 'append' });
  }
}
registerRoutine('FlowJsonSpec.Collector', Collector);

/** `in` → `out` with one more hop; the regression chain uses 100 of these, all named alike. */
class Hop extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['hops']);
    this.defineSlot<{ hops: number }>('in', (data, ctx) => {
      ctx.updateRoutineState({ sawHops: data.hops });
      this.emit('out', { hops: data.hops + 1 });
    });
  }
}
registerRoutine('FlowJsonSpec.Hop', Hop);

/** The end of the chain: reports what arrived. */
class End extends Routine {
  constructor() {
    super();
    this.defineSlot('in', (data) => this.sendOutput('arrived', data));
  }
}
registerRoutine('FlowJsonSpec.End', End);

class Unregistered extends Routine {
  constructor() {
    super();
    this.defineSlot('in');
  }
}

function richFlow(): Flow {
  const flow = new Flow({
    flowId: 'rich',
    executionStrategy: 'concurrent',
    maxWorkers: 3,
    executionTimeout: 5_000,
    errorHandler: new ErrorHandler({ strategy: 'continue' }),
  });
  const source = new Source();
  source.setConfig({ tag: 'blue', limits: { max: 3 }, list: [1, 'two'] });
  source.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 10, backoffMultiplier: 3, retryableErrors: [TypeError, QuotaError] }));
  flow.addRoutine(source, 'source');
  const summer = new Summer();
  summer.getSlot('in')!.setMergeStrategy('flowJsonSpec.sum'); // replaces the constructor's 'override'
  summer.setErrorHandler(new ErrorHandler({ strategy: 'skip' }));
  flow.addRoutine(summer, 'summer');
  flow.addRoutine(new Collector(), 'collector');
  flow.connect('source', 'item', 'summer', 'in', { value: 'amount' });
  flow.connect('source', 'item', 'collector', 'in');
  flow.connect('summer', 'sum', 'collector', 'in', { total: 'sum' });
  return flow;
}

function outputsOf(state: JobState): Payload[] {
  return state.outputLog.map((o) => o.data);
}

/** A chain r0 → r1 → … → r{n-2} of Hops into an End, every edge 'out' → 'in'. */
function chain(n: number): Flow {
  const flow = new Flow({ flowId: `chain-${n}` });
  for (let i = 0; i < n - 1; i++) flow.addRoutine(new Hop(), `r${i}`);
  flow.addRoutine(new End(), `r${n - 1}`);
  for (let i = 0; i < n - 1; i++) flow.connect(`r${i}`, 'out', `r${i + 1}`, 'in');
  return flow;
}

describe('flow JSON', () => {
  describe('round trip', () => {
    it('has the documented shape', () => {
      const json = richFlow().toJSON();
      expect(json).to.deep.include({ format: 'routilux.flow', version: 1, flowId: 'rich', executionStrategy: 'concurrent', maxWorkers: 3, executionTimeout: 5_000 });
      expect(json.errorHandler).to.deep.include({ strategy: 'continue' });
      expect(json.routines.map((r) => [r.id, r.type])).to.deep.equal([
        ['source', 'FlowJsonSpec.Source'],
        ['summer', 'FlowJsonSpec.Summer'],
        ['collector', 'FlowJsonSpec.Collector'],
      ]);
      expect(json.routines[0].config).to.deep.equal({ tag: 'blue', limits: { max: 3 }, list: [1, 'two'] });
      expect(json.routines[0].errorHandler).to.deep.equal({
        strategy: 'retry', maxRetries: 2, retryDelay: 10, backoffMultiplier: 3, isCritical: false, retryableErrors: ['TypeError', 'FlowJsonSpec.QuotaError'],
      });
      expect(json.routines[1].slots).to.deep.equal({ in: { mergeStrategy: 'flowJsonSpec.sum' } });
      expect(json.routines[2].slots).to.deep.equal({ in: { mergeStrategy: 'append' } });
      expect(json.connections).to.deep.equal([
        { sourceId: 'source', eventName: 'item', targetId: 'summer', slotName: 'in', paramMapping: { value: 'amount' } },
        { sourceId: 'source', eventName: 'item', targetId: 'collector', slotName: 'in', paramMapping: {} },
        { sourceId: 'summer', eventName: 'sum', targetId: 'collector', slotName: 'in', paramMapping: { total: 'sum' } },
      ]);
      // Plain data: JSON text round-trips it exactly.
      expect(JSON.parse(JSON.stringify(json))).to.deep.equal(json);
    });

    it('copies the object form: a later change to the caller’s object never reaches the loaded flow', () => {
      const json = richFlow().toJSON();
      const copy = Flow.fromJSON(json);
      (json.routines[0].config.limits as { max: number }).max = 99;
      json.connections[0].paramMapping.value = 'changed';
      expect(copy.getRoutine('source')!.config()).to.deep.equal({ tag: 'blue', limits: { max: 3 }, list: [1, 'two'] });
      expect(copy.connections[0].toJSON().paramMapping).to.deep.equal({ value: 'amount' });
    });

    it('keeps class-transformer’s @Type on the JSON classes: plainToInstance types the whole graph, and Flow.fromJSON reads it', () => {
      const dto = plainToInstance(FlowJSON, richFlow().toJSON());
      expect(dto).to.be.instanceOf(FlowJSON);
      expect(dto.errorHandler).to.be.instanceOf(ErrorHandlerJSON);
      expect(dto.routines[0]).to.be.instanceOf(RoutineJSON);
      expect(dto.routines[0].errorHandler).to.be.instanceOf(ErrorHandlerJSON);
      expect(dto.connections[0]).to.be.instanceOf(ConnectionJSON);
      const copy = Flow.fromJSON(dto);
      expect(JSON.parse(JSON.stringify(copy))).to.deep.equal(JSON.parse(JSON.stringify(richFlow())));
    });

    it('gives the same flow back from the JSON text or the object', () => {
      const flow = richFlow();
      const text = JSON.stringify(flow);
      for (const input of [text, JSON.parse(text) as unknown, flow.toJSON()]) {
        const copy = Flow.fromJSON(input);
        expect(JSON.parse(JSON.stringify(copy))).to.deep.equal(JSON.parse(text));
        expect(copy.flowId).to.equal('rich');
        expect(copy.executionStrategy).to.equal('concurrent');
        expect(copy.maxWorkers).to.equal(3);
        expect(copy.executionTimeout).to.equal(5_000);
        expect(copy.errorHandler!.strategy).to.equal('continue');

        const source = copy.getRoutine('source')!;
        expect(source).to.be.instanceOf(Source);
        expect(source.config()).to.deep.equal({ tag: 'blue', limits: { max: 3 }, list: [1, 'two'] });
        const handler = source.getErrorHandler()!;
        expect([handler.strategy, handler.maxRetries, handler.retryDelay, handler.backoffMultiplier]).to.deep.equal(['retry', 2, 10, 3]);
        expect(handler.retryableErrors).to.deep.equal([TypeError, QuotaError]);
        expect(handler.isRetryable(new QuotaError())).to.equal(true);
        expect(handler.isRetryable(new RangeError())).to.equal(false);

        const summer = copy.getRoutine('summer')!;
        expect(summer).to.be.instanceOf(Summer);
        expect(summer.getSlot('in')!.mergeStrategy).to.equal('flowJsonSpec.sum');
        expect(summer.getErrorHandler()!.strategy).to.equal('skip');
        expect(copy.getRoutine('collector')).to.be.instanceOf(Collector);
        expect(copy.getRoutine('collector')!.getSlot('in')!.mergeStrategy).to.equal('append');

        expect(copy.connections.map((c) => [c.sourceId, c.eventName, c.targetId, c.slotName, c.paramMapping])).to.deep.equal(
          flow.connections.map((c) => [c.sourceId, c.eventName, c.targetId, c.slotName, c.paramMapping]),
        );
      }
    });

    it('runs the copy exactly like the original (merges, mappings and config included)', async () => {
      const flow = richFlow();
      const copy = Flow.fromJSON(JSON.stringify(flow));
      flow.setExecutionStrategy('sequential');
      copy.setExecutionStrategy('sequential');
      const original = await flow.execute('source', { items: [1, 2, 3] });
      const restored = await copy.execute('source', { items: [1, 2, 3] });
      expect(restored.status).to.equal('completed');
      expect(outputsOf(restored)).to.deep.equal(outputsOf(original));
      // The registered sum merge ran: totals 1, 3, 6 arrived mapped to `sum`.
      expect(restored.slotData['summer.in']).to.deep.equal({ total: 6 });
      const last = outputsOf(restored).at(-1)!;
      expect(last.sum).to.deep.equal([1, 3, 6]);
      expect(last.tag).to.deep.equal(['blue', 'blue', 'blue']);
    });

    it('rebuilds every connection of 100 routines of one class with the same event and slot names', async () => {
      const flow = chain(100);
      const copy = Flow.fromJSON(JSON.stringify(flow));
      expect(copy.connections).to.have.length(99);
      copy.connections.forEach((c, i) => {
        expect([c.sourceId, c.eventName, c.targetId, c.slotName]).to.deep.equal([`r${i}`, 'out', `r${i + 1}`, 'in']);
      });
      const state = await copy.execute('r0', { hops: 0 }, { slot: 'in' });
      expect(state.status).to.equal('completed');
      expect(outputsOf(state)).to.deep.equal([{ hops: 99 }]);
      for (let i = 0; i < 99; i++) {
        expect(state.getRoutineState(`r${i}`), `r${i}`).to.deep.include({ activations: 1, sawHops: i });
      }
      expect(state.getRoutineState('r99')!.activations).to.equal(1);
    });

    it('takes routine classes from a given registry', async () => {
      const registry = new RoutineRegistry();
      class Other extends Routine {
        constructor() {
          super();
          this.defineSlot('in', (data) => this.sendOutput('other', data));
        }
      }
      registry.register('Only.Here', Other);
      const json = { format: 'routilux.flow', version: 1, flowId: 'reg', executionStrategy: 'sequential', maxWorkers: 1, routines: [{ id: 'o', type: 'Only.Here', config: {}, slots: { in: { mergeStrategy: 'override' } } }], connections: [] };
      const flow = Flow.fromJSON(json, { registry });
      expect(flow.getRoutine('o')).to.be.instanceOf(Other);
      thrown(() => Flow.fromJSON(json), SerializationError, "routines[0].type", "'Only.Here'");
    });
  });

  describe('bad input: a SerializationError naming the path', () => {
    function goodJSON(): Record<string, any> {
      return JSON.parse(JSON.stringify(richFlow()));
    }

    it('malformed JSON text', () => {
      thrown(() => Flow.fromJSON('{"format": "routilux.flow", '), SerializationError, 'malformed JSON');
      thrown(() => Flow.fromJSON('[]'), SerializationError, '(root)');
      thrown(() => Flow.fromJSON(42), SerializationError, '(root)');
    });

    it('a value that is not data (a function) in the object form', () => {
      const json = goodJSON();
      json.routines[0].config.onLoad = () => 1;
      thrown(() => Flow.fromJSON(json), SerializationError, 'flow JSON', 'routines[0].config.onLoad', 'cannot be copied');
    });

    it('wrong format or version', () => {
      thrown(() => Flow.fromJSON({ ...goodJSON(), format: 'routilux.job' }), SerializationError, 'format', 'routilux.flow');
      thrown(() => Flow.fromJSON({ ...goodJSON(), format: undefined }), SerializationError, 'format');
      thrown(() => Flow.fromJSON({ ...goodJSON(), version: 2 }), SerializationError, 'version', '2');
      thrown(() => Flow.fromJSON({ ...goodJSON(), version: '1' }), SerializationError, 'version');
    });

    it('an unknown routine type', () => {
      const json = JSON.parse(JSON.stringify(chain(6)));
      json.routines[3].type = 'Foo';
      thrown(() => Flow.fromJSON(json), SerializationError, "routines[3].type: unknown routine type 'Foo'");
    });

    it('an unknown merge strategy name', () => {
      const json = goodJSON();
      json.routines[1].slots.in.mergeStrategy = 'no-such-merge';
      thrown(() => Flow.fromJSON(json), SerializationError, 'routines[1].slots.in.mergeStrategy', 'no-such-merge');
    });

    it('a slot the routine type does not have', () => {
      const json = goodJSON();
      json.routines[2].slots.ghost = { mergeStrategy: 'override' };
      thrown(() => Flow.fromJSON(json), SerializationError, 'routines[2].slots.ghost');
    });

    it('a connection to a missing routine, event or slot', () => {
      const json = goodJSON();
      json.connections[1].targetId = 'ghost';
      thrown(() => Flow.fromJSON(json), SerializationError, 'connections[1]', 'ghost');
      const json2 = goodJSON();
      json2.connections[2].eventName = 'nope';
      thrown(() => Flow.fromJSON(json2), SerializationError, 'connections[2]', 'nope');
      const json3 = goodJSON();
      json3.connections[0].slotName = 'nope';
      thrown(() => Flow.fromJSON(json3), SerializationError, 'connections[0]', 'nope');
    });

    it('wrong field types', () => {
      thrown(() => Flow.fromJSON({ ...goodJSON(), routines: {} }), SerializationError, 'routines');
      thrown(() => Flow.fromJSON({ ...goodJSON(), connections: 'x' }), SerializationError, 'connections');
      thrown(() => Flow.fromJSON({ ...goodJSON(), executionStrategy: 'parallel' }), SerializationError, 'executionStrategy');
      const json = goodJSON();
      json.routines[0].id = 7;
      thrown(() => Flow.fromJSON(json), SerializationError, 'routines[0].id');
      const dup = goodJSON();
      dup.routines[1].id = 'source';
      thrown(() => Flow.fromJSON(dup), SerializationError, 'routines[1].id');
    });

    it('an unknown retryable error name', () => {
      const json = goodJSON();
      json.routines[0].errorHandler.retryableErrors = ['TypeError', 'NoSuchError'];
      thrown(() => Flow.fromJSON(json), SerializationError, 'routines[0].errorHandler.retryableErrors[1]', 'NoSuchError');
    });

    it('toJSON of an unregistered routine class', () => {
      const flow = richFlow();
      flow.addRoutine(new Unregistered(), 'mystery');
      thrown(() => flow.toJSON(), SerializationError, 'routines[3].type', 'Unregistered', 'registerRoutine');
      thrown(() => JSON.stringify(flow), SerializationError, 'routines[3].type');
    });

    it('toJSON of an inline merge function', () => {
      const flow = new Flow({ flowId: 'inline' });
      const collector = new Collector();
      collector.getSlot('in')!.setMergeStrategy((previous, incoming) => ({ ...previous, ...incoming }));
      flow.addRoutine(collector, 'c');
      thrown(() => flow.toJSON(), SerializationError, 'routines[0].slots.in.mergeStrategy', 'registerMergeStrategy');
    });

    it('toJSON of an unregistered retryable error class', () => {
      class Local extends Error {}
      const flow = new Flow({ flowId: 'local-error' });
      const c = new Collector();
      c.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryableErrors: [Local] }));
      flow.addRoutine(c, 'c');
      thrown(() => flow.toJSON(), SerializationError, 'routines[0].errorHandler.retryableErrors[0]', 'registerErrorType');
    });
  });
});
