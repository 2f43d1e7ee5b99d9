/** LazyAbort: a pool activation's abort, its signal made on first use, like an AbortController's. */
import { expect } from 'chai';
import { LazyAbort } from '../../lib/bullmq/lazy-abort.js';

describe('LazyAbort (a pool activation’s signal, made on first use)', () => {
  it('a signal made before the abort aborts with its reason, once', () => {
    const abort = new LazyAbort();
    const signal = abort.signal;
    let heard = 0;
    signal.addEventListener('abort', () => heard++);
    expect(signal.aborted).to.equal(false);
    abort.abort('first');
    abort.abort('second');
    expect([signal.aborted, signal.reason, heard]).to.deep.equal([true, 'first', 1]);
    expect(abort.signal, 'the same signal every time').to.equal(signal);
  });

  it('a signal made after the abort is aborted already, with the first reason', () => {
    const abort = new LazyAbort();
    abort.abort('first');
    abort.abort('second');
    expect([abort.signal.aborted, abort.signal.reason]).to.deep.equal([true, 'first']);
  });
});
