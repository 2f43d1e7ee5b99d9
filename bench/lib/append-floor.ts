import { nowMs } from './measure.js';

/**
 * The floor for fanin_append under its contract, with no library: each of `total` arrivals is
 * appended to one growing array, and the "handler" gets a fresh frozen copy of everything so
 * far and checks its length (as append must hand over: no live shared list). Activation k
 * copies k values, so this is total²/2 element copies: the least work any implementation of
 * that contract does.
 *
 * @example
 * ```ts
 * const { ms, badLength } = runAppendFloor(20_000); // badLength === 0
 * ```
 */
export function runAppendFloor(total: number): { ms: number; badLength: number } {
  const growing: number[] = [];
  let badLength = 0;
  const t0 = nowMs();
  for (let k = 1; k <= total; k++) {
    growing.push(k);
    const handed = Object.freeze(growing.slice());
    if (handed.length !== k) badLength++;
  }
  return { ms: nowMs() - t0, badLength };
}
