import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Issue 21 (chain10 within 2.5x of the FIFO floor): V8 drops an object shape in a full GC once
 * no object has it, and deoptimizes every function that checks it ("weak objects").
 * Activation contexts live no longer than their activation, so without a context kept for the
 * shape, every full GC between two bursts of work threw the activation path's optimized code
 * away; so did a closure per dispatch loop in the async-context enterer. The child runs chain
 * jobs on one flow with a forced GC before each, and prints V8's (de)optimization traces.
 */
describe('ActivationContext shape across a full GC with no activation running', function () {
  this.timeout(60_000);

  let out = '';
  let dropped: string[] = [];
  before(() => {
    out = execFileSync(process.execPath, ['--expose-gc', '--trace-opt', '--trace-deopt', '--import', 'tsx', join(root, 'spec', 'fixtures', 'context-shape-child.ts')], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    dropped = [...out.matchAll(/marking dependent code .*<SharedFunctionInfo ([^>]+)>.* reason: weak objects/g)].map((m) => m[1]);
  });

  it("keeps the optimized code of the context's own methods through the GC", () => {
    expect(out).to.match(/^done$/m);
    const CONTEXT_OWN = ['ActivationContext', 'end', 'get ended', 'get seq', 'get silenced', 'get checking', 'emitEvent', 'deliver'];
    // Not vacuous: V8 did optimize the context's own code in this run.
    const optimized = new Set([...out.matchAll(/completed optimizing .*<JSFunction ([^(>]+?) \(sfi/g)].map((m) => m[1]));
    expect(CONTEXT_OWN.filter((name) => optimized.has(name)), 'context methods V8 optimized').to.not.be.empty;
    // These check only the context's shape: with it kept, no GC drops their code.
    const own = dropped.filter((name) => CONTEXT_OWN.includes(name));
    expect(own, 'context methods deoptimized for weak objects').to.deep.equal([]);
  });

  it('keeps the dispatch path optimized too: the async-context enterer is one function, not one per loop', () => {
    expect(out).to.match(/^done$/m);
    expect(out, 'V8 optimized activate in this run').to.match(/completed optimizing .*<JSFunction activate \(sfi/);
    // A closure per loop over that loop's async resource was inlined with the resource as a
    // constant; once the resource died, the next GC dropped the code of both.
    expect(dropped.filter((name) => name === 'runActivation' || name === 'activate'), 'dispatch path deoptimized for weak objects').to.deep.equal([]);
  });
});
