import { expect } from 'chai';
import * as builtins from '../../lib/builtins/index.js';
import { defaultRegistry } from '../../lib/serialization/routine-registry.js';
import { Routine } from '../../lib/model/routine.js';
import { inputValue } from '../../lib/builtins/input.js';

const CLASSES = [
  'TextClipper', 'TextRenderer', 'ResultExtractor', 'TimeProvider', 'DataFlattener', 'DataTransformer',
  'DataValidator', 'ConditionalRouter', 'Aggregator', 'Splitter', 'Filter', 'Mapper',
] as const;

describe('builtins index', () => {
  it('exports every built-in class, registered under its class name', () => {
    for (const name of CLASSES) {
      const ctor = builtins[name] as unknown as new () => Routine;
      expect(ctor, name).to.be.a('function');
      expect(defaultRegistry.get(name), name).to.equal(ctor);
      const routine = new ctor();
      expect(routine).to.be.instanceOf(Routine);
      expect(routine.getSlot('input'), `${name} input`).to.not.equal(undefined);
      expect(routine.getSlot('trigger'), `${name} trigger`).to.not.equal(undefined);
    }
  });

  it('exports every register function', () => {
    for (const name of ['registerExtractor', 'registerTransformation', 'registerValidator', 'registerPredicate', 'registerMapper'] as const) {
      expect(builtins[name], name).to.be.a('function');
    }
  });

  it('applies the payload.data rule', () => {
    expect(inputValue({ data: [1] })).to.deep.equal([1]);
    expect(inputValue({ data: undefined, x: 1 })).to.equal(undefined);
    expect(inputValue({ x: 1 })).to.deep.equal({ x: 1 });
    expect(builtins.inputValue).to.equal(inputValue);
  });
});
