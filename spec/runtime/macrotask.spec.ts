import { expect } from 'chai';
import { MessageChannel } from 'node:worker_threads';
import { macrotask, pickMacrotask, type MacrotaskHost } from '../../lib/runtime/macrotask.js';

// The dispatcher's zero-delay hand-off without setImmediate (issue 16: a browser has none).
describe('macrotask (the hand-off to a new macrotask)', () => {
  const order = (schedule: (fn: () => void) => void) =>
    new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      schedule(() => seen.push('a'));
      schedule(() => seen.push('b'));
      schedule(() => {
        seen.push('c');
        resolve(seen);
      });
      void Promise.resolve().then(() => seen.push('microtask first'));
      seen.push('sync first');
    });

  it('uses setImmediate where there is one (Node), called on its host', async () => {
    const receivers: unknown[] = [];
    const host: MacrotaskHost = {
      setImmediate(fn) {
        receivers.push(this);
        return setImmediate(fn);
      },
      setTimeout: () => expect.fail('setTimeout used'),
    };
    expect(await order(pickMacrotask(host))).to.deep.equal(['sync first', 'microtask first', 'a', 'b', 'c']);
    expect(receivers).to.deep.equal([host, host, host]);
    expect(await order(macrotask)).to.deep.equal(['sync first', 'microtask first', 'a', 'b', 'c']);
  });

  it('else a MessageChannel message per callback, in order (browsers, workers)', async () => {
    const channels: MessageChannel[] = [];
    const host = {
      MessageChannel: function () {
        const channel = new MessageChannel();
        channels.push(channel);
        return channel;
      },
      setTimeout: () => expect.fail('setTimeout used'),
    } as unknown as MacrotaskHost;
    try {
      expect(await order(pickMacrotask(host))).to.deep.equal(['sync first', 'microtask first', 'a', 'b', 'c']);
      expect(channels).to.have.length(1); // one channel for every hand-off
    } finally {
      for (const c of channels) c.port1.close();
    }
  });

  it('else setTimeout(fn, 0)', async () => {
    const delays: number[] = [];
    const host: MacrotaskHost = {
      setTimeout(fn, ms) {
        delays.push(ms);
        return setTimeout(fn, ms);
      },
    };
    expect(await order(pickMacrotask(host))).to.deep.equal(['sync first', 'microtask first', 'a', 'b', 'c']);
    expect(delays).to.deep.equal([0, 0, 0]);
  });
});
