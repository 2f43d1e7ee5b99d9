import { expect } from 'chai';
import { ConditionalRouter, ConfigurationError, Filter, Flow, type Payload } from '../../lib/index.js';

// Fault 8 of issue 14: a `$regex` condition with nested quantifiers blocks the event loop for
// seconds. Regular expressions in conditions are refused unless the routine's config allows
// them explicitly (`allowRegex: true`).
const EVIL = { value: { $regex: '^(a+)+$' } };

describe('faults: unbounded regular expressions in conditions', () => {
  it('Filter and ConditionalRouter refuse $regex and RegExp values by default, naming the place', () => {
    expect(() => new Filter({ when: EVIL })).to.throw(ConfigurationError, /when.*regular expression is not allowed.*value\.\$regex/);
    expect(() => new Filter({ when: { value: /^(a+)+$/ } })).to.throw(ConfigurationError, 'regular expression is not allowed');
    expect(() => new ConditionalRouter({ routes: [{ name: 'a', when: { $or: [{ x: 1 }, EVIL] } }] })).to.throw(ConfigurationError, /routes\[0\]\.when.*\$or\.1\.value\.\$regex/);
  });

  it('Flow.fromJSON of a flow whose filter has a $regex is refused (conditions may come from untrusted JSON)', () => {
    const flow = new Flow({ flowId: 'rx' });
    flow.addRoutine(new Filter({ when: { value: 'x' } }), 'f');
    const json = JSON.parse(JSON.stringify(flow.toJSON()));
    json.routines[0].config.when = EVIL;
    expect(() => Flow.fromJSON(json)).to.throw(/regular expression is not allowed/);
  });

  it('a refused regex leaves the old config in force', () => {
    const f = new Filter({ when: { value: 'x' } });
    expect(() => f.setConfig({ when: EVIL })).to.throw(ConfigurationError);
    expect(f.getConfig('when')).to.deep.equal({ value: 'x' });
  });

  it('with allowRegex: true the owner of the config vouches for its patterns, and they work', () => {
    const f = new Filter({ when: { value: { $regex: '^ab' } }, allowRegex: true });
    const out: Payload[] = [];
    f.getEvent('output')!.asObservable().subscribe((p) => out.push(p));
    f.getSlot('input')!.receive({ data: { value: 'abc' } });
    f.getSlot('input')!.receive({ data: { value: 'xbc' } });
    expect(out).to.have.length(1);
    expect(() => new Filter({ when: EVIL, allowRegex: 'yes' as never })).to.throw(ConfigurationError, 'allowRegex');
  });

  it('a refused condition does not run the pattern at all (no time spent on the input)', () => {
    const t0 = Date.now();
    expect(() => new Filter({ when: EVIL }).getSlot('input')!.receive({ data: 'a'.repeat(40) + '!' })).to.throw(ConfigurationError);
    // Run, the pattern would backtrack some 2^40 steps (hours): a generous bound still tells the
    // two apart, and a loaded machine's pauses stay well inside it.
    expect(Date.now() - t0).to.be.below(10_000);
  });
});
