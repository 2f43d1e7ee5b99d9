import type { ChildProcess } from 'node:child_process';

/**
 * The child processes a crash spec started and that have not exited yet: when the spec ends
 * first (a timeout), its `after` stops them before removing their directory (one still writing
 * into it would make the removal fail with ENOTEMPTY).
 */
export class LiveChildren {
  private readonly live = new Set<ChildProcess>();

  /** Tracks `child` until it exits. */
  add(child: ChildProcess): ChildProcess {
    this.live.add(child);
    child.once('exit', () => this.live.delete(child));
    return child;
  }

  /** SIGKILLs every child still running and waits for each to exit. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.live].map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        return exited;
      }),
    );
  }
}
