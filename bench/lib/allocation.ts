import { Session } from 'node:inspector/promises';

/**
 * Bytes the heap allocated while `run` ran, garbage included: V8's sampling heap profiler
 * with the objects that minor and major GCs collected kept in the profile (a sample every
 * `interval` bytes on average, so the figure is an estimate, within a few percent at
 * millions of samples). Allocation is what the young-generation collector pays for, and
 * unlike time it does not move with the load of a shared machine.
 *
 * @example
 * ```ts
 * const bytes = await allocatedBytes(() => flow.start('entry', { n }).wait());
 * ```
 */
export async function allocatedBytes(run: () => Promise<unknown>, interval = 512): Promise<number> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: interval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await run();
    const { profile } = await session.post('HeapProfiler.stopSampling');
    let total = 0;
    const walk = (node: { selfSize: number; children: (typeof node)[] }): void => {
      total += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    return total;
  } finally {
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
