import type { Subscription } from 'rxjs';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import type { CliStream } from './cli-io.js';
import { grouped, humanDuration } from './text-table.js';

/**
 * The live progress of a job on stderr: activations done, queued, per second, elapsed. On a
 * terminal one line redrawn in place 4 times a second (and cleared at the end); elsewhere
 * (`--progress` into a log) one line per second, and a last one at the end.
 *
 * @example
 * ```ts
 * const progress = new ProgressLine(flow, job, io.stderr).start();
 * await job.wait();
 * progress.stop();
 * ```
 */
export class ProgressLine {
  private done = 0;
  private failed = 0;
  private readonly startedAt = Date.now();
  private sub: Subscription | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly flow: Flow,
    private readonly job: Job,
    private readonly stream: CliStream,
  ) {}

  start(): this {
    const jobId = this.job.jobId;
    this.sub = this.flow.inspect$.subscribe((r) => {
      if (r.type !== 'activation-end' || r.jobId !== jobId) return;
      this.done++;
      if (r.outcome === 'failed') this.failed++;
    });
    this.timer = setInterval(() => this.draw(), this.stream.isTTY ? 250 : 1000);
    this.timer.unref?.();
    return this;
  }

  /** The line as it reads now. */
  text(): string {
    const elapsed = Date.now() - this.startedAt;
    const state = this.job.state;
    const rate = elapsed > 0 ? (this.done * 1000) / elapsed : 0;
    const failures = this.failed > 0 ? ` (${grouped(this.failed)} failed)` : '';
    return `${state.status} · ${grouped(this.done)} activations done${failures} · ${grouped(state.pendingTasks.length)} queued · ${grouped(rate)}/s · ${humanDuration(elapsed)}`;
  }

  stop(): void {
    this.sub?.unsubscribe();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sub = undefined;
    this.timer = undefined;
    this.stream.write(this.stream.isTTY ? '\r\x1b[2K' : `${this.text()}\n`);
  }

  private draw(): void {
    const line = this.text();
    if (!this.stream.isTTY) return this.stream.write(`${line}\n`);
    const width = this.stream.columns ?? 80;
    this.stream.write(`\r\x1b[2K${line.length >= width ? `${line.slice(0, width - 2)}…` : line}`);
  }
}
