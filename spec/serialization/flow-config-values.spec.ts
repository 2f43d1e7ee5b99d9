import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { Flow, Routine, SerializationError, registerRoutine } from '../../lib/index.js';
import { thrown } from '../fixtures/helpers.js';

// Issue 15, point 2, for flow JSON: a routine config is saved exactly (Dates stay Dates) or
// flow.toJSON() fails naming the path of what cannot be saved — never a silent drop.

/** Takes any config. */
class Holder extends Routine {
  constructor() {
    super();
    this.defineSlot('in', () => {});
  }
}
registerRoutine('FlowConfigValues.Holder', Holder);

function flowWith(...configs: Array<Record<string, unknown>>): Flow {
  const flow = new Flow({ flowId: 'config-values' });
  configs.forEach((config, i) => {
    const routine = new Holder();
    routine.setConfig(config);
    flow.addRoutine(routine, `h${i}`);
  });
  return flow;
}

describe('flow JSON: values in routine configs', () => {
  it('flow.toJSON() refuses a function in a config with a SerializationError naming routines[i].config.<key>', () => {
    const flow = flowWith({ n: 1 }, { n: 2 }, { n: 3 }, { n: 4, onLoad: function onLoad() {} });
    thrown(() => flow.toJSON(), SerializationError, 'routines[3].config.onLoad: cannot save a function (onLoad)');
    thrown(() => JSON.stringify(flow), SerializationError, 'routines[3].config.onLoad');
  });

  it('names the exact path of anything else that is not data, however deep', () => {
    class Client {
      url = 'https://example.org';
    }
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ hooks: { list: [1, () => 2] } }, 'routines[0].config.hooks.list[1]: cannot save a function'],
      [{ 'odd key': { client: new Client() } }, `routines[0].config["odd key"].client: cannot save an instance of Client, which is not registered`],
      [{ tag: Symbol('t') }, 'routines[0].config.tag: cannot save a symbol'],
      [{ byName: new Map([['x', () => 1]]) }, 'routines[0].config.byName.get("x"): cannot save a function'],
    ];
    for (const [config, message] of cases) thrown(() => flowWith(config).toJSON(), SerializationError, message);
  });

  it('a config holding Dates, Maps, Sets, BigInts, undefined, NaN and RegExps comes back exactly through Flow.fromJSON of the JSON text', () => {
    const shared = { id: 7 };
    const config = {
      since: new Date(Date.UTC(2024, 0, 2)),
      limits: new Map<string, bigint>([['daily', 10n ** 20n]]),
      tags: new Set(['a', 'b']),
      off: undefined,
      ratio: NaN,
      floor: -0,
      ceiling: -Infinity,
      pattern: /^a+$/iu,
      nested: { when: new Date(1), list: [new Date(2), 'plain'] },
      first: shared,
      second: shared,
      plain: { n: 1, s: 'x' },
    };
    const flow = flowWith({ n: 1 }, config);
    const copy = Flow.fromJSON(JSON.stringify(flow));
    const got = copy.getRoutine('h1')!.config() as typeof config;
    expect(isDeepStrictEqual(got, config)).to.equal(true);
    expect(got.second).to.equal(got.first); // one object held twice stays one object
    expect(copy.getRoutine('h0')!.config()).to.deep.equal({ n: 1 });
    // The object form reads the same.
    expect(isDeepStrictEqual(Flow.fromJSON(flow.toJSON()).getRoutine('h1')!.config(), config)).to.equal(true);
  });

  it('writes a plain config as plain JSON (flow JSON stays version 1); only values JSON cannot carry are wrapped', () => {
    const json = JSON.parse(JSON.stringify(flowWith({ n: 1, s: 'x', list: [1, { a: true }] }, { since: new Date(0), n: 2 })));
    expect(json.version).to.equal(1);
    expect(json.routines[0].config).to.deep.equal({ n: 1, s: 'x', list: [1, { a: true }] });
    expect(json.routines[1].config.n).to.equal(2);
    expect(json.routines[1].config.since).to.deep.equal({ $superjson: { json: '1970-01-01T00:00:00.000Z', meta: { values: ['Date'], v: 1 } } });
  });

  it('keeps config data that looks like a wrapper, and "__proto__" keys, as data', () => {
    const look = { $superjson: { json: 1, meta: { values: ['bigint'], v: 1 } } };
    const hostile = JSON.parse('{"__proto__": {"isAdmin": true}, "when": 1}') as Record<string, unknown>;
    hostile.when = new Date(5);
    const copy = Flow.fromJSON(JSON.stringify(flowWith({ look, hostile })));
    const got = copy.getRoutine('h0')!.config() as { look: unknown; hostile: Record<string, unknown> };
    expect(got.look).to.deep.equal(look);
    expect(Object.getPrototypeOf(got.hostile)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(got.hostile, '__proto__')!.value).to.deep.equal({ isAdmin: true });
    expect(got.hostile.when).to.be.instanceOf(Date);
  });

  it('a malformed wrapper is a SerializationError naming its path', () => {
    const json = JSON.parse(JSON.stringify(flowWith({ since: new Date(0) })));
    json.routines[0].config.since.$superjson.meta = { values: ['Date'], v: 2 };
    thrown(() => Flow.fromJSON(json), SerializationError, 'flow JSON: routines[0].config', '$superjson.meta.v');
    json.routines[0].config.since.$superjson = { json: 'x', extra: 1 };
    thrown(() => Flow.fromJSON(json), SerializationError, 'flow JSON: routines[0].config', 'unknown key "extra"');
  });
});
