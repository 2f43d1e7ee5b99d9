import { Subject, map } from 'rxjs';
import { nowMs } from './measure.js';
import { Tally } from './tally.js';

/**
 * The floor for chain10: the same ten +1 hops as plain RxJS, Subject → map → Subject, the last
 * hop recording. Ten `map` calls per message, like ten slot activations. Built anew for this
 * run.
 *
 * @example
 * ```ts
 * runRxChain10(100_000).ms;
 * ```
 */
export function runRxChain10(n: number): { ms: number; tally: Tally } {
  return rxChain10()(n); // built for this run alone (the rx_chain10 line); chain10 keeps one
}

/**
 * The same chain built once and fed again on every call, as chain10 reuses its flow (see
 * bench/workloads/chain10.ts): returns `run(n)`, which pushes n messages through and times them.
 *
 * @example
 * ```ts
 * const run = rxChain10(); run(100_000).ms;
 * ```
 */
export function rxChain10(): (n: number) => { ms: number; tally: Tally } {
  let tally = new Tally(0, 10);
  const subjects = Array.from({ length: 10 }, () => new Subject<{ value: number }>());
  const inc = (d: { value: number }) => ({ value: d.value + 1 });
  for (let k = 0; k < 9; k++) subjects[k].pipe(map(inc)).subscribe(subjects[k + 1]);
  subjects[9].pipe(map(inc)).subscribe((d) => tally.add(d.value));
  const head = subjects[0];
  return (n) => {
    tally = new Tally(n, 10);
    const t0 = nowMs();
    for (let i = 0; i < n; i++) head.next({ value: i });
    return { ms: nowMs() - t0, tally };
  };
}
