/**
 * What reached the process while `body` ran (and `settleMs` after): uncaught exceptions and
 * unhandled rejections, each described by `describe`. Mocha's own listeners are set aside
 * meanwhile (and put back after), so a fault fails the spec through its assertion instead of
 * ending the test twice.
 */
export async function processFaults(body: () => Promise<void>, describe: (e: unknown) => string, settleMs = 30): Promise<string[]> {
  const faults: string[] = [];
  const kinds = ['uncaughtException', 'unhandledRejection'] as const;
  const saved = kinds.map((kind) => process.listeners(kind as 'uncaughtException'));
  const ours = kinds.map((kind) => (e: unknown): void => void faults.push(`${kind}: ${describe(e)}`));
  kinds.forEach((kind, i) => {
    process.removeAllListeners(kind);
    process.on(kind as 'uncaughtException', ours[i]!);
  });
  try {
    await body();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    kinds.forEach((kind, i) => {
      process.off(kind as 'uncaughtException', ours[i]!);
      for (const listener of saved[i]!) process.on(kind as 'uncaughtException', listener as never);
    });
  }
  return faults;
}
