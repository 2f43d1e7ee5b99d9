/**
 * @internal Waits for `promise` to settle, at most `ms`: true when it settled in time (whether
 * it resolved or rejected), false when the time ran out first (a longer `ms` than 2^31 - 1 waits
 * that long). Real time, never a flow's scheduler. The timer is cleared either way, so nothing
 * keeps the process alive after the answer.
 *
 * @example
 * ```ts
 * if (!(await settledWithin(job.pause('handoff'), 30_000))) report(new TimeoutError('…'));
 * ```
 */
export function settledWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  // (Clamped: a timer takes a signed 32-bit delay and fires at once for anything longer.)
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.min(Math.max(0, ms), 2 ** 31 - 1))));
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, late]).finally(() => clearTimeout(timer));
}
