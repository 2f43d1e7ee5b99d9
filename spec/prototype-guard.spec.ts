// The prototype guard itself is a root hook (spec/root-hooks.ts): after each test of every run,
// serial or parallel, Object.prototype and Array.prototype must hold nothing enumerable.
import { expect } from 'chai';
import { strayPrototypeKeys } from './root-hooks.js';

describe('the prototype guard', () => {
  it('sees nothing enumerable on Object.prototype or Array.prototype', () => {
    for (const proto of [Object.prototype, Array.prototype]) for (const key in proto) throw new Error(`unexpected ${key}`);
  });

  it('finds and removes a stray enumerable key (what its afterEach hook reports)', () => {
    (Array.prototype as unknown as Record<string, unknown>).strayForTheGuard = 1;
    expect(strayPrototypeKeys()).to.deep.equal(['Array.prototype.strayForTheGuard']);
    expect('strayForTheGuard' in Array.prototype).to.equal(false);
  });
});
