import { expect } from 'chai';
import { TestScheduler } from 'rxjs/testing';
import { Flow } from '../../lib/flow/flow.js';
import type { Payload } from '../../lib/core/payload.js';
import {
  Aggregator,
  ConditionalRouter,
  DataFlattener,
  DataTransformer,
  DataValidator,
  Filter,
  Mapper,
  ResultExtractor,
  Splitter,
  TextClipper,
  TextRenderer,
  TimeProvider,
  registerMapper,
  registerTransformation,
} from '../../lib/builtins/index.js';

registerTransformation('specInFlowExclaim', (v) => `${String(v)}!`);
registerMapper('specInFlowWrap', (v) => ({ wrapped: v }));

/** A flow with every built-in of this module, wired source → ... → sink. */
function buildFlow(): Flow {
  const flow = new Flow({ flowId: 'all-builtins' });
  flow.addRoutine(new Splitter(), 'split');
  flow.addRoutine(new DataTransformer({ transformations: ['uppercase', 'specInFlowExclaim'] }), 'shout');
  flow.addRoutine(new Aggregator({ expectedCount: 2 }), 'collect');
  flow.addRoutine(new ConditionalRouter({ routes: [{ name: 'pair', when: { count: 2 } }], mode: 'all' }), 'route');
  flow.addRoutine(new Filter({ when: { count: { $gte: 1 } } }), 'keep');
  flow.addRoutine(new Mapper({ transform: 'specInFlowWrap' }), 'wrap');
  flow.addRoutine(new DataValidator({ rules: { wrapped: 'isObject' }, requiredFields: ['wrapped'] }), 'check');
  flow.addRoutine(new DataFlattener({ separator: '/' }), 'flat');
  flow.addRoutine(new TextRenderer({ format: 'markdown' }), 'render');
  flow.addRoutine(new TextClipper({ maxLength: 500 }), 'clip');
  flow.addRoutine(new ResultExtractor({ strategy: 'first_match' }), 'extract');
  flow.addRoutine(new TimeProvider({ format: 'timestamp' }), 'clock');
  flow.connect('split', 'output', 'shout', 'input', { item: 'data' });
  flow.connect('shout', 'output', 'collect', 'input', { transformedData: 'data' });
  flow.connect('collect', 'output', 'route', 'input');
  flow.connect('route', 'pair', 'keep', 'input');
  flow.connect('keep', 'output', 'wrap', 'input');
  flow.connect('wrap', 'output', 'check', 'input');
  flow.connect('check', 'valid', 'flat', 'input', { validatedData: 'data' });
  flow.connect('flat', 'output', 'render', 'input', { flattened: 'data' });
  flow.connect('render', 'output', 'clip', 'input', { renderedText: 'data' });
  flow.connect('clip', 'output', 'extract', 'input', { clippedText: 'data' });
  flow.connect('extract', 'output', 'clock', 'trigger');
  return flow;
}

async function runFlow(flow: Flow): Promise<{ status: string; extracted: Payload[]; ticks: number }> {
  const extracted: Payload[] = [];
  let ticks = 0;
  flow.observe('extract', 'output').subscribe((p) => extracted.push(p));
  flow.observe('clock', 'output').subscribe(() => ticks++);
  const state = await flow.execute('split', { items: ['a', 'b'] });
  return { status: state.status, extracted, ticks };
}

describe('built-ins inside a flow', () => {
  it('run end to end from a trigger', async () => {
    const { status, extracted, ticks } = await runFlow(buildFlow());
    expect(status).to.equal('completed');
    expect(extracted).to.have.length(1);
    expect(extracted[0]!.extractedResult).to.equal(
      // The Filter forwards the router's { data, route } payload; the Mapper works on its data.
      '- **wrapped/items/0**: A!\n- **wrapped/items/1**: B!\n- **wrapped/count**: 2',
    );
    expect(ticks).to.equal(1);
  });

  it('round-trip through JSON with their config and behave the same', async () => {
    const flow = buildFlow();
    const json = JSON.stringify(flow.toJSON());
    const copy = Flow.fromJSON(json);
    expect(JSON.stringify(copy.toJSON())).to.equal(json);
    const routines = (JSON.parse(json) as { routines: Array<{ id: string; type: string; config: unknown }> }).routines;
    expect(routines.map((r) => r.type)).to.deep.equal([
      'Splitter', 'DataTransformer', 'Aggregator', 'ConditionalRouter', 'Filter', 'Mapper',
      'DataValidator', 'DataFlattener', 'TextRenderer', 'TextClipper', 'ResultExtractor', 'TimeProvider',
    ]);
    expect(copy.getRoutine('route')!.getEvent('pair')).to.not.equal(undefined);
    expect(await runFlow(copy)).to.deep.equal(await runFlow(buildFlow()));
  });

  it('keep Aggregator collections apart across concurrent jobs', async () => {
    const flow = new Flow({ flowId: 'agg', executionStrategy: 'concurrent', maxWorkers: 4 });
    flow.addRoutine(new Splitter(), 's');
    flow.addRoutine(new Aggregator({ expectedCount: 3 }), 'a');
    flow.connect('s', 'output', 'a', 'input', { item: 'data' });
    const jobs = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].map((items) => flow.start('s', { items }));
    const outputs = jobs.map((job) => {
      const seen: Payload[] = [];
      job.observe('a', 'output').subscribe((p) => seen.push(p));
      return seen;
    });
    const states = await Promise.all(jobs.map((job) => job.wait()));
    expect(states.map((s) => s.status)).to.deep.equal(['completed', 'completed', 'completed']);
    expect(outputs).to.deep.equal([
      [{ items: [1, 2, 3], count: 3 }],
      [{ items: [4, 5, 6], count: 3 }],
      [{ items: [7, 8, 9], count: 3 }],
    ]);
  });

  it('give TimeProvider the flow scheduler clock (virtual time)', () => {
    const scheduler = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    const seen: Payload[] = [];
    scheduler.run(({ flush }) => {
      const flow = new Flow({ flowId: 'clock', scheduler });
      flow.addRoutine(new TimeProvider({ format: 'custom', customFormat: 'HH:mm:ss.SSS', timeZone: 'UTC' }), 'clock');
      flow.observe('clock', 'output').subscribe((p) => seen.push(p));
      scheduler.schedule(() => flow.start('clock'), 61_234);
      flush();
    });
    expect(seen).to.have.length(1);
    expect(seen[0]).to.deep.include({ timeString: '00:01:01.234', timestamp: 61_234, datetime: '1970-01-01T00:01:01.234Z' });
  });
});
