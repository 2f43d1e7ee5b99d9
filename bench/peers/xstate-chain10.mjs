// chain10 as an XState v5 actor pipeline: ten actors, r1..r9 each send value + 1 to the next,
// r10 records value + 1 (message i recorded as i + 10, as in routilux's chain10).
// Unit: actor event handlings (10·N).   node bench/peers/xstate-chain10.mjs --n 100000
import { createActor, createMachine } from 'xstate';
import { Tally, measure, numberArg, report, versionOf } from './common.mjs';

const n = numberArg('n', 100000);
const runs = numberArg('runs', 3);

function stage(onValue) {
  return createActor(createMachine({ id: 'stage', on: { v: { actions: ({ event }) => onValue(event.value) } } })).start();
}

async function once(size) {
  const tally = new Tally(size, 10);
  let next = stage((v) => tally.add(v + 1));
  for (let k = 9; k >= 1; k--) {
    const to = next;
    next = stage((v) => to.send({ type: 'v', value: v + 1 }));
  }
  const first = next;
  for (let i = 0; i < size; i++) first.send({ type: 'v', value: i });
  // Actors process their mailboxes synchronously; yield once in case a version defers.
  await new Promise((r) => setImmediate(r));
  return tally.problems();
}

const { ms, runs: all, errors } = await measure(once, n, runs);
report({
  workload: 'peer_xstate_chain10',
  n,
  seconds: ms / 1000,
  per_sec: Math.round((10 * n) / (ms / 1000)),
  ok: errors.length === 0,
  unit: 'actor event handlings (10·N), one send per message',
  peer: `xstate@${versionOf('xstate')}`,
  runs_ms: all.map((x) => Math.round(x)),
  ...(errors.length > 0 ? { errors: errors.slice(0, 10) } : {}),
});
