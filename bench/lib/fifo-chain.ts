import { nowMs } from './measure.js';
import { Tally } from './tally.js';

const CHUNK = 4096;

/** A block of queue entries: the payload, and the hop it goes to next (1..10). */
class Block {
  readonly payloads: Array<{ value: number } | undefined> = new Array(CHUNK);
  readonly hops = new Uint8Array(CHUNK);
  next: Block | undefined = undefined;
}

/**
 * The memory floor for chain10: its ten +1 hops as the barest FIFO that honours the same order
 * (every queued message of one hop runs before the first message of the next), with no
 * library at all. One array slot and one byte per queued message, `{ value }` payloads as the
 * relays emit them, the last hop recording into a tally.
 *
 * With N messages queued at once, N payloads are alive during every hop, whatever holds them;
 * this measures what V8 makes of that (peak RSS) under the same node flags as chain10.
 *
 * @example
 * ```ts
 * const { ms, tally } = runFifoChain10(1_000_000); tally.problems('fifo sink'); // []
 * ```
 */
export function runFifoChain10(n: number): { ms: number; tally: Tally } {
  const tally = new Tally(n, 10);
  let head = new Block();
  let tail = head;
  let headIndex = 0;
  let tailIndex = 0;
  let size = 0;
  const push = (payload: { value: number }, hop: number): void => {
    if (tailIndex === CHUNK) {
      tail.next = new Block();
      tail = tail.next;
      tailIndex = 0;
    }
    tail.payloads[tailIndex] = payload;
    tail.hops[tailIndex++] = hop;
    size++;
  };
  const t0 = nowMs();
  for (let i = 0; i < n; i++) push({ value: i }, 1);
  while (size > 0) {
    if (headIndex === CHUNK) {
      head = head.next!;
      headIndex = 0;
    }
    const payload = head.payloads[headIndex]!;
    const hop = head.hops[headIndex];
    head.payloads[headIndex++] = undefined;
    size--;
    if (hop < 10) push({ value: payload.value + 1 }, hop + 1);
    else tally.add(payload.value + 1);
  }
  return { ms: nowMs() - t0, tally };
}
