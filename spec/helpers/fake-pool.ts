import { expect } from 'chai';
import type { Queue } from 'bullmq';
import { Flow, Routine, type ExecutionContext, type FlowOptions } from '../../lib/index.js';
import { PoolResults, poolExecutor, type PoolOwner } from '../../lib/bullmq/pool-results.js';
import type { BulkAdder } from '../../lib/bullmq/bulk-adder.js';
import type { RedisClient } from '../../lib/bullmq/lua-script.js';
import { encodeValue, type Effect, type PoolWire } from '../../lib/bullmq/wire.js';
import { setPoolExecutor } from '../../lib/model/placement.js';

// The owner side of routilux/bullmq's pool with no Redis: the real pool executor (poolExecutor,
// PoolResults) on a flow run in this process, and a hand-made pool that records what it is sent,
// told and asked to remove. Results are delivered by the spec (results.deliver).

/**
 * src (owner: `trigger` emits `{ v: 1 }`) → p (pool: emits `{ v }` unless `setup` gave it a slot
 * `in` of its own; `setup` may also add events) → k (owner: appends v to shared data `got`).
 */
export function srcPoolK(flowId: string, setup?: (p: Routine) => void, options: Omit<FlowOptions, 'flowId'> = {}): Flow {
  const flow = new Flow({ flowId, ...options });
  const src = new Routine();
  src.defineEvent('out', ['v']);
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { v: 1 }));
  flow.addRoutine(src, 'src');
  const p = new Routine();
  p.defineEvent('out', ['v']);
  setup?.(p);
  if (p.getSlot('in') === undefined) p.defineSlot<{ v: number }>('in', (d, ctx) => ctx.emit('out', { v: d.v }));
  p.setPlacement('pool');
  flow.addRoutine(p, 'p');
  const k = new Routine();
  k.defineSlot<{ v: number }>('in', (d, ctx) => ctx.setSharedData('got', [...((ctx.getSharedData('got') as number[] | undefined) ?? []), d.v]));
  flow.addRoutine(k, 'k');
  flow.connect('src', 'out', 'p', 'in');
  flow.connect('p', 'out', 'k', 'in');
  return flow;
}

/** What the hand-made pool of {@link fakePool} was given: keys sent, abort words told (`key\nName`), pool job ids removed. */
export interface FakePool {
  results: PoolResults;
  sent: string[];
  told: string[];
  removed: string[];
}

/** Installs the real pool executor on `flow`, with `results` and a pool that records everything (the keys sent into `sent`). */
export function fakePool(flow: Flow, results = new PoolResults(), sent: string[] = []): FakePool {
  const [told, removed] = [[], []] as string[][];
  const adder = { add: (_q: Queue, _name: string, data: PoolWire) => (sent.push(data.key), Promise.resolve()) } as unknown as BulkAdder;
  const queue = { remove: (id: string) => (removed.push(id), Promise.resolve(0)) } as unknown as Queue;
  const client = { publish: (_channel: string, message: string) => (told.push(message), Promise.resolve(0)) } as unknown as RedisClient;
  const owner: PoolOwner = { resultsOf: () => results, queue, adder, client, abortChannel: 'abort' };
  setPoolExecutor(flow, poolExecutor(owner));
  return { results, sent, told, removed };
}

/** A pool result as a pool member writes it. */
export function poolResult(effects: Effect[], error?: { name: string; message: string }): string {
  return JSON.stringify({ effects: encodeValue(effects, 'effects'), ...(error ? { error } : {}) });
}

/** Waits (5 ms steps, at most 2 s) until `test` holds; fails naming `what` otherwise. */
export async function until(test: () => boolean, what: string): Promise<void> {
  for (let i = 0; !test(); i++) {
    expect(i, what).to.be.below(400);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
