import { expect } from 'chai';
import { ConfigurationError } from '../../lib/errors/errors.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { ConditionalRouter } from '../../lib/builtins/conditional-router.js';
import { registerPredicate } from '../../lib/builtins/condition.js';
import type { Payload } from '../../lib/core/payload.js';

registerPredicate('specIsEven', (v) => typeof (v as { n?: unknown }).n === 'number' && (v as { n: number }).n % 2 === 0);

/** Sends `payload` and returns [eventName, payload] pairs in emit order. */
function route(router: ConditionalRouter, payload: Payload, slot = 'input'): Array<[string, Payload]> {
  const seen: Array<[string, Payload]> = [];
  for (const event of router.eventList()) event.asObservable().subscribe((p) => seen.push([event.name, p]));
  router.getSlot(slot)!.receive(payload);
  return seen;
}

describe('ConditionalRouter', () => {
  const routes = [
    { name: 'high', when: { priority: 'high' } },
    { name: 'big', when: { value: { $gt: 10 } } },
  ];

  it('is registered and has input, trigger and output', () => {
    expect(defaultRegistry.get('ConditionalRouter')).to.equal(ConditionalRouter);
    const r = new ConditionalRouter();
    expect(r.getSlot('trigger')).to.not.equal(undefined);
    expect(r.getEvent('output')!.outputParams).to.deep.equal(['data', 'route']);
  });

  it('defines one event per route when configured', () => {
    const r = new ConditionalRouter({ routes, defaultRoute: 'rest' });
    expect(r.eventList().map((e) => e.name)).to.deep.equal(['output', 'high', 'big', 'rest']);
    expect(r.getEvent('high')!.outputParams).to.deep.equal(['data', 'route']);
  });

  it('keeps events of routes that were removed, and adds new ones', () => {
    const r = new ConditionalRouter({ routes });
    const high = r.getEvent('high');
    r.setConfig({ routes: [{ name: 'low', when: { priority: 'low' } }] });
    expect(r.getEvent('high')).to.equal(high);
    expect(r.eventList().map((e) => e.name)).to.deep.equal(['output', 'high', 'big', 'low']);
    expect(route(r, { priority: 'high' })).to.deep.equal([['output', { data: { priority: 'high' }, route: 'unmatched' }]]);
  });

  it('routes to the first matching route by default', () => {
    const r = new ConditionalRouter({ routes });
    expect(route(r, { priority: 'high', value: 20 })).to.deep.equal([['high', { data: { priority: 'high', value: 20 }, route: 'high' }]]);
    expect(route(r, { data: { value: 11 } })).to.deep.equal([['big', { data: { value: 11 }, route: 'big' }]]);
  });

  it("routes to every matching route in 'all' mode, in route order", () => {
    const r = new ConditionalRouter({ routes, mode: 'all' });
    expect(route(r, { priority: 'high', value: 20 }).map(([name]) => name)).to.deep.equal(['high', 'big']);
  });

  it("sends unmatched values to output with route 'unmatched'", () => {
    const r = new ConditionalRouter({ routes });
    expect(route(r, { data: { value: 1 } })).to.deep.equal([['output', { data: { value: 1 }, route: 'unmatched' }]]);
    expect(route(new ConditionalRouter(), {})).to.deep.equal([['output', { data: {}, route: 'unmatched' }]]);
  });

  it('sends unmatched values to defaultRoute when set', () => {
    const r = new ConditionalRouter({ routes, defaultRoute: 'rest' });
    expect(route(r, { data: 'text' })).to.deep.equal([['rest', { data: 'text', route: 'rest' }]]);
  });

  it('can use a default route that is also a named route', () => {
    const r = new ConditionalRouter({ routes, defaultRoute: 'big' });
    expect(route(r, { value: 0 })).to.deep.equal([['big', { data: { value: 0 }, route: 'big' }]]);
  });

  it('supports operators, dotted paths and named predicates', () => {
    const r = new ConditionalRouter({
      routes: [
        { name: 'admin', when: { 'user.role': { $in: ['admin', 'root'] } } },
        { name: 'even', when: 'specIsEven' },
        { name: 'either', when: { $or: [{ a: 1 }, { b: { $exists: true } }] } },
      ],
    });
    expect(route(r, { user: { role: 'root' } })[0]![0]).to.equal('admin');
    expect(route(r, { n: 4 })[0]![0]).to.equal('even');
    expect(route(r, { n: 3, b: null })[0]![0]).to.equal('either');
    expect(route(r, { n: 3 })[0]![0]).to.equal('output');
  });

  it('matches non-object values', () => {
    const r = new ConditionalRouter({ routes: [{ name: 'pos', when: { $gt: 0 } }] });
    expect(route(r, { data: 5 })).to.deep.equal([['pos', { data: 5, route: 'pos' }]]);
    expect(route(r, { data: 'x' })[0]![0]).to.equal('output');
  });

  it('works the same on the trigger slot', () => {
    const r = new ConditionalRouter({ routes });
    expect(route(r, { priority: 'high' }, 'trigger')[0]![0]).to.equal('high');
  });

  it('keeps config as plain data', () => {
    const r = new ConditionalRouter({ routes, mode: 'all' });
    expect(JSON.parse(JSON.stringify(r.config()))).to.deep.equal({ routes, mode: 'all' });
  });

  describe('config', () => {
    const bad: Array<[string, Record<string, unknown>, RegExp]> = [
      ['routes not an array', { routes: { a: 1 } }, /routes' must be an array/],
      ['a route without a name', { routes: [{ when: {} }] }, /routes\[0\]' must be/],
      ['a route with an empty name', { routes: [{ name: '', when: {} }] }, /routes\[0\]/],
      ['a route without when', { routes: [{ name: 'a' }] }, /routes\[0\]\.when' is missing/],
      ['duplicate names', { routes: [{ name: 'a', when: {} }, { name: 'a', when: {} }] }, /duplicate route name 'a'/],
      ['an unknown operator', { routes: [{ name: 'a', when: { x: { $nope: 1 } } }] }, /routes\[0\]\.when': invalid query.*\$nope/],
      ['a bad regex', { routes: [{ name: 'a', when: { x: { $regex: '(' } } }] }, /invalid query/],
      ['$where', { routes: [{ name: 'a', when: { $where: 'this.x > 1' } }] }, /'\$where' is not allowed/],
      ['nested $where', { routes: [{ name: 'a', when: { $or: [{ $where: 'true' }] } }] }, /\$or\.0\.\$where/],
      ['an unknown predicate', { routes: [{ name: 'a', when: 'noSuchPredicate' }] }, /unknown predicate 'noSuchPredicate'/],
      ['a function', { routes: [{ name: 'a', when: () => true }] }, /registerPredicate/],
      ['a bad mode', { mode: 'any' }, /mode/],
      ['a bad defaultRoute', { defaultRoute: 3 }, /defaultRoute/],
    ];
    for (const [what, config, message] of bad) {
      it(`rejects ${what} at setConfig and keeps the old config`, () => {
        const r = new ConditionalRouter({ routes: [{ name: 'keep', when: {} }] });
        expect(() => r.setConfig(config)).to.throw(ConfigurationError, message);
        expect(r.config()).to.deep.equal({ routes: [{ name: 'keep', when: {} }] });
        expect(route(r, { x: 1 })[0]![0]).to.equal('keep');
      });
    }

    it('cannot replace a predicate without a function', () => {
      expect(() => registerPredicate('x', 'code' as never)).to.throw(ConfigurationError, /function/);
    });
  });
});
